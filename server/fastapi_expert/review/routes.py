"""FastAPI's structure in a module: apps and routers (``Owner``), path operations (``Route``) and the parameters of
path operations and dependencies (``Parameter``), with where FastAPI reads each from.

``ModuleRoutes`` adds these to the classes and types of ``ModuleClasses``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi_expert.review.classes import ModuleClasses
from fastapi_expert.review.names import HTTP_METHODS, _keyword, _list_keyword, _string, dotted_name, fastapi_names
from fastapi_expert.review.walk import FunctionNode, _Lazy

__all__ = ["ModuleRoutes", "Owner", "Parameter", "Route", "path_parameters"]

_ROUTE_DECORATORS = HTTP_METHODS | {"api_route", "websocket", "route"}
_APP_NAMES = fastapi_names("FastAPI")
_ROUTER_NAMES = fastapi_names("APIRouter")
_OWNER_NAMES = _APP_NAMES | _ROUTER_NAMES


@dataclass(frozen=True, slots=True)
class Owner:
    """A FastAPI app or APIRouter bound to a name: its kind, the call that made it, its prefix and dependencies."""

    name: str
    kind: str  # "app" | "router"
    call: ast.Call
    prefix: str
    dependencies: tuple[ast.expr, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """A path operation: the decorated function, its owner, HTTP methods (upper case) and path."""

    function: FunctionNode
    owner: Owner
    decorator: ast.Call
    methods: tuple[str, ...]
    path: str | None
    is_websocket: bool

    @property
    def dependencies(self) -> tuple[ast.expr, ...]:
        """``dependencies=[...]`` of the decorator and of its router."""
        return _list_keyword(self.decorator, "dependencies") + self.owner.dependencies

    @property
    def full_path(self) -> str | None:
        """The path with its router's own prefix (``include_router`` prefixes are in ``ModuleIndex.mount_prefixes``)."""
        return None if self.path is None else self.owner.prefix + self.path

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """The ``{name}`` parameters of the decorator's own path (not of the router's prefix)."""
        return path_parameters(self.path or "")


#: Starlette's own pattern: ``{$request.body.id}`` (an OpenAPI callback expression) is not a parameter.
_PATH_PARAMETER = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z_][a-zA-Z0-9_]*)?}")


