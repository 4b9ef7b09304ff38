"""Apps, routers and the ``include_router`` calls between them, across the project's modules.

An app or router is a name bound to ``FastAPI(...)``/``APIRouter(...)`` (however imported: ``import fastapi as fa``,
``from fastapi import APIRouter as R``), at module level or inside a factory function. ``x.include_router(y, ...)``
is followed through imports (``items.router`` after ``from app.api.routes import items``), re-exports and factory
calls (``include_router(build_router())``, ``app = create_app()``). From the inclusions each router gets its mounts:
the prefixes and dependencies that apply to its routes on the way up to an app.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

from fastapi_expert.project.security import DependencySchemes
from fastapi_expert.project.sources import Module, ProjectSources
from fastapi_expert.project.values import StaticValues
from fastapi_expert.review.index import FunctionNode, dotted_name, fastapi_names

__all__ = ["AuthDependency", "Inclusion", "Mount", "Prefix", "RouterGraph", "RouterInfo", "keyword"]

_APP_CLASSES = fastapi_names("FastAPI")
_ROUTER_CLASSES = fastapi_names("APIRouter")
_MAX_DEPTH = 10

OwnerKind = Literal["app", "router"]
AuthSite = Literal["parameter", "decorator", "router", "include", "app"]


@dataclass(frozen=True, slots=True)
class Prefix:
    """A path or prefix as written (``expression``) and its value when it is known statically (else ``None``)."""

    value: str | None
    expression: str

    @property
    def resolved(self) -> bool:
        return self.value is not None

    @property
    def text(self) -> str:
        """The value, or ``<expression>`` when it is not known."""
        return self.value if self.value is not None else f"<{self.expression}>"


_NO_PREFIX = Prefix("", "")


@dataclass(frozen=True, slots=True)
class AuthDependency:
    """A dependency that reaches a security scheme, where it is declared, and which schemes it reaches."""

    site: AuthSite
    expression: str
    schemes: tuple[str, ...]
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Inclusion:
    """One ``receiver.include_router(router, ...)`` call."""

    path: str
    module: str
    line: int
    end_line: int
    column: int
    function: str | None  # the function the call is in (an app factory), if any
    receiver: str  # the app or router included into (its variable)
    receiver_module: str | None
    router: str  # the included expression as written (``items.router``)
    prefix: Prefix
    tags: tuple[str, ...]
    dependencies: tuple[str, ...]
    statement: str  # the whole statement's text
    top_level: bool  # a statement directly in the module's (or the factory's) body, not inside an ``if``/``for``


@dataclass(frozen=True, slots=True)
class Mount:
    """One way a router's routes are served: the prefixes added above it (each include's prefix and the prefixes of
    the routers it is included into), whether the chain reaches an app, and the auth dependencies on the way."""

    prefixes: tuple[Prefix, ...]
    mounted: bool
    auth: tuple[AuthDependency, ...]

    @property
    def text(self) -> str:
        return "".join(prefix.text for prefix in self.prefixes)


@dataclass(frozen=True, slots=True)
class RouterInfo:
    """An app or router: where it is defined, its own prefix/tags/dependencies, where it is included, its mounts."""

    kind: OwnerKind
    variable: str
    module: str
    path: str
    line: int
    function: str | None  # the factory it is built in, if any
    prefix: Prefix
    tags: tuple[str, ...]
    dependencies: tuple[str, ...]
    auth: tuple[AuthDependency, ...]  # its own dependencies that reach a security scheme
    included_in: tuple[Inclusion, ...]
    mounts: tuple[Mount, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.module, self.function or "", self.variable)


Key = tuple[str, str, str]  # (module, enclosing functions, variable)


@dataclass(slots=True)
class _Owner:
    kind: OwnerKind
    module: Module
    variable: str
    scopes: tuple[FunctionNode, ...]
    call: ast.Call
    line: int
    key: Key = ("", "", "")

    def __post_init__(self) -> None:
        self.key = (self.module.name, _scope_name(self.scopes), self.variable)


@dataclass(slots=True)
class _Include:
    """An inclusion with what it links: the receiver, the included router, and the call's module and scopes."""

    inclusion: Inclusion
    receiver: _Owner | None
    child: _Owner | None
    module: Module
    call: ast.Call
    scopes: tuple[FunctionNode, ...]


def _scope_name(scopes: tuple[FunctionNode, ...]) -> str:
    return ".".join(scope.name for scope in scopes)


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


