"""What a generator is asked for: ``FieldSpec`` (DESIGN.md's common field spec), ``ModelSpec`` (a nested model) and
``SchemaSpec`` (a whole resource), validated so that nothing a template renders can fail to import.

A ``FieldSpec`` is checked on its own (its name, its type, whether each constraint applies to the type and the bounds
agree, whether the pattern compiles in pydantic's regex engine, whether the default is a valid value); a
``SchemaSpec`` checks what needs the whole picture (duplicate names, unknown or cyclic model references, limits).

Errors are ``ValueError``s as pydantic expects; those raised with a location (``LocatedValueError``) let
``spec_error`` name the exact argument (``fields[2].ge``) in the ``SpecError`` it builds from a ``ValidationError``.
"""

from __future__ import annotations

import datetime as dt
import json
import keyword
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    JsonValue,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import SchemaError

from fastapi_expert.errors import SpecError
from fastapi_expert.review.secret_names import response_secret

__all__ = [
    "DOCUMENTED_TYPES",
    "MAX_DEPTH",
    "MAX_FIELDS",
    "MAX_MODELS",
    "RESERVED_NAMES",
    "SCALAR_TYPES",
    "FieldSpec",
    "FieldType",
    "LocatedValueError",
    "ModelSpec",
    "SchemaSpec",
    "is_pascal_case",
    "parse_type",
    "pascal_case",
    "python_type",
    "snake_case",
    "spec_error",
]

#: Scalar field types. ``json`` (any JSON value, pydantic's ``JsonValue``) is ours, for what a sample or schema does
#: not pin down (a value that is always null, a list mixing numbers and strings).
SCALAR_TYPES: tuple[str, ...] = (
    "str",
    "int",
    "float",
    "bool",
    "decimal",
    "datetime",
    "date",
    "uuid",
    "email",
    "url",
    "json",
)
#: The types DESIGN.md lists; ``list[X]`` takes any scalar or a model name, and a PascalCase name is a nested model.
DOCUMENTED_TYPES: tuple[str, ...] = (*SCALAR_TYPES[:-1], "list[str]", "list[int]", "dict")

#: Fields in one model, models in one schema, and how deep models may nest (the top-level model is depth 1).
MAX_FIELDS = 200
MAX_MODELS = 50
MAX_DEPTH = 8

_NUMERIC = frozenset({"int", "float", "decimal"})
_LENGTHED_SCALARS = frozenset({"str", "email", "url"})
_PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_LIST = re.compile(r"^list\[(?P<item>[A-Za-z0-9_]+)\]$")

#: Attribute names a generated module cannot give a field: the names it binds itself (``dt``, the builtin types it
#: annotates with: a field ``str = ...`` would shadow ``str`` for the fields after it), pydantic ``BaseModel``'s
#: attributes (a warning, and broken models, ``model_validate*``/``model_dump*`` too) and SQLAlchemy's declarative
#: attributes.
RESERVED_NAMES: frozenset[str] = frozenset(
    {"dt", "str", "int", "float", "bool", "list", "dict", "reject_null", "metadata", "registry", "type_annotation_map"}
    | {name for name in dir(BaseModel) if not name.startswith("_")}
)


