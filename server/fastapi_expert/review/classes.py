"""Classes and types: the module's classes and pydantic models, what an annotation means to FastAPI, and the class
a name holds (``db: Session``, ``session = SessionLocal()``...).

``ModuleClasses`` adds these to the names of ``ModuleNames``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from functools import cached_property

from fastapi_expert.review.names import ModuleNames, _bound_names, _keyword, dotted_name
from fastapi_expert.review.walk import _COMPREHENSIONS, FunctionNode, _frame_statements, _Lazy, walk

__all__ = ["MODEL_BASES", "ModuleClasses"]

_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
_UNION = frozenset({"typing.Union", "typing_extensions.Union"})
#: Session factories -> the session class their calls build when no ``class_=`` is given.
_SESSION_FACTORIES = {
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.Session",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.session.async_sessionmaker": "sqlalchemy.ext.asyncio.AsyncSession",
}

#: Types FastAPI reads from the query string when nothing else is said (``str``, ``int``, ``UUID``, ``date``...).
_SCALAR_TYPES = frozenset(
    {f"builtins.{name}" for name in ("str", "int", "float", "bool", "bytes")}
    | {f"datetime.{name}" for name in ("datetime", "date", "time", "timedelta")}
    | {"uuid.UUID", "decimal.Decimal", "pathlib.Path", "typing.Any", "typing_extensions.Any", "enum.Enum"}
    | {f"pydantic.{name}" for name in ("EmailStr", "HttpUrl", "AnyUrl", "AnyHttpUrl", "SecretStr", "UUID4", "Json")}
    | {f"pydantic.{name}" for name in ("PositiveInt", "NonNegativeInt", "PositiveFloat", "StrictStr", "StrictInt")}
)
_LITERALS = frozenset({"typing.Literal", "typing_extensions.Literal"})
_SEQUENCE_TYPES = frozenset(
    {f"builtins.{name}" for name in ("list", "set", "tuple", "frozenset")}
    | {f"typing.{name}" for name in ("List", "Set", "Tuple", "FrozenSet", "Sequence")}
    | {"collections.abc.Sequence", "collections.abc.Set"}
)
_MAPPING_TYPES = frozenset({"builtins.dict", "typing.Dict", "typing.Mapping", "collections.abc.Mapping"})
_UPLOAD_TYPES = frozenset(
    {"fastapi.UploadFile", "fastapi.datastructures.UploadFile", "starlette.datastructures.UploadFile"}
)
_SPECIAL_TYPES = frozenset(
    {"fastapi.security.SecurityScopes", "fastapi.security.oauth2.SecurityScopes"}
    | {
        f"{module}.{name}"
        for module in ("fastapi", "fastapi.requests", "starlette.requests")
        for name in ("Request", "HTTPConnection")
    }
    | {f"{module}.WebSocket" for module in ("fastapi", "fastapi.websockets", "starlette.websockets")}
    | {f"{module}.BackgroundTasks" for module in ("fastapi", "fastapi.background", "starlette.background")}
    | {"fastapi.Response"}
)
_SPECIAL_MODULES = ("fastapi.responses.", "starlette.responses.")
#: Pydantic model bases: a module class deriving from one is a request body when nothing else is said.
MODEL_BASES = frozenset(
    {"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.RootModel", "pydantic.root_model.RootModel"}
    | {"sqlmodel.SQLModel", "sqlmodel.main.SQLModel", "pydantic_settings.BaseSettings"}
)
_ENUM_BASES = frozenset({f"enum.{name}" for name in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag")})

#: The nodes that bind names in their frame (``ModuleClasses._bind_body``).
_BINDINGS = frozenset(
    {ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith}
    | {ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal}
    | {ast.ExceptHandler}
)


class ModuleClasses(ModuleNames):
    """The module's names, with its classes and the types of its names."""

    def __init__(self, tree: ast.Module) -> None:
        super().__init__(tree)
        self._subclasses_cache: dict[frozenset[str], frozenset[str]] = {}
        self._types_cache: dict[int, dict[str, str]] = {}

    @cached_property
    def classes(self) -> dict[str, ast.ClassDef]:
        """Classes by name."""
        return {node.name: node for node in self.nodes_of(ast.ClassDef)}

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

    def subclasses_of(self, bases: frozenset[str]) -> frozenset[str]:
        """Names of the module's classes deriving, directly or through other module classes, from one of ``bases``
        (qualified names such as ``pydantic.BaseModel``)."""
        if bases not in self._subclasses_cache:
            found: set[str] = set()
            changed = True
            while changed:
                changed = False
                for name, node in self.classes.items():
                    if name in found:
                        continue
                    for base in node.bases:
                        qualified = self.resolve(base) or ""
                        if qualified in bases or qualified.removeprefix("<local>.") in found:
                            found.add(name)
                            changed = True
                            break
            self._subclasses_cache[bases] = frozenset(found)
        return self._subclasses_cache[bases]

    @_Lazy
    def model_classes(self) -> frozenset[str]:
        """The module's pydantic models (``BaseModel``, ``SQLModel``, ``BaseSettings`` subclasses), by name."""
        return self.subclasses_of(MODEL_BASES)

    def local_class(self, node: ast.expr | None) -> str | None:
        """The name of the module class ``node`` refers to (``Item``), else ``None``."""
        qualified = self.resolve(node) if node is not None else None
        if qualified is None or not qualified.startswith("<local>."):
            return None
        name = qualified.removeprefix("<local>.")
        return name if name in self.classes else None

    def annotated_parts(
        self, annotation: ast.expr | None, depth: int = 0
    ) -> tuple[ast.expr | None, tuple[ast.expr, ...]]:
        """``(type, extras)`` of an annotation: ``Annotated[int, Query(le=10)]`` -> ``(int, (Query(le=10),))``,
        through string annotations, nested ``Annotated`` and module-level aliases (``ItemDep = Annotated[...]``)."""
        if annotation is None or depth > 8:
            return annotation, ()
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                parsed = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return annotation, ()
            return self.annotated_parts(parsed, depth + 1)
        if isinstance(annotation, ast.Name) and self._is_alias(annotation):
            return self.annotated_parts(self._aliases[annotation.id], depth + 1)
        if isinstance(annotation, ast.Subscript) and self.resolve(annotation.value) in _ANNOTATED:
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            inner, extras = self.annotated_parts(items[0], depth + 1)
            return inner, extras + tuple(items[1:])
        return annotation, ()

    def type_kind(self, annotation: ast.expr | None, depth: int = 0) -> str | None:
        """What a type is to FastAPI: ``scalar``, ``sequence`` (of scalars), ``upload``, ``special``, ``model``
        (a module pydantic model or dataclass), ``mapping``, or ``None`` when this module cannot tell."""
        annotation, _ = self.annotated_parts(annotation)
        if annotation is None or depth > 8:
            return "scalar" if annotation is None else None
        members = self._union_members(annotation)
        if members is not None:
            kinds = {self.type_kind(member, depth + 1) for member in members if not _is_none(member)}
            return kinds.pop() if len(kinds) == 1 else None
        if isinstance(annotation, ast.Subscript):
            generic = self.resolve(annotation.value)
            if generic in _LITERALS:
                return "scalar"
            if generic in _SEQUENCE_TYPES:
                items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
                inner = {self.type_kind(item, depth + 1) for item in items if not isinstance(item, ast.Constant)}
                return "upload" if inner == {"upload"} else "sequence"
            return "mapping" if generic in _MAPPING_TYPES else None
        qualified = self.resolve(annotation) or ""
        if qualified in _SCALAR_TYPES:
            return "scalar"
        if qualified in _SEQUENCE_TYPES:
            return "sequence"
        if qualified in _MAPPING_TYPES:
            return "mapping"
        if qualified in _UPLOAD_TYPES:
            return "upload"
        if qualified in _SPECIAL_TYPES or qualified.startswith(_SPECIAL_MODULES):
            return "special"
        name = self.local_class(annotation)
        if name is not None:
            if name in self.subclasses_of(_ENUM_BASES):
                return "scalar"
            if name in self.model_classes or self._is_dataclass(self.classes[name]):
                return "model"
        return None

    def _union_members(self, annotation: ast.expr) -> list[ast.expr] | None:
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return [*(self._union_members(annotation.left) or [annotation.left]), annotation.right]
        if isinstance(annotation, ast.Subscript):
            generic = self.resolve(annotation.value)
            if generic in _OPTIONAL:
                return [annotation.slice, ast.Constant(value=None)]
            if generic in _UNION:
                return list(annotation.slice.elts) if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        return None

    def is_optional(self, annotation: ast.expr | None) -> bool:
        """Whether a type admits ``None`` (``X | None``, ``Optional[X]``, ``Union[X, None]``), through ``Annotated``."""
        annotation, _ = self.annotated_parts(annotation)
        members = self._union_members(annotation) if annotation is not None else None
        return members is not None and any(_is_none(member) for member in members)

    def _is_dataclass(self, node: ast.ClassDef) -> bool:
        return any(
            self.resolve(d.func if isinstance(d, ast.Call) else d)
            in {"dataclasses.dataclass", "pydantic.dataclasses.dataclass"}
            for d in node.decorator_list
        )

    @_Lazy
    def _aliases(self) -> dict[str, ast.expr]:
        """Module-level ``Name = <annotation>`` / ``Name: TypeAlias = ...`` assignments, by name."""
        found: dict[str, ast.expr] = {}
        for statement in self.tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                target, value = statement.target, statement.value
            else:
                continue
            if isinstance(target, ast.Name) and isinstance(value, ast.Name | ast.Attribute | ast.Subscript | ast.BinOp):
                found[target.id] = value
        return found

    @_Lazy
    def session_factories(self) -> dict[str, str]:
        """Module-level ``sessionmaker``/``async_sessionmaker`` results, by name -> the session class they build."""
        found: dict[str, str] = {}
        value: ast.expr | None
        for statement in self.tree.body:
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign):
                targets, value = [statement.target], statement.value
            else:
                continue
            built = self._factory_product(value) if isinstance(value, ast.Call) else None
            for target in targets:
                if built is not None and isinstance(target, ast.Name):
                    found[target.id] = built
        return found

    def _factory_product(self, call: ast.Call) -> str | None:
        """The session class a ``sessionmaker(...)``/``async_sessionmaker(...)`` call builds (``class_=`` wins)."""
        default = _SESSION_FACTORIES.get(self.resolve(call.func) or "")
        if default is None:
            return None
        explicit = _keyword(call, "class_")
        return (self.resolve(explicit) if explicit is not None else None) or default

    def annotation_type(self, annotation: ast.expr | None, depth: int = 0) -> str | None:
        """The qualified class an annotation names, through ``Annotated[T, ...]``, ``T | None``, ``Optional[T]``,
        string annotations and module-level aliases (``SessionDep = Annotated[AsyncSession, Depends(...)]``)."""
        if annotation is None or depth > 8:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                parsed = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return None
            return self.annotation_type(parsed, depth + 1)
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            members = [m for m in (annotation.left, annotation.right) if not _is_none(m)]
            return self.annotation_type(members[0], depth + 1) if len(members) == 1 else None
        if isinstance(annotation, ast.Subscript):
            generic = self.resolve(annotation.value)
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            if generic in _ANNOTATED or generic in _OPTIONAL:
                return self.annotation_type(items[0], depth + 1)
            if generic in _UNION:
                members = [m for m in items if not _is_none(m)]
                return self.annotation_type(members[0], depth + 1) if len(members) == 1 else None
            return generic
        if isinstance(annotation, ast.Name) and self._is_alias(annotation):
            return self.annotation_type(self._aliases[annotation.id], depth + 1)
        return self.resolve(annotation)

    def _is_alias(self, name: ast.Name) -> bool:
        return name.id in self._aliases and self.resolve(name) == f"<local>.{name.id}"

    def call_type(self, call: ast.Call) -> str | None:
        """The qualified name of what ``call`` builds: a session factory's product (``SessionLocal()``,
        ``sessionmaker(...)()``, ``SessionLocal.begin()``), else the called name itself (a class's constructor)."""
        func = call.func
        if isinstance(func, ast.Call):
            return self._factory_product(func)
        if isinstance(func, ast.Name) and func.id in self.session_factories:
            return self.session_factories[func.id] if self.resolve(func) == f"<local>.{func.id}" else None
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "begin"
            and isinstance(func.value, ast.Name)
            and func.value.id in self.session_factories
        ):
            return self.session_factories[func.value.id]
        return self.resolve(func)

    def local_types(self, function: FunctionNode) -> dict[str, str]:
        """Names of ``function`` whose class is known: annotated parameters and names bound only by
        ``x = Class(...)``, ``x: Class = ...`` or ``with Class(...) as x`` (a name bound any other way is unknown)."""
        key = id(function)
        if key not in self._types_cache:
            types: dict[str, str | None] = {}

            def bind(name: str, qualified: str | None) -> None:
                types[name] = qualified if types.get(name, qualified) == qualified else None

            arguments = function.args
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
                bind(arg.arg, self.annotation_type(arg.annotation))
            for extra in (arguments.vararg, arguments.kwarg):
                if extra is not None:
                    bind(extra.arg, None)
            self._bind_body(self.own_nodes(function), bind)
            self._types_cache[key] = {name: value for name, value in types.items() if value is not None}
        return self._types_cache[key]

    @_Lazy
    def module_types(self) -> dict[str, str]:
        """Module-level names whose class is known, by the same bindings as ``local_types``."""
        types: dict[str, str | None] = {}

        def bind(name: str, qualified: str | None) -> None:
            types[name] = qualified if types.get(name, qualified) == qualified else None

        if ast.NamedExpr in self._walk[2]:
            self._bind_body(self._frame_nodes(self.tree, self.tree.body), bind)
        else:  # only statements bind (and ``except`` handlers): no need to look at expressions
            self._bind_body(_frame_statements(self.tree.body), bind)
        return {name: value for name, value in types.items() if value is not None}

    def _bind_body(self, nodes: tuple[ast.AST, ...], bind: Callable[[str, str | None], None]) -> None:
        """Call ``bind`` for every name bound in the frame whose ``own_nodes`` are ``nodes`` (not by a comprehension,
        which has a scope of its own: its targets, and ``:=`` inside it, are not looked at)."""
        binding = [node for node in nodes if type(node) in _BINDINGS]
        in_comprehensions: set[int] = set()
        if any(type(node) is ast.NamedExpr for node in binding):
            in_comprehensions = {
                id(inner)
                for node in nodes
                if type(node) in _COMPREHENSIONS
                for inner in walk(node)
                if type(inner) is ast.NamedExpr
            }
        for node in binding:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                bind(node.name, None)
            elif isinstance(node, ast.Assign):
                built = self.call_type(node.value) if isinstance(node.value, ast.Call) else None
                for target in node.targets:
                    self._bind_target(target, built, bind)
            elif isinstance(node, ast.AnnAssign):
                typed_value = self.call_type(node.value) if isinstance(node.value, ast.Call) else None
                self._bind_target(node.target, self.annotation_type(node.annotation) or typed_value, bind)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        built = self.call_type(item.context_expr) if isinstance(item.context_expr, ast.Call) else None
                        self._bind_target(item.optional_vars, built, bind)
            elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
                if id(node) not in in_comprehensions:
                    self._bind_target(node.target, None, bind)
            elif isinstance(node, ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal):
                for name in _bound_names(node) if isinstance(node, ast.Import | ast.ImportFrom) else node.names:
                    bind(name, None)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bind(node.name, None)

    @staticmethod
    def _bind_target(target: ast.expr, qualified: str | None, bind: Callable[[str, str | None], None]) -> None:
        if isinstance(target, ast.Name):
            bind(target.id, qualified)
            return
        for node in walk(target):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bind(node.id, None)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
