"""The route inventory of a project or of one module, and ``protect`` patterns matched against it.

Every path operation: ``@app.get(...)``, ``@router.post(...)``, ``@router.api_route(..., methods=[...])`` and
``x.add_api_route(path, endpoint, methods=[...])``, at module level or inside a factory function, with its full path
(the include prefixes of every chain that reaches an app, the routers' own prefixes and the route's path) and the
auth dependencies that already protect it: a dependency reaching a security scheme in the route's parameters, its
decorator's ``dependencies=``, its router's or app's ``dependencies=``, or an ``include_router(dependencies=...)`` on
the way up. A router included twice gives each of its routes twice, once per full path. Websocket routes are left
out (HTTP auth dependencies do not apply to them the same way).

Patterns are ``"/path"`` (every method) or ``"METHOD /path"``; a trailing slash and the names of path parameters do
not matter (``/items/{id}`` matches ``/items/{item_id}/``), and a prefix that cannot be known statically (shown as
``<settings.API_PREFIX>``) matches any prefix.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fastapi_expert.errors import InputError
from fastapi_expert.project.routers import AuthDependency, Prefix, RouterGraph, RouterInfo, keyword
from fastapi_expert.project.security import dependency_parameters
from fastapi_expert.project.sources import Module, ProjectSources
from fastapi_expert.review.context import SourceFile
from fastapi_expert.review.index import HTTP_METHODS, FunctionNode, Parameter, dotted_name

__all__ = [
    "Endpoint",
    "Matches",
    "PatternMatch",
    "RouteInventory",
    "application_modules",
    "inventory",
    "inventory_project",
    "inventory_source",
    "match_routes",
]

Declaration = Literal["decorator", "api_route", "add_api_route"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A path operation as the project serves it, once per full path."""

    methods: tuple[str, ...]
    path: Prefix  # the route's own path, as the decorator (or ``add_api_route``) writes it
    full_path: str  # include prefixes + router prefix + path; unknown parts shown as ``<expression>``
    resolved: bool  # every part of ``full_path`` is known
    mounted: bool  # the router is included (through any chain) into an app, or the route is on the app itself
    function: str  # the endpoint function's name
    module: str
    file: str
    line: int  # where the decorator (or the ``add_api_route`` call) is; 1-based
    column: int
    router: str  # the app's or router's variable
    router_module: str
    router_kind: Literal["app", "router"]
    declaration: Declaration
    factory: str | None  # the function the route is declared in, when it is not at module level
    auth: tuple[AuthDependency, ...]

    @property
    def protected(self) -> bool:
        return bool(self.auth)

    @property
    def schemes(self) -> tuple[str, ...]:
        """The security scheme classes protecting the route (qualified names), once each."""
        return tuple(dict.fromkeys(scheme for dependency in self.auth for scheme in dependency.schemes))


@dataclass(frozen=True, slots=True)
class RouteInventory:
    """Every route and every app and router of a project (or a module)."""

    endpoints: tuple[Endpoint, ...]
    routers: tuple[RouterInfo, ...]

    @property
    def apps(self) -> tuple[RouterInfo, ...]:
        return tuple(router for router in self.routers if router.kind == "app")


@dataclass(frozen=True, slots=True)
class PatternMatch:
    """One ``protect`` pattern, parsed, and the endpoints it matched."""

    pattern: str
    method: str | None  # None: every method
    path: str
    endpoints: tuple[Endpoint, ...]


@dataclass(frozen=True, slots=True)
class Matches:
    """What a list of patterns matched: every endpoint matched (inventory order, once), per pattern, and the
    patterns that matched nothing."""

    endpoints: tuple[Endpoint, ...]
    patterns: tuple[PatternMatch, ...]
    unmatched: tuple[str, ...]


# -- inventory ---------------------------------------------------------------------------------------------------------


def inventory_project(project_dir: Path) -> RouteInventory:
    """The routes of the project at ``project_dir`` (test modules left out)."""
    if not project_dir.is_dir():
        raise InputError(f"{str(project_dir)!r} is not a directory", argument="project_dir")
    return inventory(ProjectSources(project_dir))


def inventory_source(source: str, filename: str = "main.py") -> RouteInventory:
    """The routes of one module given as text (raises ``SourceParseError`` when it does not parse)."""
    return inventory(ProjectSources.single(source, filename))


def inventory(sources: ProjectSources, graph: RouterGraph | None = None) -> RouteInventory:
    """The routes of the non-test modules of ``sources`` (``graph`` when the caller has built it already)."""
    if graph is None:
        graph = RouterGraph(sources, application_modules(sources))
    endpoints: list[Endpoint] = []
    for module in graph.modules:
        endpoints += _module_endpoints(graph, module)
    return RouteInventory(tuple(endpoints), graph.routers)


def application_modules(sources: ProjectSources) -> tuple[Module, ...]:
    """The modules that can hold the app's routes: relevant ones, test modules left out."""
    return tuple(module for module in sources.relevant() if not SourceFile(module.path, "").is_test)


def _module_endpoints(graph: RouterGraph, module: Module) -> list[Endpoint]:
    found: list[Endpoint] = []
    for statement in module.statements:
        node = statement.node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
                    found += _declared(graph, module, decorator, node, statement.scopes)
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "add_api_route"
        ):
            found += _declared(graph, module, node.value, None, statement.scopes)
    return found