class LocatedValueError(ValueError):
    """A ``ValueError`` that knows which part of the spec it is about (``("fields", 2, "name")``)."""

    def __init__(self, message: str, *, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


def is_pascal_case(name: str) -> bool:
    """``Order``, ``OrderItem2``: what class names look like."""
    return bool(_PASCAL.match(name))


@dataclass(frozen=True, slots=True)
class FieldType:
    """A parsed ``FieldSpec.type``: ``scalar`` (``item`` is one of ``SCALAR_TYPES``), ``dict``, ``model`` (``item`` is
    the model name) or ``list`` (of the scalar or model ``item``)."""

    kind: Literal["scalar", "dict", "model", "list"]
    item: str

    @property
    def is_model_list(self) -> bool:
        return self.kind == "list" and self.item not in SCALAR_TYPES

    @property
    def model(self) -> str | None:
        """The nested model this type refers to, if any."""
        if self.kind == "model" or self.is_model_list:
            return self.item
        return None

    @property
    def is_json_column(self) -> bool:
        """Whether an ORM model stores it as a JSON column."""
        return self.kind in {"dict", "model", "list"} or self.item == "json"


def parse_type(text: str) -> FieldType:
    """Parse a type name; ``ValueError`` names the accepted ones."""
    if text in SCALAR_TYPES:
        return FieldType("scalar", text)
    if text == "dict":
        return FieldType("dict", "")
    if is_pascal_case(text):
        return FieldType("model", text)
    match = _LIST.match(text)
    if match and (match["item"] in SCALAR_TYPES or is_pascal_case(match["item"])):
        return FieldType("list", match["item"])
    raise ValueError(
        f"unknown type {text!r}: use one of {', '.join(DOCUMENTED_TYPES)}, json, list[<scalar>], "
        "or the PascalCase name of a nested model"
    )


_SCALAR_PYTHON: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "decimal": Decimal,
    "datetime": dt.datetime,
    "date": dt.date,
    "uuid": UUID,
    "email": EmailStr,
    "url": HttpUrl,
    "json": JsonValue,
}


def python_type(field_type: FieldType) -> Any:
    """The Python type a (non-model) field validates as; models validate as dicts here."""
    if field_type.kind == "scalar":
        return _SCALAR_PYTHON[field_type.item]
    if field_type.kind == "dict" or field_type.kind == "model":
        return dict[str, JsonValue]
    if field_type.is_model_list:
        return list[dict[str, JsonValue]]
    item: Any = _SCALAR_PYTHON[field_type.item]
    return list[item]


def _check_identifier(name: str) -> str:
    if not name.isidentifier() or not name.isascii():
        raise ValueError(f"{name!r} is not a Python identifier (letters, digits and _, not starting with a digit)")
    if keyword.iskeyword(name):
        raise ValueError(f"{name!r} is a Python keyword")
    if name.startswith("_"):
        raise ValueError(f"{name!r} starts with '_', which pydantic treats as a private attribute, not a field")
    if name in RESERVED_NAMES or name.startswith(("model_validate", "model_dump")):
        raise ValueError(
            f"{name!r} is reserved: it would shadow a name of pydantic, SQLAlchemy or the generated module"
        )
    return name


@lru_cache(maxsize=256)
def _adapter(field_type: FieldType, constraints: tuple[tuple[str, object], ...]) -> TypeAdapter[Any]:
    metadata: Any = Field(**dict(constraints))  # type: ignore[call-overload]
    annotated: Any = Annotated[python_type(field_type), metadata]
    return TypeAdapter(annotated)