class RouterGraph:
    """Apps and routers of the given modules, the inclusions between them, and their mounts."""

    def __init__(self, sources: ProjectSources, modules: tuple[Module, ...]) -> None:
        self.sources = sources
        self.modules = modules
        self.values = StaticValues(sources)
        self.schemes = DependencySchemes(sources)
        self._owners: dict[Key, _Owner] = {}
        for module in modules:
            self._collect_owners(module)
        self._includes: list[_Include] = []
        for module in modules:
            self._collect_inclusions(module)
        self._includes_of: dict[Key, list[_Include]] = {}
        for include in self._includes:
            if include.child is not None:
                self._includes_of.setdefault(include.child.key, []).append(include)
        self._mount_cache: dict[Key, tuple[Mount, ...]] = {}
        self._by_key: dict[Key, RouterInfo] = {}
        self.routers = tuple(self._info(owner) for owner in self._owners.values())
        self._by_key = {info.key: info for info in self.routers}

    # -- lookups -----------------------------------------------------------------------------------------------------

    def router(self, key: Key) -> RouterInfo:
        return self._by_key[key]

    def owner_of(
        self, module: Module, node: ast.expr | None, scopes: tuple[FunctionNode, ...] = (), depth: int = 0
    ) -> RouterInfo | None:
        """The app or router ``node`` (seen from ``scopes`` in ``module``) refers to."""
        owner = self._owner_of(module, node, scopes, depth)
        return self._by_key.get(owner.key) if owner is not None else None

    def _owner_of(
        self, module: Module, node: ast.expr | None, scopes: tuple[FunctionNode, ...], depth: int
    ) -> _Owner | None:
        if node is None or depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Call):
            return self._built_by(module, node.func, scopes, depth + 1)
        dotted = dotted_name(node)
        if dotted is None:
            return None
        for cut in range(len(scopes), 0, -1):
            owner = self._owners.get((module.name, _scope_name(scopes[:cut]), dotted))
            if owner is not None:
                return owner
            if dotted.split(".", 1)[0] in module.index.function_locals(scopes[cut - 1]):
                return None  # a local that is no app or router
        owner = self._owners.get((module.name, "", dotted))
        if owner is not None:
            return owner
        qualified = module.resolve(node, scopes)
        if qualified is None:
            return None
        if qualified.startswith("<local>."):
            name = qualified.removeprefix("<local>.")
            value = module.index.module_constants.get(name)
            return self._owner_of(module, value, (), depth + 1) if isinstance(value, ast.Call) else None
        definition = self.sources.definition(qualified)
        if definition is None or definition.attributes:
            return None
        return self._owner_of(definition.module, ast.Name(id=definition.name), (), depth + 1)

    def _built_by(self, module: Module, func: ast.expr, scopes: tuple[FunctionNode, ...], depth: int) -> _Owner | None:
        """The app or router a factory call returns (``build_router()`` -> the ``router`` it returns)."""
        qualified = module.resolve(func, scopes)
        if qualified is None:
            return None
        if qualified.startswith("<local>."):
            target, name = module, qualified.removeprefix("<local>.")
        else:
            definition = self.sources.definition(qualified)
            if definition is None or definition.attributes:
                return None
            target, name = definition.module, definition.name
        function = target.index.functions.get(name)
        if function is None:
            return None
        inner = (*target.scopes.get(id(function), ()), function)
        for node in target.index.own_nodes(function):
            if isinstance(node, ast.Return) and node.value is not None:
                owner = self._owner_of(target, node.value, inner, depth + 1)
                if owner is not None:
                    return owner
        return None

    # -- collection --------------------------------------------------------------------------------------------------

    def _collect_owners(self, module: Module) -> None:
        for statement in module.statements:
            node = statement.node
            if not isinstance(node, ast.Assign | ast.AnnAssign) or not isinstance(node.value, ast.Call):
                continue
            called = dotted_name(node.value.func)
            if called is None or called.split(".", 1)[0] not in module.index.imports:
                continue  # FastAPI and APIRouter are always imported: skip resolving every other call
            qualified = module.resolve(node.value.func, statement.scopes)
            kind: OwnerKind | None = (
                "app" if qualified in _APP_CLASSES else "router" if qualified in _ROUTER_CLASSES else None
            )
            if kind is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = dotted_name(target)
                if name is not None:
                    owner = _Owner(kind, module, name, statement.scopes, node.value, node.lineno)
                    self._owners.setdefault(owner.key, owner)

    def _collect_inclusions(self, module: Module) -> None:
        for statement in module.statements:
            node = statement.node
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
                continue
            call = node.value
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "include_router"):
                continue
            here = statement.scopes
            included = call.args[0] if call.args else keyword(call, "router")
            receiver = self._owner_of(module, call.func.value, here, 0)
            child = self._owner_of(module, included, here, 0)
            line, column = module.position(node)
            inclusion = Inclusion(
                path=module.path,
                module=module.name,
                line=line,
                end_line=node.end_lineno or line,
                column=column,
                function=_scope_name(here) or None,
                receiver=dotted_name(call.func.value) or module.segment(call.func.value),
                receiver_module=receiver.module.name if receiver is not None else None,
                router=module.segment(included) if included is not None else "",
                prefix=self.prefix(module, keyword(call, "prefix"), here),
                tags=self.strings(module, keyword(call, "tags"), here),
                dependencies=tuple(module.segment(e) for e in self.elements(module, keyword(call, "dependencies"))),
                statement=module.segment(node),
                top_level=statement.direct,
            )
            self._includes.append(_Include(inclusion, receiver, child, module, call, here))

    # -- values ------------------------------------------------------------------------------------------------------

    def prefix(self, module: Module, node: ast.expr | None, scopes: tuple[FunctionNode, ...] = ()) -> Prefix:
        if node is None:
            return _NO_PREFIX
        return Prefix(self.values.string(module, node, scopes), module.segment(node))

    def strings(self, module: Module, node: ast.expr | None, scopes: tuple[FunctionNode, ...]) -> tuple[str, ...]:
        found = [self.values.string(module, element, scopes) for element in self.elements(module, node)]
        return tuple(value for value in found if value is not None)

    @staticmethod
    def elements(module: Module, node: ast.expr | None) -> tuple[ast.expr, ...]:
        """The items of a list or tuple literal (or of a module constant holding one)."""
        if isinstance(node, ast.Name):
            node = module.index.module_constants.get(node.id)
        return tuple(node.elts) if isinstance(node, ast.List | ast.Tuple) else ()

    def auth(
        self,
        module: Module,
        expressions: tuple[ast.expr, ...],
        scopes: tuple[FunctionNode, ...],
        site: AuthSite,
    ) -> tuple[AuthDependency, ...]:
        found = []
        for expression in expressions:
            schemes = self.schemes.dependency(module, expression, scopes)
            if schemes:
                line, _ = module.position(expression)
                found.append(AuthDependency(site, module.segment(expression), schemes, module.path, line))
        return tuple(found)

    # -- mounts ------------------------------------------------------------------------------------------------------

    def _own_auth(self, owner: _Owner) -> tuple[AuthDependency, ...]:
        dependencies = self.elements(owner.module, keyword(owner.call, "dependencies"))
        return self.auth(owner.module, dependencies, owner.scopes, owner.kind)

    def _mounts(self, owner: _Owner, visiting: frozenset[Key]) -> tuple[Mount, ...]:
        if owner.key in self._mount_cache:
            return self._mount_cache[owner.key]
        if owner.kind == "app":
            return (Mount((), True, ()),)
        found: list[Mount] = []
        for include in self._includes_of.get(owner.key, []):
            receiver = include.receiver
            if receiver is None or receiver.key in visiting:
                continue
            module, call = include.module, include.call
            dependencies = self.elements(module, keyword(call, "dependencies"))
            include_auth = self.auth(module, dependencies, include.scopes, "include")
            receiver_prefix = self.prefix(receiver.module, keyword(receiver.call, "prefix"), receiver.scopes)
            for above in self._mounts(receiver, visiting | {owner.key}):
                prefixes = [p for p in (*above.prefixes, receiver_prefix, include.inclusion.prefix) if p != _NO_PREFIX]
                auth = (*above.auth, *self._own_auth(receiver), *include_auth)
                found.append(Mount(tuple(prefixes), above.mounted, auth))
        result = tuple(found) or (Mount((), False, ()),)
        if not visiting:
            self._mount_cache[owner.key] = result
        return result

    def _info(self, owner: _Owner) -> RouterInfo:
        module = owner.module
        return RouterInfo(
            kind=owner.kind,
            variable=owner.variable,
            module=module.name,
            path=module.path,
            line=owner.line,
            function=_scope_name(owner.scopes) or None,
            prefix=self.prefix(module, keyword(owner.call, "prefix"), owner.scopes),
            tags=self.strings(module, keyword(owner.call, "tags"), owner.scopes),
            dependencies=tuple(module.segment(e) for e in self.elements(module, keyword(owner.call, "dependencies"))),
            auth=self._own_auth(owner),
            included_in=tuple(include.inclusion for include in self._includes_of.get(owner.key, [])),
            mounts=self._mounts(owner, frozenset()),
        )