def path_parameters(path: str) -> tuple[str, ...]:
    """The parameter names of a route path: ``/items/{item_id}/{rest:path}`` -> ``("item_id", "rest")``."""
    return tuple(match.group(1) for match in _PATH_PARAMETER.finditer(path))


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter of a path operation or dependency and where FastAPI reads it from.

    ``source`` is ``path``, ``query``, ``header``, ``cookie``, ``body``, ``form``, ``file``, ``dependency``,
    ``special`` (``Request``, ``Response``, ``BackgroundTasks``...) or ``unknown`` (a type this module cannot see).
    """

    node: ast.arg
    type: ast.expr | None  # the annotation without ``Annotated[...]`` (module-level aliases expanded)
    metadata: tuple[ast.expr, ...]  # the ``Annotated`` extras
    marker: ast.Call | None  # the FastAPI call that decides the source (``Query()``, ``Depends(f)``...), if any
    default: ast.expr | None
    source: str
    keyword_only: bool

    @property
    def name(self) -> str:
        return self.node.arg


_PARAMETER_SOURCES = {
    qualified: source
    for name, source in (
        ("Query", "query"),
        ("Path", "path"),
        ("Header", "header"),
        ("Cookie", "cookie"),
        ("Body", "body"),
        ("Form", "form"),
        ("File", "file"),
        ("Depends", "dependency"),
        ("Security", "dependency"),
    )
    for qualified in fastapi_names(name)
}


class ModuleRoutes(ModuleClasses):
    """The module's classes and types, with its apps, routers, routes and their parameters."""

    def __init__(self, tree: ast.Module) -> None:
        super().__init__(tree)
        self._parameters_cache: dict[tuple[int, frozenset[str]], tuple[Parameter, ...]] = {}

    @_Lazy
    def owners(self) -> dict[str, Owner]:
        """Apps and routers by the name they are assigned to (anywhere in the module, nested functions included)."""
        found: dict[str, Owner] = {}
        for node in self._nodes_of_either(ast.Assign, ast.AnnAssign):
            if not isinstance(node.value, ast.Call) or not self.may_resolve_to(node.value.func, _OWNER_NAMES):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            qualified = self.resolve(node.value.func)
            kind = "app" if qualified in _APP_NAMES else "router" if qualified in _ROUTER_NAMES else None
            if kind is None:
                continue
            prefix = _string(_keyword(node.value, "prefix")) or ""
            for target in targets:
                name = dotted_name(target)
                if name is not None:
                    dependencies = _list_keyword(node.value, "dependencies")
                    found[name] = Owner(name=name, kind=kind, call=node.value, prefix=prefix, dependencies=dependencies)
        return found

    @_Lazy
    def routes(self) -> tuple[Route, ...]:
        """Every path operation whose decorator is ``<app or router>.<method>(...)``."""
        found: list[Route] = []
        for node in self.definitions:
            for decorator in node.decorator_list:
                route = self._route(node, decorator)
                if route is not None:
                    found.append(route)
        return tuple(found)

    def _route(self, function: FunctionNode, decorator: ast.expr) -> Route | None:
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
            return None
        method = decorator.func.attr
        owner = self.owners.get(dotted_name(decorator.func.value) or "")
        if owner is None or method not in _ROUTE_DECORATORS:
            return None
        path = _string(decorator.args[0]) if decorator.args else _string(_keyword(decorator, "path"))
        if method in HTTP_METHODS:
            methods: tuple[str, ...] = (method.upper(),)
        elif method == "websocket":
            methods = ()
        else:
            listed = _list_keyword(decorator, "methods")
            methods = tuple(m.upper() for m in (_string(e) for e in listed) if m) or ("GET",)
        return Route(
            function=function,
            owner=owner,
            decorator=decorator,
            methods=methods,
            path=path,
            is_websocket=method == "websocket",
        )

    @_Lazy
    def route_functions(self) -> dict[int, Route]:
        """Routes by ``id()`` of their function node."""
        return {id(route.function): route for route in self.routes}

    def other_decorators(self, function: FunctionNode) -> tuple[ast.expr, ...]:
        """``function``'s decorators that are not route decorators: a wrapper among them may change the signature
        FastAPI sees, so rules that read a route's parameters stay silent when there is one."""
        routes = self._route_decorators.get(id(function), ())
        return tuple(d for d in function.decorator_list if id(d) not in routes)

    @_Lazy
    def _route_decorators(self) -> dict[int, set[int]]:
        """``id()`` of a route's function -> ``id()`` of its route decorators."""
        found: dict[int, set[int]] = {}
        for route in self.routes:
            found.setdefault(id(route.function), set()).add(id(route.decorator))
        return found

    def marker(self, node: ast.expr | None) -> ast.Call | None:
        """``node`` as a FastAPI parameter call (``Query(...)``, ``Depends(f)``...), also through a module-level
        variable holding one (``item_dep = Depends(get_item)``)."""
        if isinstance(node, ast.Name) and self.resolve(node) == f"<local>.{node.id}":
            node = self.module_constants.get(node.id)
        if isinstance(node, ast.Call) and self.resolve(node.func) in _PARAMETER_SOURCES:
            return node
        return None

    def marker_source(self, marker: ast.Call) -> str:
        """``query``, ``path``, ``body``, ``dependency``... for a call ``marker`` accepted."""
        return _PARAMETER_SOURCES[self.resolve(marker.func) or ""]

    def parameters(self, function: FunctionNode, path_names: Iterable[str] = ()) -> tuple[Parameter, ...]:
        """``function``'s parameters as FastAPI sees them in a path operation (or dependency) whose path declares
        ``path_names`` (``*args``/``**kwargs`` left out)."""
        names = frozenset(path_names)
        key = (id(function), names)
        if key not in self._parameters_cache:
            arguments = function.args
            positional = [*arguments.posonlyargs, *arguments.args]
            defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
            defaults += arguments.defaults
            pairs = [(arg, default, False) for arg, default in zip(positional, defaults, strict=True)]
            pairs += [
                (arg, default, True) for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
            ]
            self._parameters_cache[key] = tuple(self._parameter(arg, default, kw, names) for arg, default, kw in pairs)
        return self._parameters_cache[key]

    def _parameter(
        self, arg: ast.arg, default: ast.expr | None, keyword_only: bool, path_names: frozenset[str]
    ) -> Parameter:
        type_, metadata = self.annotated_parts(arg.annotation)
        markers = [m for m in (self.marker(item) for item in metadata) if m is not None]
        marker = markers[-1] if markers else self.marker(default)
        if marker is not None:
            source = self.marker_source(marker)
        elif arg.arg in path_names:
            source = "path"
        else:
            kind = self.type_kind(type_) if arg.annotation is not None else "scalar"
            source = {
                "scalar": "query",
                "sequence": "body",
                "model": "body",
                "mapping": "body",
                "upload": "file",
                "special": "special",
            }.get(kind or "", "unknown")
        return Parameter(arg, type_, metadata, marker, default, source, keyword_only)