class FieldSpec(BaseModel):
    """One field: DESIGN.md's ``FieldSpec`` (plus ``nullable`` and ``alias``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, description="Python attribute name (an identifier, not a keyword).")
    type: str = Field(
        min_length=1,
        max_length=80,
        description="str int float bool decimal datetime date uuid email url list[str] list[int] dict (also json, "
        "list[<any scalar>], and the PascalCase name of a nested model or list[<Model>]).",
    )
    required: bool = Field(default=True, description="False: the field may be left out (default null unless given).")
    nullable: bool = Field(default=False, description="True: null is a valid value.")
    default: JsonValue = Field(default=None, description="Default value (JSON); implies required=false.")
    description: str | None = Field(default=None, max_length=2000)
    alias: str | None = Field(
        default=None, min_length=1, max_length=200, description="Name on the wire (JSON) when it is not `name`."
    )
    min_length: int | None = Field(default=None, ge=0, le=10**9)
    max_length: int | None = Field(default=None, ge=0, le=10**9)
    ge: int | float | None = None
    gt: int | float | None = None
    le: int | float | None = None
    lt: int | float | None = None
    pattern: str | None = Field(default=None, min_length=1, max_length=1000, description="Regex a str must match.")
    enum: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None, min_length=1, max_length=200, description="Allowed values of a str field."
    )
    unique: bool = Field(default=False, description="Unique column (ORM).")
    index: bool = Field(default=False, description="Indexed column (ORM).")

    @field_validator("name")
    @classmethod
    def _identifier(cls, name: str) -> str:
        return _check_identifier(name)

    @field_validator("type")
    @classmethod
    def _known_type(cls, text: str) -> str:
        parse_type(text)
        return text

    @field_validator("enum")
    @classmethod
    def _distinct(cls, values: list[str] | None) -> list[str] | None:
        if values is not None and len(set(values)) != len(values):
            duplicates = sorted({v for v in values if values.count(v) > 1})
            raise ValueError(f"repeats {', '.join(map(repr, duplicates))}")
        return values

    @property
    def field_type(self) -> FieldType:
        return parse_type(self.type)

    @property
    def has_default(self) -> bool:
        """Whether a default was given (``default: null`` counts; an absent ``default`` does not)."""
        return "default" in self.model_fields_set

    @property
    def optional(self) -> bool:
        """Whether the field may be left out of a create request."""
        return not self.required or self.has_default

    @property
    def allows_null(self) -> bool:
        """Whether null is a valid value (asked for, or the default of an optional field)."""
        return self.nullable or (self.optional and self.default is None) or self.type == "json"

    @property
    def write_only(self) -> bool:
        """Passwords, secret keys and hashes are accepted on create/update and never sent back (review rule FE005)."""
        return response_secret(self.name) is not None

    def constraints(self) -> dict[str, object]:
        """The pydantic ``Field`` constraints, in a fixed order."""
        names = ("min_length", "max_length", "ge", "gt", "le", "lt", "pattern")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        kind = self.field_type
        for check in (self._check_applicable, self._check_bounds, self._check_compiles, self._check_default):
            check(kind)
        if self.unique and kind.is_json_column:
            raise LocatedValueError(f"a {self.type} field is stored as JSON, which cannot be unique", loc=("unique",))
        return self

    def _check_applicable(self, kind: FieldType) -> None:
        lengthed = kind.kind in {"list", "dict"} or kind.item in _LENGTHED_SCALARS
        for name in ("min_length", "max_length"):
            if getattr(self, name) is not None and not lengthed:
                raise LocatedValueError(
                    f"applies to str, email, url, list and dict fields, not {self.type}", loc=(name,)
                )
        for name in ("ge", "gt", "le", "lt"):
            if getattr(self, name) is not None and kind.item not in _NUMERIC:
                raise LocatedValueError(f"applies to int, float and decimal fields, not {self.type}", loc=(name,))
        if self.pattern is not None and kind != FieldType("scalar", "str"):
            raise LocatedValueError(f"applies to str fields, not {self.type}", loc=("pattern",))
        if self.enum is not None and kind != FieldType("scalar", "str"):
            raise LocatedValueError(f"applies to str fields, not {self.type}", loc=("enum",))
        if self.enum is not None and (self.pattern is not None or self.constraints()):
            raise LocatedValueError("an enum field takes no length or pattern constraints", loc=("enum",))
        if kind.item == "int":
            for name in ("ge", "gt", "le", "lt"):
                value = getattr(self, name)
                if isinstance(value, float) and not value.is_integer():
                    raise LocatedValueError(f"{value} is not a whole number, and the field is an int", loc=(name,))

    def _check_bounds(self, kind: FieldType) -> None:
        lower = [(n, getattr(self, n)) for n in ("ge", "gt") if getattr(self, n) is not None]
        upper = [(n, getattr(self, n)) for n in ("le", "lt") if getattr(self, n) is not None]
        if len(lower) == 2 or len(upper) == 2:
            pair = "ge and gt" if len(lower) == 2 else "le and lt"
            raise LocatedValueError(f"give one of {pair}, not both", loc=((lower if len(lower) == 2 else upper)[1][0],))
        for (low_name, low), (high_name, high) in ((a, b) for a in lower for b in upper):
            empty = low > high or (low == high and (low_name == "gt" or high_name == "lt"))
            if empty:
                raise LocatedValueError(
                    f"{low_name}={low} and {high_name}={high} leave no valid value", loc=(low_name,)
                )
        if self.min_length is not None and self.max_length is not None and self.min_length > self.max_length:
            raise LocatedValueError(
                f"min_length={self.min_length} is greater than max_length={self.max_length}", loc=("min_length",)
            )

    def _check_compiles(self, kind: FieldType) -> None:
        if self.pattern is None:
            return
        try:
            re.compile(self.pattern)
            _adapter(kind, (("pattern", self.pattern),))
        except (re.error, SchemaError) as exc:
            detail = str(exc).strip().splitlines()
            reason = next((line for line in reversed(detail) if line.strip().startswith("error:")), detail[-1])
            raise LocatedValueError(
                f"{self.pattern!r} is not a valid regex: {reason.strip()}", loc=("pattern",)
            ) from exc

    def _check_default(self, kind: FieldType) -> None:
        if not self.has_default:
            return
        if "required" in self.model_fields_set and self.required:
            raise LocatedValueError("a required field has no default: drop it or set required=false", loc=("default",))
        if self.default is None:
            return
        if self.write_only:
            raise LocatedValueError(f"{self.name!r} holds a secret, which must not have a default", loc=("default",))
        if kind.model is not None:
            if kind.is_model_list and self.default == []:
                return
            raise LocatedValueError(
                f"a {self.type} field takes no default but null (or [] for a list)", loc=("default",)
            )
        if self.enum is not None:
            if self.default not in self.enum:
                raise LocatedValueError(f"{self.default!r} is not one of the enum values", loc=("default",))
            return
        try:
            _adapter(kind, tuple(self.constraints().items())).validate_json(json.dumps(self.default), strict=True)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise LocatedValueError(f"{self.default!r} is not a valid {self.type}: {reason}", loc=("default",)) from exc


class ModelSpec(BaseModel):
    """A nested model that fields refer to by name (``"type": "Address"`` or ``"list[Address]"``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, description="PascalCase class name.")
    fields: list[FieldSpec] = Field(min_length=1, max_length=MAX_FIELDS)
    description: str | None = Field(default=None, max_length=2000)

    @field_validator("name")
    @classmethod
    def _pascal(cls, name: str) -> str:
        if not is_pascal_case(name):
            raise ValueError(f"{name!r} is not a PascalCase class name (like Address or OrderItem)")
        return name


