"""Which security schemes a dependency reaches, across the project's modules.

A dependency protects a route when it is a FastAPI security scheme (``OAuth2PasswordBearer(...)``,
``APIKeyHeader(...)``, ``HTTPBasic()``..., or a subclass of one), or a function or class whose parameters depend on
one, at any depth: ``CurrentUser = Annotated[User, Depends(get_current_user)]`` imported from ``app.api.deps``,
where ``get_current_user`` takes ``token: Annotated[str, Depends(reusable_oauth2)]``, reaches
``fastapi.security.OAuth2PasswordBearer``. The answer is the qualified names of the scheme classes reached (so a tool
can tell an API-key app from a JWT one); an empty tuple means no scheme is reached. Names alone (``verify_token``)
are no evidence: only the structure counts.
"""

from __future__ import annotations

import ast

from fastapi_expert.project.sources import Definition, Module, ProjectSources
from fastapi_expert.review.index import SECURITY_SCHEME_CLASSES, FunctionNode, Parameter, dotted_name, fastapi_names

__all__ = ["SCHEME_CLASSES", "DependencySchemes", "dependency_parameters"]

#: Every qualified spelling of FastAPI's security scheme classes.
SCHEME_CLASSES = SECURITY_SCHEME_CLASSES
_MARKERS = fastapi_names("Depends", "Security")
#: How many dependencies deep the walk goes: each function, class or ``Annotated`` alias entered is one level (the
#: steps within one, from a parameter to its marker to the callable, are not).
_MAX_DEPTH = 16
#: How many ``name = Class(...)`` bindings are followed from a dependency to its class.
_MAX_INSTANCE_NAMES = 8

Schemes = tuple[str, ...]


