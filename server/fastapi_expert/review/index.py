"""The module's whole picture, built once per file and shared by every rule: imports, apps and routers, routes,
classes and the functions used as dependencies.

Everything is computed lazily (``cached_property``), so a file pays only for what the rules that run on it ask for.
Names are resolved from the module's own imports and definitions (``import fastapi as fa`` makes ``fa.FastAPI`` mean
``fastapi.FastAPI``; a local ``def sleep`` is not ``time.sleep``), which is all the precision the rules need, at a
fraction of the cost of generic qualified-name metadata.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

__all__ = [
    "HTTP_METHODS",
    "MUTATING_METHODS",
    "FunctionNode",
    "ModuleIndex",
    "Owner",
    "Route",
    "dotted_name",
    "fastapi_names",
]

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "trace"})
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ROUTE_DECORATORS = HTTP_METHODS | {"api_route", "websocket", "route"}

#: Where FastAPI's public names live besides the top-level package (``fastapi.Depends`` is ``fastapi.params`` …).
_FASTAPI_MODULES = ("fastapi", "fastapi.params", "fastapi.param_functions", "fastapi.routing", "fastapi.applications")


def fastapi_names(*names: str) -> frozenset[str]:
    """Every qualified spelling of FastAPI's public ``names`` (``Depends`` -> ``fastapi.Depends``, ...)."""
    return frozenset(f"{module}.{name}" for module in _FASTAPI_MODULES for name in names)


