"""Which routes ``add_auth`` protects, and how: decided on the route inventory, before any code is edited.

The decision, for each path operation of the modules being edited:

- **Selected** by ``protect``: ``"mutating"`` (POST, PUT, PATCH, DELETE; the default), ``"all"``, or a list of
  ``"/path"`` / ``"METHOD /path"`` patterns matched against the full path (router and ``include_router`` prefixes
  included). A pattern that matches no route is an ``InputError`` naming it.
- **Already protected** routes are left alone, whatever their scheme: a dependency reaching a security scheme in the
  route's parameters, its decorator, its router, or an ``include_router`` on the way to the app (the inventory's
  analysis). That is what makes the codemod idempotent, also on auth written by hand.
- **Router level**: when every route of an ``APIRouter`` defined in an edited module is selected and none is
  protected yet, ``dependencies=[Depends(require_auth)]`` goes on the ``APIRouter(...)`` call once, instead of on
  each decorator (never on the ``FastAPI`` app: that would lock the ``/token`` route too).
- **Decorator**: otherwise the route's decorator (or ``add_api_route`` call) gets ``Depends(require_auth)`` in its
  ``dependencies=[...]``, merged into an existing list.
- **Parameter**: a route whose body uses the user, i.e. reads the name ``current_user`` without defining it (no
  parameter, local or module-level name of that name), gets a ``current_user: CurrentUser`` parameter instead (for
  schemes that identify a user: ``oauth2-password-jwt``, ``http-basic``); with router-level protection it gets the
  parameter too. The rule is mechanical on purpose: the codemod never guesses from names like ``user`` or ``me``.
- **Login routes** are never protected by ``"mutating"`` or ``"all"`` (that would lock everybody out): a route with a
  ``token`` or ``login`` path segment, or taking ``OAuth2PasswordRequestForm``; the plan lists them for a note. A
  route list in ``protect`` protects what it names.
- **Token route**: for ``oauth2-password-jwt``, the auth module's ``router`` (``POST /token``) is included into the
  ``FastAPI`` app right after the statement that creates it, unless it is already included.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from fastapi_expert.codemods.schemes import USER_PARAMETER, AuthScheme
from fastapi_expert.codemods.source_map import Position
from fastapi_expert.errors import InputError
from fastapi_expert.project.routes import Endpoint, RouteInventory, match_routes
from fastapi_expert.project.sources import Module, ProjectSources
from fastapi_expert.review.index import MUTATING_METHODS

__all__ = ["ModulePlan", "Position", "Protect", "ProtectedRoute", "login_notes", "plan_auth", "selected_endpoints"]

#: ``"mutating"``, ``"all"``, or a list of ``"/path"`` / ``"METHOD /path"`` patterns.
Protect = Literal["mutating", "all"] | Sequence[str]
How = Literal["decorator", "router", "parameter"]


@dataclass(frozen=True, slots=True)
class ProtectedRoute:
    """A route the plan protects: its methods and full path, its function, where, and how."""

    methods: tuple[str, ...]
    path: str
    function: str
    file: str
    line: int
    how: How


@dataclass(frozen=True, slots=True)
class ModulePlan:
    """The edits to one module, by position of the nodes they apply to: where a call (``router.post(...)``,
    ``APIRouter(...)``) starts, as 1-based line and 1-based character column. ``source`` is the parsed module the
    positions were computed on (the codemod finds the nodes through its ``ast`` tree)."""

    path: str
    dependency_calls: frozenset[Position] = frozenset()  # calls getting Depends(require_auth) in dependencies=[...]
    user_parameters: frozenset[Position] = frozenset()  # route decorators whose function gets current_user
    include_token_router_after: tuple[int, str] | None = None  # (line of the app's assignment, the app's variable)
    routes: tuple[ProtectedRoute, ...] = ()
    login_routes: tuple[str, ...] = ()  # "POST /token": selected, left unprotected (login routes)
    source: Module | None = field(default=None, compare=False, repr=False)

    @property
    def empty(self) -> bool:
        return not (self.dependency_calls or self.user_parameters or self.include_token_router_after)


@dataclass(slots=True)
class _Route:
    """One route declaration (an endpoint may be served under several full paths: they share the declaration)."""

    endpoints: list[Endpoint] = field(default_factory=list)

    @property
    def first(self) -> Endpoint:
        return self.endpoints[0]

    @property
    def protected(self) -> bool:
        return all(endpoint.protected for endpoint in self.endpoints)


def _declarations(endpoints: Iterable[Endpoint]) -> dict[tuple[str, int, int], _Route]:
    found: dict[tuple[str, int, int], _Route] = {}
    for endpoint in endpoints:
        found.setdefault((endpoint.file, endpoint.line, endpoint.column), _Route()).endpoints.append(endpoint)
    return found


def selected_endpoints(inventory: RouteInventory, protect: Protect) -> tuple[Endpoint, ...]:
    """The endpoints ``protect`` selects (protected or not); ``InputError`` naming patterns that match nothing."""
    if protect == "mutating":
        return tuple(e for e in inventory.endpoints if MUTATING_METHODS.intersection(e.methods))
    if protect == "all":
        return inventory.endpoints
    if isinstance(protect, str):
        raise InputError(
            f"{protect!r} is not 'mutating', 'all' or a list of \"/path\" or \"METHOD /path\"", argument="protect"
        )
    patterns = list(protect)
    if not patterns:
        raise InputError("the list of routes is empty; pass 'mutating', 'all' or route paths", argument="protect")
    matches = match_routes(inventory, patterns)
    if matches.unmatched:
        known = sorted({f"{' '.join(e.methods)} {e.full_path}" for e in inventory.endpoints})
        shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
        unmatched = ", ".join(repr(pattern) for pattern in matches.unmatched)
        raise InputError(f"{unmatched} matches no route (the routes are: {shown or 'none'})", argument="protect")
    return matches.endpoints


def plan_auth(
    sources: ProjectSources,
    inventory: RouteInventory,
    scheme: AuthScheme,
    protect: Protect,
    *,
    files: Sequence[str],
    app_path: str | None = None,
) -> dict[str, ModulePlan]:
    """The plan of each module of ``files`` (relative paths): which calls get the dependency, which functions the
    user parameter, where the token router is included (into the app of ``app_path``, default: an app of ``files``).
    Routes outside ``files`` are neither selected nor edited."""
    wanted = set(files)
    scoped = RouteInventory(tuple(e for e in inventory.endpoints if e.file in wanted), inventory.routers)
    chosen = selected_endpoints(scoped, protect)
    login: dict[str, list[str]] = {}
    if isinstance(protect, str):  # "mutating" or "all": never the login route, which would lock everybody out
        logins = {id(e) for e in chosen if not e.protected and _is_login_route(sources, e)}
        for endpoint in (e for e in chosen if id(e) in logins):
            login.setdefault(endpoint.file, []).append(f"{' '.join(endpoint.methods)} {endpoint.full_path}")
        chosen = tuple(e for e in chosen if id(e) not in logins)
    selected = _declarations(chosen)
    declarations = _declarations(inventory.endpoints)
    to_protect = {key: route for key, route in selected.items() if not declarations[key].protected}

    router_level: dict[str, set[Position]] = {}
    covered: set[tuple[str, int, int]] = set()
    for router in inventory.routers:
        if router.kind != "router" or router.path not in wanted or router.auth:
            continue
        own = {
            key
            for key, route in declarations.items()
            if route.first.router == router.variable and route.first.router_module == router.module
        }
        if own and own <= to_protect.keys():
            module = sources.at(router.path)
            position = _assigned_call(module, router.line, router.variable) if module is not None else None
            if position is not None:
                router_level.setdefault(router.path, set()).add(position)
                covered |= own

    plans: dict[str, ModulePlan] = {}
    for path in files:
        module = sources.at(path)
        if module is None:
            continue
        functions = _route_functions(module)
        names = _module_names(module.tree) if scheme.has_user else set()
        calls: set[Position] = set(router_level.get(path, ()))
        parameters: set[Position] = set()
        routes: list[ProtectedRoute] = []
        for key, route in to_protect.items():
            if key[0] != path:
                continue
            endpoint = route.first
            position = (endpoint.line, endpoint.column)
            function = functions.get(position)
            how: How
            if scheme.has_user and function is not None and _uses_user(names, function):
                parameters.add(position)
                how = "parameter"
            elif key in covered:
                how = "router"
            else:
                calls.add(position)
                how = "decorator"
            for served in route.endpoints:
                routes.append(ProtectedRoute(served.methods, served.full_path, served.function, path, served.line, how))
        plans[path] = ModulePlan(
            path=path,
            dependency_calls=frozenset(calls),
            user_parameters=frozenset(parameters),
            routes=tuple(sorted(routes, key=lambda r: (r.line, r.path))),
            login_routes=tuple(login.get(path, ())),
            source=module,
        )
    if scheme.has_token_route and any(not plan.empty for plan in plans.values()):
        for candidate in [app_path] if app_path is not None else list(files):
            module = sources.at(candidate)
            site = _token_router_site(module, inventory) if module is not None else None
            if site is not None:
                plan = plans.get(candidate, ModulePlan(path=candidate, source=module))
                plans[candidate] = replace(plan, include_token_router_after=site)
                break
    return plans


_LOGIN_FORMS = frozenset(
    f"{module}.{name}"
    for module in ("fastapi.security", "fastapi.security.oauth2")
    for name in ("OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict")
)
_LOGIN_SEGMENTS = frozenset({"token", "login"})


def _is_login_route(sources: ProjectSources, endpoint: Endpoint) -> bool:
    """A route clients log in through: a ``token`` or ``login`` segment in its path (``/token``,
    ``/login/access-token``), or a parameter taking ``OAuth2PasswordRequestForm``."""
    segments = {segment.lower() for segment in endpoint.full_path.split("/")}
    if segments & _LOGIN_SEGMENTS:
        return True
    module = sources.at(endpoint.file)
    if module is None:
        return False
    function = _route_functions(module).get((endpoint.line, endpoint.column))
    if function is None:
        function = module.index.functions.get(endpoint.function.rsplit(".", 1)[-1])
    if function is None:
        return False
    arguments = function.args
    defaults = [*arguments.defaults, *(default for default in arguments.kw_defaults if default is not None)]
    for node in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, *defaults]:
        for part in ast.walk(node.annotation if isinstance(node, ast.arg) and node.annotation else node):
            if isinstance(part, ast.Name | ast.Attribute) and module.resolve(part) in _LOGIN_FORMS:
                return True
    return False


def login_notes(plans: Iterable[ModulePlan]) -> list[str]:
    """A note on the login routes the plans left unprotected."""
    routes = [f"{route} ({plan.path})" for plan in plans for route in plan.login_routes]
    if not routes:
        return []
    return [
        f"left {', '.join(routes)} unprotected: a login route must stay open (its path has 'token' or 'login', or it "
        "takes OAuth2PasswordRequestForm); name it in protect to protect it anyway"
    ]


def _route_functions(module: Module) -> dict[Position, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Route functions by the position of each of their decorator calls."""
    found: dict[Position, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for statement in module.statements:
        node = statement.node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call):
                    found[module.position(decorator)] = node
    return found