def dependency_parameters(module: Module, function: FunctionNode) -> tuple[Parameter, ...]:
    """``function``'s parameters with what decides whether they are dependencies (type, ``Annotated`` extras, the
    ``Depends``/``Security``-like marker, default); their ``source`` is ``dependency`` or ``unknown``. Cheaper than
    ``ModuleIndex.parameters``, which also classifies every other parameter."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    defaults += arguments.defaults
    pairs = [(arg, default, False) for arg, default in zip(positional, defaults, strict=True)]
    pairs += [(arg, default, True) for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)]
    found = []
    for arg, default, keyword_only in pairs:
        type_, metadata = module.index.annotated_parts(arg.annotation)
        markers = [m for m in (module.index.marker(item) for item in metadata) if m is not None]
        marker = markers[-1] if markers else module.index.marker(default)
        source = "dependency" if marker is not None and module.resolve(marker.func) in _MARKERS else "unknown"
        found.append(Parameter(arg, type_, metadata, marker, default, source, keyword_only))
    return tuple(found)


class DependencySchemes:
    """Answers "which security schemes does this dependency reach?" for expressions of the project's modules.

    Depth counts dependencies entered (a function, a class, an alias), not the steps in between, so a chain
    ``Depends(require_auth)`` -> ``user: CurrentUser`` -> ``get_current_user`` -> ``Depends(oauth2_scheme)`` is three
    levels deep. Results are cached per function and per alias, except those the walk cut short (the depth limit, or
    a cycle back to a function being walked): cached, they would say "unprotected" for a dependency that is not.
    """

    def __init__(self, sources: ProjectSources) -> None:
        self.sources = sources
        self._functions: dict[tuple[str, int], Schemes] = {}
        self._aliases: dict[tuple[str, str], Schemes] = {}
        self._visiting: set[tuple[str, int]] = set()
        self._cut = False  # the walk in progress stopped somewhere (depth limit or cycle): its results are partial

    # -- entry points ------------------------------------------------------------------------------------------------

    def dependency(self, module: Module, node: ast.expr, scopes: tuple[FunctionNode, ...] = ()) -> Schemes:
        """The schemes ``Depends(x)``/``Security(x)`` (or a name bound to one) reaches."""
        return self._dependency(module, node, scopes, None, 0)

    def parameter(self, module: Module, parameter: Parameter, scopes: tuple[FunctionNode, ...] = ()) -> Schemes:
        """The schemes a path operation's (or dependency's) parameter reaches through ``Depends``/``Security``, in
        its default, its ``Annotated`` metadata, or an ``Annotated`` alias defined here or imported."""
        return self._parameter(module, parameter, scopes, 0)

    def function(self, module: Module, function: FunctionNode) -> Schemes:
        """The schemes any parameter of ``function`` reaches."""
        return self._function(module, function, 0)

    # -- walking -----------------------------------------------------------------------------------------------------

    def _too_deep(self, depth: int) -> bool:
        if depth > _MAX_DEPTH:
            self._cut = True
            return True
        return False

    def _parameter(self, module: Module, parameter: Parameter, scopes: tuple[FunctionNode, ...], depth: int) -> Schemes:
        found: list[str] = []
        markers = [parameter.marker] if parameter.marker is not None else []
        markers += [m for m in parameter.metadata if isinstance(m, ast.Call) and m is not parameter.marker]
        for marker in markers:
            found += self._dependency(module, marker, scopes, parameter.type, depth)
        if not markers and isinstance(parameter.type, ast.Name | ast.Attribute):
            found += self._imported_alias(module, parameter.type, scopes, depth + 1)
        return _unique(found)

    def _imported_alias(self, module: Module, node: ast.expr, scopes: tuple[FunctionNode, ...], depth: int) -> Schemes:
        """``CurrentUser`` imported from another module, where ``CurrentUser = Annotated[User, Depends(...)]``."""
        dotted = dotted_name(node) or ""
        head = dotted.split(".", 1)[0]
        cacheable = not any(head in module.index.function_locals(scope) for scope in scopes)
        key = (module.name, dotted)
        if cacheable and key in self._aliases:
            return self._aliases[key]
        outer, self._cut = self._cut, False
        result = self._imported_alias_uncached(module, node, scopes, depth)
        if cacheable and not self._cut:
            self._aliases[key] = result
        self._cut = outer or self._cut
        return result

    def _imported_alias_uncached(
        self, module: Module, node: ast.expr, scopes: tuple[FunctionNode, ...], depth: int
    ) -> Schemes:
        definition = self._definition(module, node, scopes)
        if definition is None or definition.attributes or definition.module is module or self._too_deep(depth):
            return ()
        target = definition.module
        value = target.index.module_constants.get(definition.name)
        if not isinstance(value, ast.Subscript):
            return ()
        inner, metadata = target.index.annotated_parts(value)
        found: list[str] = []
        for item in metadata:
            if isinstance(item, ast.Call):
                found += self._dependency(target, item, (), inner, depth)
        if not metadata and isinstance(inner, ast.Name | ast.Attribute):
            found += self._imported_alias(target, inner, (), depth + 1)
        return _unique(found)

    def _dependency(
        self,
        module: Module,
        node: ast.expr,
        scopes: tuple[FunctionNode, ...],
        annotation: ast.expr | None,
        depth: int,
    ) -> Schemes:
        call = self._marker(module, node, scopes)
        if call is None:
            return ()
        marker_module, marker = call
        target = (
            marker.args[0] if marker.args else next((k.value for k in marker.keywords if k.arg == "dependency"), None)
        )
        if target is None:  # Depends() with the class in the annotation
            return self._target(module, annotation, scopes, depth) if annotation is not None else ()
        return self._target(marker_module, target, scopes if marker_module is module else (), depth)

    def _marker(
        self, module: Module, node: ast.expr, scopes: tuple[FunctionNode, ...]
    ) -> tuple[Module, ast.Call] | None:
        """``node`` as a ``Depends``/``Security`` call, also through a name bound to one (here or imported)."""
        if isinstance(node, ast.Call):
            return (module, node) if module.resolve(node.func, scopes) in _MARKERS else None
        if isinstance(node, ast.Name | ast.Attribute):
            definition = self._definition(module, node, scopes)
            if definition is not None and not definition.attributes:
                value = definition.module.index.module_constants.get(definition.name)
                if isinstance(value, ast.Call):
                    return self._marker(definition.module, value, ())
        return None

    def _target(self, module: Module, node: ast.expr, scopes: tuple[FunctionNode, ...], depth: int) -> Schemes:
        """The schemes the dependency callable ``node`` reaches; instances bound to a name (``reusable_oauth2 =
        OAuth2PasswordBearer(...)``, ``checker = RoleChecker(...)``) are followed to their class, as no level of
        their own."""
        for _ in range(_MAX_INSTANCE_NAMES):
            while isinstance(node, ast.Call):  # Depends(HTTPBearer()), Depends(RoleChecker(["admin"]))
                node = node.func
            qualified = module.resolve(node, scopes)
            if qualified in SCHEME_CLASSES:
                return (qualified,) if qualified is not None else ()
            definition = self._definition(module, node, scopes)
            if definition is None:
                local = module.index.functions.get(getattr(node, "id", ""))
                return self._function(module, local, depth + 1) if local is not None else ()
            index = definition.module.index
            value = index.module_constants.get(definition.name)
            if definition.attributes or definition.name in index.classes or definition.name in index.functions:
                return self._defined(definition, depth + 1)
            if not isinstance(value, ast.Call):
                return ()
            module, node, scopes = definition.module, value.func, ()
        self._cut = True  # x = y(); y = x(): no end
        return ()

    def _defined(self, definition: Definition, depth: int) -> Schemes:
        """The schemes the class or function bound at ``definition`` reaches (entering it: ``depth`` counts it)."""
        module, name = definition.module, definition.name
        if definition.attributes:
            return ()
        if name in module.index.classes:
            return self._class(module, module.index.classes[name], depth)
        function = module.index.functions.get(name)
        return self._function(module, function, depth) if function is not None else ()

    def _class(self, module: Module, node: ast.ClassDef, depth: int) -> Schemes:
        """A class used as a dependency (its ``__init__``), or its instance (its ``__call__``), or a subclass of a
        scheme."""
        if self._too_deep(depth):
            return ()
        found: list[str] = []
        for base in node.bases:
            qualified = module.resolve(base)
            if qualified in SCHEME_CLASSES and qualified is not None:
                found.append(qualified)
            elif isinstance(base, ast.Name | ast.Attribute):
                definition = self._definition(module, base, ())
                if definition is not None and definition.name in definition.module.index.classes:
                    found += self._class(definition.module, definition.module.index.classes[definition.name], depth + 1)
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name in {
                "__init__",
                "__call__",
            }:
                found += self._function(module, statement, depth)
        return _unique(found)

    def _function(self, module: Module, function: FunctionNode, depth: int) -> Schemes:
        key = (module.name, id(function))
        if key in self._functions:
            return self._functions[key]
        if key in self._visiting:
            self._cut = True
            return ()
        if self._too_deep(depth):
            return ()
        outer, self._cut = self._cut, False
        self._visiting.add(key)
        try:
            found: list[str] = []
            for parameter in dependency_parameters(module, function):
                found += self._parameter(module, parameter, (), depth)
            result = _unique(found)
        finally:
            self._visiting.discard(key)
        if not self._cut:
            self._functions[key] = result
        self._cut = outer or self._cut
        return result

    def _definition(self, module: Module, node: ast.expr, scopes: tuple[FunctionNode, ...]) -> Definition | None:
        qualified = module.resolve(node, scopes)
        if qualified is None:
            return None
        if qualified.startswith("<local>."):
            head, *attributes = qualified.removeprefix("<local>.").split(".")
            return Definition(module, head, tuple(attributes))
        return self.sources.definition(qualified)


def _unique(items: list[str]) -> Schemes:
    return tuple(dict.fromkeys(items))