class SchemaSpec(BaseModel):
    """A resource: its top-level fields, the nested models they use, and how to render it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, description="PascalCase resource name.")
    fields: list[FieldSpec] = Field(min_length=1, max_length=MAX_FIELDS)
    models: list[ModelSpec] = Field(default_factory=list, max_length=MAX_MODELS)
    description: str | None = Field(default=None, max_length=2000)
    orm: bool = False
    id_type: Literal["int", "uuid"] = "int"
    enum_style: Literal["strenum", "literal"] = "strenum"

    @field_validator("name")
    @classmethod
    def _pascal(cls, name: str) -> str:
        if not is_pascal_case(name):
            raise ValueError(f"{name!r} is not a PascalCase class name (like Order or BlogPost)")
        if name.endswith(("Base", "Create", "Update", "Read")):
            raise ValueError(f"{name!r} ends like a generated class ({name}Base, {name}Create, ...); drop the suffix")
        return name

    @model_validator(mode="after")
    def _whole(self) -> Self:
        generated = {self.name, *(f"{self.name}{suffix}" for suffix in ("Base", "Create", "Update", "Read"))}
        seen_models: set[str] = set()
        for index, model in enumerate(self.models):
            if model.name in generated or model.name in seen_models:
                raise LocatedValueError(f"{model.name!r} is already a class name", loc=("models", index, "name"))
            seen_models.add(model.name)
        self._check_fields(self.fields, ("fields",), top=True)
        for index, model in enumerate(self.models):
            self._check_fields(model.fields, ("models", index, "fields"), top=False)
        enums = [name for name, _ in self.enum_classes()]
        clash = next((name for name in enums if name in generated or name in seen_models), None)
        if clash is not None or len(set(enums)) != len(enums):
            clash = clash or next(name for name in enums if enums.count(name) > 1)
            raise LocatedValueError(f"the enum class {clash!r} clashes with another class name; rename a field")
        self._check_acyclic()
        return self

    def _check_fields(self, fields: Sequence[FieldSpec], loc: tuple[str | int, ...], *, top: bool) -> None:
        names: dict[str, int] = {}
        wire: dict[str, int] = {}
        known = {model.name for model in self.models}
        for index, spec in enumerate(fields):
            where = (*loc, index)
            if spec.name in names:
                raise LocatedValueError(
                    f"{spec.name!r} is the name of field {names[spec.name]} too", loc=(*where, "name")
                )
            names[spec.name] = index
            key = spec.alias or spec.name
            if key in wire:
                raise LocatedValueError(f"{key!r} is the wire name of field {wire[key]} too", loc=(*where, "alias"))
            wire[key] = index
            if top and spec.name == "id":
                raise LocatedValueError(f"'id' is added by {self.name}Read (see id_type)", loc=(*where, "name"))
            if not top and (spec.unique or spec.index):
                which = "unique" if spec.unique else "index"
                raise LocatedValueError("only top-level fields become columns", loc=(*where, which))
            model = spec.field_type.model
            if model is not None and model not in known:
                listed = f"; the models are {', '.join(sorted(known))}" if known else " (pass it in `models`)"
                raise LocatedValueError(f"no nested model {model!r}{listed}", loc=(*where, "type"))

    def _check_acyclic(self) -> None:
        uses = {model.name: [f.field_type.model for f in model.fields if f.field_type.model] for model in self.models}

        def depth(name: str, path: tuple[str, ...]) -> int:
            if name in path:
                cycle = " -> ".join((*path[path.index(name) :], name))
                raise LocatedValueError(f"models refer to each other in a cycle ({cycle})", loc=("models",))
            return 1 + max((depth(child, (*path, name)) for child in uses[name] if child), default=0)

        deepest = 1 + max((depth(f.field_type.model, ()) for f in self.fields if f.field_type.model), default=0)
        if deepest > MAX_DEPTH:
            raise LocatedValueError(f"models nest {deepest} deep; the limit is {MAX_DEPTH}", loc=("models",))

    @property
    def snake_name(self) -> str:
        return snake_case(self.name)

    def enum_classes(self) -> Iterator[tuple[str, FieldSpec]]:
        """``(class name, field)`` for every enum field: ``{Model}{Field}`` (``OrderStatus``)."""
        owners: list[tuple[str, Sequence[FieldSpec]]] = [(self.name, self.fields)]
        owners += [(model.name, model.fields) for model in self.models]
        for owner, fields in owners:
            for spec in fields:
                if spec.enum is not None:
                    yield f"{owner}{pascal_case(spec.name)}", spec


def snake_case(name: str) -> str:
    """``BlogPost`` -> ``blog_post``, ``HTTPServer`` -> ``http_server``, ``firstName`` -> ``first_name``."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", spaced)
    return re.sub(r"_+", "_", spaced).lower()


def pascal_case(name: str) -> str:
    """``first_name`` -> ``FirstName``, ``firstName`` -> ``FirstName``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def spec_error(exc: ValidationError, argument: str = "") -> SpecError:
    """A ``SpecError`` naming the first invalid argument of ``exc`` (``fields[2].ge``), prefixed by ``argument``."""
    error = exc.errors(include_url=False)[0]
    loc: tuple[str | int, ...] = tuple(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    message = str(error["msg"]).removeprefix("Value error, ")
    if isinstance(cause, LocatedValueError):
        loc = (*loc, *cause.loc)
        message = str(cause)
    path = argument
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    more = exc.error_count() - 1
    suffix = f" (and {more} more problem{'s' * (more != 1)})" if more > 0 else ""
    return SpecError(f"{message}{suffix}", argument=path or "spec")