def _uses_user(module_names: set[str], function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The body reads ``current_user`` and nothing defines it: no parameter, assignment or module-level name (of
    ``module_names``)."""
    arguments = function.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
    if any(argument is not None and argument.arg == USER_PARAMETER for argument in every):
        return False
    if USER_PARAMETER in module_names:
        return False
    read = False
    for statement in function.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and node.id == USER_PARAMETER:
                if isinstance(node.ctx, ast.Load):
                    read = True
                else:
                    return False
            elif isinstance(node, ast.arg) and node.arg == USER_PARAMETER:
                return False
    return read


def _module_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(statement.name)
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).partition(".")[0] for alias in statement.names)
        else:
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
    return names


def _assignment(module: Module, line: int, variable: str) -> ast.Assign | ast.AnnAssign | None:
    for statement in module.statements:
        node = statement.node
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.lineno == line:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == variable for t in targets):
                return node
    return None


def _assigned_call(module: Module, line: int, variable: str) -> Position | None:
    """Where the ``APIRouter(...)`` call bound to ``variable`` on ``line`` starts."""
    node = _assignment(module, line, variable)
    if node is None or not isinstance(node.value, ast.Call):
        return None
    return module.position(node.value)


def _token_router_site(module: Module, inventory: RouteInventory) -> tuple[int, str] | None:
    """The app of ``module`` to include the token router into, unless an included router already serves
    ``/token`` (the auth module's, or the user's own)."""
    if any(endpoint.full_path.rstrip("/") == "/token" and endpoint.mounted for endpoint in inventory.endpoints):
        return None
    for router in inventory.routers:
        if router.kind == "app" and router.path == module.path:
            node = _assignment(module, router.line, router.variable)
            if node is not None:
                return (node.lineno, router.variable)
    return None
