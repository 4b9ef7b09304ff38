"""Static string values: what a prefix expression is when the project spells it out.

``"/api"``, ``API_PREFIX`` bound once to a literal (here or in another module), ``settings.API_V1_STR`` where
``settings = Settings()`` (or ``get_settings()`` returning one) and the settings class (or a base class in its module)
gives the field a literal default (also through ``Field(default=...)``), ``Settings.X``, ``get_settings().X``,
f-strings and ``+`` of those. Anything else (environment lookups, calls, names bound twice)
is unknown: ``None``. A settings default can be overridden by the environment at run time; the default is what the
project's code says, so that is the value.
"""

from __future__ import annotations

import ast

from fastapi_expert.project.sources import Definition, Module, ProjectSources
from fastapi_expert.review.index import FunctionNode

__all__ = ["StaticValues"]

_FIELD_CALLS = frozenset({"pydantic.Field", "pydantic.fields.Field", "sqlmodel.Field"})
_MAX_DEPTH = 12


class StaticValues:
    """Evaluates string expressions of the project's modules without running anything."""

    def __init__(self, sources: ProjectSources) -> None:
        self.sources = sources

    def string(self, module: Module, node: ast.expr | None, scopes: tuple[FunctionNode, ...] = ()) -> str | None:
        """The string ``node`` always holds, or ``None`` when that cannot be known statically."""
        return self._string(module, node, scopes, 0)

    def _string(
        self, module: Module, node: ast.expr | None, scopes: tuple[FunctionNode, ...], depth: int
    ) -> str | None:
        if node is None or depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                elif isinstance(value, ast.FormattedValue) and value.conversion == -1 and value.format_spec is None:
                    part = self._string(module, value.value, scopes, depth + 1)
                    if part is None:
                        return None
                    parts.append(part)
                else:
                    return None
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._string(module, node.left, scopes, depth + 1)
            right = self._string(module, node.right, scopes, depth + 1) if left is not None else None
            return None if left is None or right is None else left + right
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call):  # get_settings().API_PREFIX
            built = self._built_class(module, node.value.func, depth + 1)
            return self._class_field(built[0], built[1], node.attr, depth + 1) if built is not None else None
        if isinstance(node, ast.Name | ast.Attribute):
            definition = self._definition(module, node, scopes)
            return self._value_of(definition, depth + 1) if definition is not None else None
        return None

    def _definition(self, module: Module, node: ast.expr, scopes: tuple[FunctionNode, ...]) -> Definition | None:
        qualified = module.resolve(node, scopes)
        if qualified is None:
            return None
        if qualified.startswith("<local>."):
            head, *attributes = qualified.removeprefix("<local>.").split(".")
            if any(head in module.index.function_locals(scope) for scope in scopes):
                return None  # a function's local: its value depends on the call
            return Definition(module, head, tuple(attributes))
        return self.sources.definition(qualified)

    def _value_of(self, definition: Definition, depth: int) -> str | None:
        """The string at ``definition`` (a module constant, or an attribute of a settings object or class)."""
        module, name, attributes = definition.module, definition.name, definition.attributes
        if not attributes:
            return self._string(module, module.index.module_constants.get(name), (), depth + 1)
        if len(attributes) != 1:
            return None
        found = self._settings_class(module, name, depth)
        if found is None:
            return None
        class_module, class_name = found
        return self._class_field(class_module, class_name, attributes[0], depth + 1)

    def _settings_class(self, module: Module, name: str, depth: int) -> tuple[Module, str] | None:
        """The class whose instance (or itself) ``name`` in ``module`` is: ``Settings``, ``settings = Settings()``,
        ``settings = get_settings()`` with ``def get_settings(): return Settings()``."""
        if depth > _MAX_DEPTH:
            return None
        if name in module.index.classes and name in module.index.module_definitions:
            return module, name
        value = module.index.module_constants.get(name)
        if isinstance(value, ast.Call):
            return self._built_class(module, value.func, depth + 1)
        return None

    def _built_class(self, module: Module, func: ast.expr, depth: int) -> tuple[Module, str] | None:
        definition = self._definition(module, func, ())
        if definition is None or definition.attributes or depth > _MAX_DEPTH:
            return None
        target, name = definition.module, definition.name
        if name in target.index.classes:
            return target, name
        function = target.index.functions.get(name)
        if function is None:
            return None
        returned = [
            node.value
            for node in target.index.own_nodes(function)
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Call)
        ]
        return self._built_class(target, returned[0].func, depth + 1) if len(returned) == 1 else None

    def _class_field(self, module: Module, class_name: str, field: str, depth: int) -> str | None:
        value: ast.expr | None = None
        for name, annotated in module.index.class_fields(class_name):
            if name == field:
                value = annotated.value  # a subclass's default wins: the last one found
        node = module.index.classes.get(class_name)
        for statement in node.body if node is not None else []:
            if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == field for t in statement.targets
            ):
                value = statement.value
        if isinstance(value, ast.Call) and module.resolve(value.func) in _FIELD_CALLS:
            default = next((k.value for k in value.keywords if k.arg == "default"), None)
            value = value.args[0] if value.args else default
        return self._string(module, value, (), depth + 1)