_APP_NAMES = fastapi_names("FastAPI")
_ROUTER_NAMES = fastapi_names("APIRouter")
_DEPENDS_NAMES = fastapi_names("Depends", "Security")


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


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


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _list_keyword(call: ast.Call, name: str) -> tuple[ast.expr, ...]:
    value = _keyword(call, name)
    return tuple(value.elts) if isinstance(value, ast.List | ast.Tuple) else ()


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class ModuleIndex:
    """Lazily computed facts about one parsed module."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree

    # -- names -------------------------------------------------------------------------------------------------------

    @cached_property
    def nodes(self) -> tuple[ast.AST, ...]:
        """Every node of the module, in ``ast.walk`` order (computed once, shared)."""
        return tuple(ast.walk(self.tree))

    @cached_property
    def imports(self) -> dict[str, str]:
        """Local name -> qualified name, for every import anywhere in the module (``import a.b`` binds ``a``)."""
        found: dict[str, str] = {}
        for node in self.nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        found[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".", 1)[0]
                        found[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return found

    @cached_property
    def module_definitions(self) -> frozenset[str]:
        """Names bound at module level by ``def``, ``class`` or assignment (they shadow an import of that name)."""
        names: set[str] = set()
        for statement in self.tree.body:
            names.update(_bound_names(statement))
        return frozenset(names)

    def function_locals(self, function: FunctionNode | ast.Lambda) -> frozenset[str]:
        """Parameters and names bound inside ``function`` (not inside functions nested in it)."""
        cache = self._locals_cache
        key = id(function)
        if key not in cache:
            arguments = function.args
            extra = [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            names = {arg.arg for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, *extra)}
            body = function.body if isinstance(function.body, list) else []
            for statement in body:
                names.update(_bound_names(statement, deep=True))
            cache[key] = frozenset(names)
        return cache[key]

    @cached_property
    def _locals_cache(self) -> dict[int, frozenset[str]]:
        return {}

    def resolve(self, node: ast.AST, scopes: tuple[FunctionNode | ast.Lambda, ...] = ()) -> str | None:
        """The qualified name ``node`` refers to, seen from inside ``scopes`` (innermost last).

        An imported name resolves to what it imports (``fa.FastAPI`` -> ``fastapi.FastAPI``); a name bound by a
        function or the module itself resolves to ``<local>.name``; an unbound name to ``builtins.name``.
        """
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        for scope in reversed(scopes):
            if head in self.function_locals(scope) and head not in self._function_imports(scope):
                return f"<local>.{dotted}"
        if head in self.imports and (head not in self.module_definitions or head in self._module_imports):
            qualified = self.imports[head]
        elif head in self.module_definitions:
            return f"<local>.{dotted}"
        else:
            qualified = f"builtins.{head}"
        return f"{qualified}.{rest}" if rest else qualified

    @cached_property
    def _module_imports(self) -> frozenset[str]:
        names: set[str] = set()
        for statement in self.tree.body:
            if isinstance(statement, ast.Import | ast.ImportFrom):
                names.update(_bound_names(statement))
        # An import after the last def/assignment of the same name wins; before it, the definition wins.
        last: dict[str, bool] = {}
        for statement in self.tree.body:
            for name in _bound_names(statement):
                last[name] = isinstance(statement, ast.Import | ast.ImportFrom)
        return frozenset(name for name in names if last.get(name, False))

    def _function_imports(self, function: FunctionNode | ast.Lambda) -> frozenset[str]:
        if isinstance(function, ast.Lambda):
            return frozenset()
        return frozenset(
            name
            for statement in function.body
            if isinstance(statement, ast.Import | ast.ImportFrom)
            for name in _bound_names(statement)
        )

    # -- FastAPI structure -------------------------------------------------------------------------------------------

    @cached_property
    def owners(self) -> dict[str, Owner]:
        """Apps and routers by the name they are assigned to (anywhere in the module, nested functions included)."""
        found: dict[str, Owner] = {}
        for node in self.nodes:
            if not isinstance(node, ast.Assign | ast.AnnAssign) or not isinstance(node.value, ast.Call):
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

    @cached_property
    def routes(self) -> tuple[Route, ...]:
        """Every path operation whose decorator is ``<app or router>.<method>(...)``."""
        found: list[Route] = []
        for node in self.nodes:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
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

    @cached_property
    def route_functions(self) -> dict[int, Route]:
        """Routes by ``id()`` of their function node."""
        return {id(route.function): route for route in self.routes}

    @cached_property
    def functions(self) -> dict[str, FunctionNode]:
        """Functions by name (module level and nested; the last definition of a name wins)."""
        return {node.name: node for node in self.nodes if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}

    @cached_property
    def classes(self) -> dict[str, ast.ClassDef]:
        """Classes by name."""
        return {node.name: node for node in self.nodes if isinstance(node, ast.ClassDef)}

    @cached_property
    def dependency_calls(self) -> tuple[ast.Call, ...]:
        """Every ``Depends(...)``/``Security(...)`` call."""
        return tuple(
            node for node in self.nodes if isinstance(node, ast.Call) and self.resolve(node.func) in _DEPENDS_NAMES
        )

    @cached_property
    def dependency_functions(self) -> frozenset[str]:
        """Names of the functions passed to ``Depends``/``Security`` (the module's dependencies)."""
        names = set()
        for call in self.dependency_calls:
            target = call.args[0] if call.args else _keyword(call, "dependency")
            name = dotted_name(target) if target is not None else None
            if name is not None:
                names.add(name)
        return frozenset(names)

    def class_fields(self, name: str) -> Iterator[tuple[str, ast.AnnAssign]]:
        """Annotated fields of class ``name`` and of its bases defined in this module (bases first)."""
        seen: set[str] = set()

        def walk(class_name: str) -> Iterator[tuple[str, ast.AnnAssign]]:
            node = self.classes.get(class_name)
            if node is None or class_name in seen:
                return
            seen.add(class_name)
            for base in node.bases:
                base_name = dotted_name(base)
                if base_name is not None:
                    yield from walk(base_name)
            for statement in node.body:
                if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                    yield statement.target.id, statement

        yield from walk(name)


def _bound_names(statement: ast.stmt, *, deep: bool = False) -> set[str]:
    """Names a statement binds in its scope (with ``deep``, also in nested blocks, but not nested functions)."""
    names: set[str] = set()
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        names.add(statement.name)
        return names
    if isinstance(statement, ast.Import | ast.ImportFrom):
        for alias in statement.names:
            if alias.name != "*":
                names.add(alias.asname or alias.name.split(".", 1)[0])
        return names
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        targets = [statement.target]
    elif isinstance(statement, ast.With | ast.AsyncWith):
        targets = [item.optional_vars for item in statement.items if item.optional_vars is not None]
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                names.add(node.id)
    if deep:
        for child in ast.iter_child_nodes(statement):
            if isinstance(child, ast.stmt):
                names.update(_bound_names(child, deep=True))
            elif isinstance(child, ast.ExceptHandler):
                if child.name:
                    names.add(child.name)
                for inner in child.body:
                    names.update(_bound_names(inner, deep=True))
    return names
