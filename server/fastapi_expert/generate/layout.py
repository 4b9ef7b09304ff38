"""How a spec is spelled in Python: the annotation, default, constraints and column of every field, the names of the
module-level aliases and enums, and the imports they need. Templates print these views and decide nothing.

Naming: an enum field's type is ``{Model}{Field}`` (``OrderStatus``: a ``StrEnum``, or a ``Literal`` alias); a field
with constraints, a description or a wire alias gets a module-level ``Annotated`` alias named after the field
(``Title``; ``OrderTitle`` when that name is taken), shared by the create, update and read models, as our knowledge
base teaches. Every value from the spec is written as a ``repr`` literal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import TypeAdapter

from fastapi_expert.generate.specs import (
    FieldSpec,
    FieldType,
    ModelSpec,
    SchemaSpec,
    pascal_case,
    python_type,
    snake_case,
)

__all__ = [
    "AliasView",
    "ColumnView",
    "EnumView",
    "FieldView",
    "ModelView",
    "SchemaLayout",
    "layout",
    "plural",
    "regex_literal",
]

_ANNOTATIONS = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "decimal": "Decimal",
    "datetime": "dt.datetime",
    "date": "dt.date",
    "uuid": "UUID",
    "email": "EmailStr",
    "url": "HttpUrl",
    "json": "JsonValue",
}
#: Names every generated schema module may bind at the top level.
_MODULE_NAMES = frozenset(
    {"Annotated", "BaseModel", "ConfigDict", "Decimal", "EmailStr", "Field", "HttpUrl", "JsonValue", "Literal"}
    | {"StrEnum", "UUID", "dt", "field_validator", "Any", "reject_null"}
)
#: Names pycodestyle calls ambiguous (E741): never given to an alias or an enum member.
_AMBIGUOUS = frozenset({"I", "O", "l"})
#: Column types by field type (a ``str`` with a ``max_length`` gets ``String(max_length)``).
_EMAIL_LENGTH = 320  # RFC 5321: 64 + 1 + 255
_URL_LENGTH = 2083  # pydantic's HttpUrl limit


@dataclass(frozen=True, slots=True)
class AliasView:
    """``Title = Annotated[str, Field(min_length=1)]`` (or ``OrderStatus = Literal["a", "b"]``)."""

    name: str
    source: str


@dataclass(frozen=True, slots=True)
class EnumView:
    """``class OrderStatus(StrEnum)`` with ``(MEMBER, "value")`` members (values as literals)."""

    name: str
    members: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FieldView:
    """One field as the schema classes write it."""

    name: str
    annotation: str
    #: The default's source (``None``: required); ``"None"`` for an optional field without a default.
    default: str | None
    #: Whether an explicit null must be refused by the update model (the field itself is not nullable).
    not_null: bool
    write_only: bool
    #: The name on the wire, set with ``Field(alias=...)`` on the field itself (pydantic ignores an alias inside an
    #: ``Annotated`` alias once it is part of a union such as ``X | None``).
    alias: str | None = None

    @property
    def assignment(self) -> str:
        """What follows the annotation: `` = default``, `` = Field(alias=...)``, or nothing."""
        if self.alias is None:
            return "" if self.default is None else f" = {self.default}"
        default = "" if self.default is None else f"default={self.default}, "
        return f" = Field({default}alias={self.alias!r})"


@dataclass(frozen=True, slots=True)
class ModelView:
    """A class: its name, docstring, config arguments and fields."""

    name: str
    description: str | None
    fields: tuple[FieldView, ...]
    config: tuple[str, ...] = ()
    #: The ``Annotated`` aliases its fields use, written just before the class (after the classes they name).
    aliases: tuple[AliasView, ...] = ()


@dataclass(frozen=True, slots=True)
class ColumnView:
    """``name: Mapped[annotation] = mapped_column(arguments)`` (no ``mapped_column`` without arguments)."""

    name: str
    annotation: str
    arguments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SchemaLayout:
    """Everything the schema and ORM templates print."""

    spec: SchemaSpec
    enums: tuple[EnumView, ...]
    #: ``Literal`` enum aliases (enum_style="literal"), written at the top.
    literals: tuple[AliasView, ...]
    models: tuple[ModelView, ...]
    base: ModelView
    create_fields: tuple[FieldView, ...]
    update: ModelView
    read_config: tuple[str, ...]
    id_annotation: str
    schema_imports: tuple[str, ...]
    columns: tuple[ColumnView, ...]
    orm_imports: tuple[str, ...]
    table_name: str
    notes: tuple[str, ...] = field(default=())

    @property
    def has_datetime(self) -> bool:
        every = [*self.spec.fields, *(f for model in self.spec.models for f in model.fields)]
        return any(f.field_type.item == "datetime" for f in every)

    @property
    def not_null_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.update.fields if f.not_null)


def regex_literal(pattern: object) -> str:
    """A regex as a raw string literal when one can spell it (``r"^\\d+$"``), else its ``repr``."""
    text = str(pattern)
    raw_safe = text.isprintable() and not text.endswith("\\") and "\\'" not in text and '\\"' not in text
    for quote in ('"', "'"):
        if raw_safe and quote not in text:
            return f"r{quote}{text}{quote}"
    return repr(text)


def plural(name: str) -> str:
    """The table name of a snake_case model name: its last word in the plural, by inflect's English rules
    (``order`` -> ``orders``, ``blog_post`` -> ``blog_posts``, ``person`` -> ``people``)."""
    from fastapi_expert.generate.naming import plural_of

    return plural_of(name)  # one rule for write_schema's tables and scaffold_endpoint's resources


def _member_name(value: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9A-Za-z]+", "_", snake_case(value)).strip("_").upper() or "VALUE"
    if base[0].isdigit():
        base = f"V_{base}"
    if base in _AMBIGUOUS:
        base = f"{base}_"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    taken.add(name)
    return name


class _Builder:
    def __init__(self, spec: SchemaSpec) -> None:
        self.spec = spec
        self.taken: set[str] = set(_MODULE_NAMES)
        self.taken |= {spec.name, *(f"{spec.name}{s}" for s in ("Base", "Create", "Update", "Read"))}
        self.taken |= {model.name for model in spec.models}
        every_field = [*spec.fields, *(f for model in spec.models for f in model.fields)]
        self.taken |= {f.name for f in every_field}
        self.enum_names = {id(field_spec): name for name, field_spec in spec.enum_classes()}
        self.taken |= set(self.enum_names.values())
        self.enums: list[EnumView] = []
        self.aliases: list[AliasView] = []
        self.literals: list[AliasView] = []
        self.imports: set[str] = {"BaseModel"}
        self.enums_done: set[str] = set()

    def base_type(self, spec: FieldSpec) -> str:
        kind = spec.field_type
        if spec.enum is not None:
            name = self.enum_names[id(spec)]
            if name not in self.enums_done:
                self.enums_done.add(name)
                if self.spec.enum_style == "literal":
                    self.imports.add("Literal")
                    self.literals.append(AliasView(name, f"Literal[{', '.join(map(repr, spec.enum))}]"))
                else:
                    self.imports.add("StrEnum")
                    taken: set[str] = set()
                    members = tuple((_member_name(value, taken), repr(value)) for value in spec.enum)
                    self.enums.append(EnumView(name, members))
            return name
        if kind.kind == "model":
            return kind.item
        if kind.kind == "dict":
            self.imports.add("JsonValue")
            return "dict[str, JsonValue]"
        item = kind.item if kind.kind == "list" and kind.item not in _ANNOTATIONS else _ANNOTATIONS[kind.item]
        self.imports.add(item.split(".")[0] if item.startswith("dt.") else item)
        return f"list[{item}]" if kind.kind == "list" else item

    def metadata(self, spec: FieldSpec) -> list[str]:
        arguments = [
            f"{name}={regex_literal(value) if name == 'pattern' else repr(value)}"
            for name, value in spec.constraints().items()
        ]
        if spec.description:
            arguments.append(f"description={spec.description!r}")
        return arguments

    def annotation(self, spec: FieldSpec, owner: str) -> str:
        base = self.base_type(spec)
        arguments = self.metadata(spec)
        if not arguments:
            return base
        name = next(n for n in self.candidates(spec.name, owner) if n not in self.taken)
        self.taken.add(name)
        self.imports |= {"Annotated", "Field"}
        self.aliases.append(AliasView(name, f"Annotated[{base}, Field({', '.join(arguments)})]"))
        return name

    @staticmethod
    def candidates(field_name: str, owner: str) -> list[str]:
        short = pascal_case(field_name) or "Value"
        first = [short] if short not in _AMBIGUOUS else []
        return [*first, f"{owner}{short}", *(f"{owner}{short}{n}" for n in range(2, 1000))]

    def default(self, spec: FieldSpec) -> str | None:
        if not spec.optional:
            return None
        value = spec.default if spec.has_default else None
        if value is None:
            return "None"
        kind = spec.field_type
        if spec.enum is not None:
            if self.spec.enum_style == "literal":
                return repr(value)
            name = self.enum_names[id(spec)]
            members = next(e.members for e in self.enums if e.name == name)
            return f"{name}.{next(member for member, literal in members if literal == repr(value))}"
        if kind.kind != "scalar":
            return repr(value)
        parsed = TypeAdapter(python_type(kind)).validate_python(value)
        constructors = {
            "decimal": "Decimal",
            "date": "dt.date.fromisoformat",
            "datetime": "dt.datetime.fromisoformat",
            "uuid": "UUID",
            "url": "HttpUrl",
        }
        if kind.item in constructors:
            text = parsed.isoformat() if kind.item in {"date", "datetime"} else str(parsed)
            return f"{constructors[kind.item]}({text!r})"
        return repr(parsed)

    def field_view(self, spec: FieldSpec, owner: str) -> FieldView:
        annotation = self.annotation(spec, owner)
        if spec.allows_null and spec.type != "json":
            annotation = f"{annotation} | None"
        return FieldView(
            name=spec.name,
            annotation=annotation,
            default=self.default(spec),
            not_null=not spec.allows_null,
            write_only=spec.write_only,
            alias=spec.alias,
        )

    def update_view(self, view: FieldView) -> FieldView:
        annotation = (
            view.annotation if view.annotation.endswith(("| None", "JsonValue")) else f"{view.annotation} | None"
        )
        return FieldView(view.name, annotation, "None", view.not_null, view.write_only, view.alias)

    def config(self, fields: Sequence[FieldSpec], *extra: str) -> tuple[str, ...]:
        if any(f.alias is not None for f in fields):
            self.imports |= {"ConfigDict", "Field"}
            return (*extra, "validate_by_name=True")
        if extra:
            self.imports.add("ConfigDict")
        return extra


def layout(spec: SchemaSpec) -> SchemaLayout:
    """The views of ``spec`` (nested models first, in the order they are needed)."""
    builder = _Builder(spec)
    models = []
    for model in _ordered(spec):
        start = len(builder.aliases)
        views = tuple(builder.field_view(f, model.name) for f in model.fields)
        aliases = tuple(builder.aliases[start:])
        models.append(ModelView(model.name, model.description, views, builder.config(model.fields), aliases))
    start = len(builder.aliases)
    views = tuple(builder.field_view(f, spec.name) for f in spec.fields)
    shared = tuple(v for v in views if not v.write_only)
    aliases = tuple(builder.aliases[start:])
    base = ModelView(f"{spec.name}Base", spec.description, shared, builder.config(spec.fields), aliases)
    update_views = tuple(builder.update_view(v) for v in views)
    update_config = builder.config(spec.fields, "extra='forbid'")
    if any(v.not_null for v in update_views):
        builder.imports.add("field_validator")
    update = ModelView(f"{spec.name}Update", None, update_views, update_config)
    read_config = ("from_attributes=True",) if spec.orm else ()
    if read_config:
        builder.imports.add("ConfigDict")
    id_annotation = "UUID" if spec.id_type == "uuid" else "int"
    if spec.id_type == "uuid":
        builder.imports.add("UUID")
    columns, orm_imports = _columns(spec)
    notes = _notes(spec)
    return SchemaLayout(
        spec=spec,
        enums=tuple(builder.enums),
        literals=tuple(builder.literals),
        models=tuple(models),
        base=base,
        create_fields=tuple(v for v in views if v.write_only),
        update=update,
        read_config=read_config,
        id_annotation=id_annotation,
        schema_imports=_schema_imports(builder.imports),
        columns=columns,
        orm_imports=orm_imports,
        table_name=plural(spec.snake_name),
        notes=notes,
    )


def _ordered(spec: SchemaSpec) -> list[ModelSpec]:
    by_name = {model.name: model for model in spec.models}
    done: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        for child in by_name[name].fields:
            if child.field_type.model is not None:
                visit(child.field_type.model)
        done.append(name)

    for model in spec.models:
        visit(model.name)
    return [by_name[name] for name in done]


def _schema_imports(names: set[str]) -> tuple[str, ...]:
    lines = []
    if "dt" in names:
        lines.append("import datetime as dt")
    if "Decimal" in names:
        lines.append("from decimal import Decimal")
    if "StrEnum" in names:
        lines.append("from enum import StrEnum")
    typing = sorted(names & {"Annotated", "Literal"})
    if typing:
        lines.append(f"from typing import {', '.join(typing)}")
    if "UUID" in names:
        lines.append("from uuid import UUID")
    pydantic = sorted(names & {"BaseModel", "ConfigDict", "EmailStr", "Field", "HttpUrl", "JsonValue"})
    pydantic += ["field_validator"] if "field_validator" in names else []
    lines.append("")
    lines.append(f"from pydantic import {', '.join(pydantic)}")
    return tuple(lines)


def _column(spec: FieldSpec, kind: FieldType, sqlalchemy: set[str], stdlib: set[str]) -> ColumnView:
    arguments: list[str] = []
    if kind.is_json_column:
        sqlalchemy.add("JSON")
        arguments.append("JSON")
        if kind.kind == "list":
            annotation = "list[Any]"
        elif kind.item == "json":
            annotation = "Any"
            arguments.append("nullable=True")
        else:
            annotation = "dict[str, Any]"
        stdlib.add("Any")
    else:
        annotation = {"decimal": "Decimal", "datetime": "dt.datetime", "date": "dt.date", "uuid": "UUID"}.get(
            kind.item, _ANNOTATIONS[kind.item] if kind.item in {"int", "float", "bool"} else "str"
        )
        stdlib.add(annotation.split(".")[0])
        length = spec.max_length
        if spec.enum is not None:
            length = max(len(value) for value in spec.enum)
        elif kind.item == "email":
            length = min(length or _EMAIL_LENGTH, _EMAIL_LENGTH)
        elif kind.item == "url":
            length = min(length or _URL_LENGTH, _URL_LENGTH)
        if kind.item in {"str", "email", "url"} and length is not None:
            sqlalchemy.add("String")
            arguments.append(f"String({length})")
        if kind.item == "datetime":
            sqlalchemy.add("DateTime")
            arguments.append("DateTime(timezone=True)")
    if spec.unique:
        arguments.append("unique=True")
    if spec.index:
        arguments.append("index=True")
    if spec.allows_null and annotation != "Any":
        annotation = f"{annotation} | None"
    return ColumnView(spec.name, annotation, tuple(arguments))


def _columns(spec: SchemaSpec) -> tuple[tuple[ColumnView, ...], tuple[str, ...]]:
    sqlalchemy: set[str] = set()
    stdlib: set[str] = set()
    columns = tuple(_column(f, f.field_type, sqlalchemy, stdlib) for f in spec.fields)
    lines = []
    if "dt" in stdlib:
        lines.append("import datetime as dt")
    if "Decimal" in stdlib:
        lines.append("from decimal import Decimal")
    if "Any" in stdlib:
        lines.append("from typing import Any")
    uuid_names = (["UUID"] if "UUID" in stdlib or spec.id_type == "uuid" else []) + (
        ["uuid4"] if spec.id_type == "uuid" else []
    )
    if uuid_names:
        lines.append(f"from uuid import {', '.join(uuid_names)}")
    lines.append("")
    if sqlalchemy:
        lines.append(f"from sqlalchemy import {', '.join(sorted(sqlalchemy, key=_isort_key))}")
    lines.append("from sqlalchemy.orm import Mapped, mapped_column")
    lines.append("")
    lines.append("from app.database import Base")
    return columns, tuple(lines)


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's isort order within one import: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def _notes(spec: SchemaSpec) -> tuple[str, ...]:
    notes = []
    secret = [f.name for f in spec.fields if f.write_only]
    if secret:
        notes.append(
            f"{', '.join(secret)}: write-only (in {spec.name}Create and {spec.name}Update, never in {spec.name}Read)"
            + ("; hash passwords before storing them" if spec.orm else "")
        )
    if any(f.type == "datetime" for f in [*spec.fields, *(g for m in spec.models for g in m.fields)]):
        notes.append("datetime fields accept ISO 8601; send them timezone-aware (SQLite returns them naive)")
    if spec.orm:
        stored = [f.name for f in spec.fields if f.field_type.is_json_column]
        if stored:
            notes.append(f"{', '.join(stored)}: stored in JSON columns (nested models are not separate tables)")
    return tuple(notes)