def _declared(
    graph: RouterGraph, module: Module, call: ast.Call, function: FunctionNode | None, scopes: tuple[FunctionNode, ...]
) -> list[Endpoint]:
    assert isinstance(call.func, ast.Attribute)  # noqa: S101 (checked by the caller)
    attribute = call.func.attr
    if attribute not in HTTP_METHODS and attribute not in {"api_route", "add_api_route"}:
        return []
    router = graph.owner_of(module, call.func.value, scopes)
    if router is None:
        return []
    path = graph.prefix(module, call.args[0] if call.args else keyword(call, "path"), scopes)
    if attribute in HTTP_METHODS:
        methods: tuple[str, ...] = (attribute.upper(),)
        declaration: Declaration = "decorator"
    else:
        listed = graph.strings(module, keyword(call, "methods"), scopes)
        methods = tuple(dict.fromkeys(m.upper() for m in listed)) or ("GET",)
        declaration = "api_route" if attribute == "api_route" else "add_api_route"
    endpoint_node = call.args[1] if len(call.args) > 1 else keyword(call, "endpoint")
    if function is None and endpoint_node is not None:
        name = dotted_name(endpoint_node) or ""
        function = module.index.functions.get(name.rsplit(".", 1)[-1])
        function_name = name
    else:
        function_name = function.name if function is not None else ""
    auth = graph.auth(module, graph.elements(module, keyword(call, "dependencies")), scopes, "decorator")
    if function is not None:
        auth += _parameter_auth(graph, module, function, scopes)
    line, column = module.position(call)
    found = []
    for mount in router.mounts:
        parts = (*mount.prefixes, router.prefix, path)
        found.append(
            Endpoint(
                methods=methods,
                path=path,
                full_path="".join(part.text for part in parts),
                resolved=all(part.resolved for part in parts),
                mounted=mount.mounted,
                function=function_name,
                module=module.name,
                file=module.path,
                line=line,
                column=column,
                router=router.variable,
                router_module=router.module,
                router_kind=router.kind,
                declaration=declaration,
                factory=".".join(scope.name for scope in scopes) or None,
                auth=(*mount.auth, *router.auth, *auth),
            )
        )
    return found


def _parameter_auth(
    graph: RouterGraph, module: Module, function: FunctionNode, scopes: tuple[FunctionNode, ...]
) -> tuple[AuthDependency, ...]:
    found = []
    for parameter in dependency_parameters(module, function):
        schemes = graph.schemes.parameter(module, parameter, (*scopes, function))
        if schemes:
            line, _ = module.position(parameter.node)
            found.append(AuthDependency("parameter", _parameter_text(module, parameter), schemes, module.path, line))
    return tuple(found)


def _parameter_text(module: Module, parameter: Parameter) -> str:
    """The parameter as written, with its default (``credentials=Depends(basic)``, ``user: CurrentUser``)."""
    if parameter.default is None:
        return module.segment(parameter.node)
    span = ast.Constant(value=None)
    span.lineno, span.col_offset = parameter.node.lineno, parameter.node.col_offset
    span.end_lineno, span.end_col_offset = parameter.default.end_lineno, parameter.default.end_col_offset
    return module.segment(span)


# -- matching ----------------------------------------------------------------------------------------------------------

_METHODS = frozenset(method.upper() for method in HTTP_METHODS)
_PARAMETER = re.compile(r"\{[^{}/]*\}")
_UNKNOWN = re.compile(r"<[^<>]*>")


def _normalized(path: str) -> str:
    """Path parameters without names (``{}``) and no trailing slash (``/`` stays ``/``)."""
    path = _PARAMETER.sub("{}", path)
    return path.rstrip("/") or "/"


def _endpoint_pattern(full_path: str) -> re.Pattern[str]:
    pieces = _UNKNOWN.split(full_path)
    normalized = [_PARAMETER.sub("{}", piece) for piece in pieces]
    expression = ".*".join(re.escape(piece) for piece in normalized)
    return re.compile(expression.rstrip("/") + "/?" if expression.rstrip("/") else "/?")


def _parse(pattern: str) -> tuple[str | None, str]:
    words = pattern.split()
    if len(words) == 1:
        method, path = None, words[0]
    elif len(words) == 2:
        method, path = words[0].upper(), words[1]
        if method not in _METHODS:
            raise InputError(
                f"{pattern!r}: {words[0]!r} is not an HTTP method ({', '.join(sorted(_METHODS))})", argument="protect"
            )
    else:
        raise InputError(f'{pattern!r} is not "/path" or "METHOD /path"', argument="protect")
    if not path.startswith("/"):
        raise InputError(f"{pattern!r}: the path must start with '/'", argument="protect")
    return method, path


def match_routes(inventory: RouteInventory, patterns: Sequence[str]) -> Matches:
    """The endpoints each ``"/path"`` or ``"METHOD /path"`` pattern matches (full paths), and the patterns that
    matched none. Raises ``InputError`` (argument ``protect``) for a pattern that is neither form."""
    compiled = [(endpoint, _endpoint_pattern(endpoint.full_path)) for endpoint in inventory.endpoints]
    per_pattern: list[PatternMatch] = []
    matched: dict[int, Endpoint] = {}
    for pattern in patterns:
        method, path = _parse(pattern)
        wanted = _normalized(path)
        hits = tuple(
            endpoint
            for endpoint, regex in compiled
            if (method is None or method in endpoint.methods) and regex.fullmatch(wanted)
        )
        for endpoint in hits:
            matched.setdefault(id(endpoint), endpoint)
        per_pattern.append(PatternMatch(pattern, method, path, hits))
    ordered = tuple(endpoint for endpoint in inventory.endpoints if id(endpoint) in matched)
    unmatched = tuple(match.pattern for match in per_pattern if not match.endpoints)
    return Matches(ordered, tuple(per_pattern), unmatched)
