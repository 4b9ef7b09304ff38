"""The module's whole picture, built once per file and shared by every rule: imports, apps and routers, routes,
classes and the functions used as dependencies.

Everything is computed lazily (once, on first use), so a file pays only for what the rules that run on it ask for.
Names are resolved from the module's own imports and definitions (``import fastapi as fa`` makes ``fa.FastAPI`` mean
``fastapi.FastAPI``; a local ``def sleep`` is not ``time.sleep``), which is all the precision the rules need, at a
fraction of the cost of generic qualified-name metadata.

``ModuleIndex`` stacks the concepts, each on the one before: the walk (``walk.ModuleWalk``), names
(``names.ModuleNames``), classes and types (``classes.ModuleClasses``), then routes and parameters
(``routes.ModuleRoutes``); it adds the module's dependencies. The names those modules export are exported here too.
"""

from __future__ import annotations

import ast
from functools import cached_property

from fastapi_expert.review.classes import MODEL_BASES
from fastapi_expert.review.names import (
    ASYNC_SESSIONS,
    HTTP_METHODS,
    MUTATING_METHODS,
    SECURITY_SCHEME_CLASSES,
    SYNC_SESSIONS,
    _keyword,
    dotted_name,
    fastapi_names,
)
from fastapi_expert.review.routes import ModuleRoutes, Owner, Parameter, Route, path_parameters
from fastapi_expert.review.walk import FunctionNode, _Lazy, walk

__all__ = [
    "ASYNC_SESSIONS",
    "HTTP_METHODS",
    "MODEL_BASES",
    "MUTATING_METHODS",
    "SECURITY_SCHEME_CLASSES",
    "SYNC_SESSIONS",
    "FunctionNode",
    "ModuleIndex",
    "Owner",
    "Parameter",
    "Route",
    "dotted_name",
    "fastapi_names",
    "path_parameters",
    "walk",
]

_DEPENDS_NAMES = fastapi_names("Depends", "Security")


class ModuleIndex(ModuleRoutes):
    """Lazily computed facts about one parsed module."""

    @cached_property
    def functions(self) -> dict[str, FunctionNode]:
        """Functions by name (module level and nested; the last definition of a name wins)."""
        return {node.name: node for node in self.definitions}

    @_Lazy
    def dependency_calls(self) -> tuple[ast.Call, ...]:
        """Every ``Depends(...)``/``Security(...)`` call."""
        return tuple(
            node
            for node in self.nodes_of(ast.Call)
            if self.may_resolve_to(node.func, _DEPENDS_NAMES) and self.resolve(node.func) in _DEPENDS_NAMES
        )

    @_Lazy
    def dependency_functions(self) -> frozenset[str]:
        """Names of the functions passed to ``Depends``/``Security`` (the module's dependencies)."""
        names = set()
        for call in self.dependency_calls:
            target = call.args[0] if call.args else _keyword(call, "dependency")
            name = dotted_name(target) if target is not None else None
            if name is not None:
                names.add(name)
        return frozenset(names)
