"""A JSON sample turned into a JSON schema, then into fields by the same importer as ``json_schema=``.

genson merges what it sees: a list of objects with different keys gives one object whose ``required`` holds only the
keys every item has, an ``int`` and a ``float`` give ``number``, a value that is sometimes null gives a type list with
``"null"``. On top of genson, strings get a ``format`` when every string seen at that place is a timezone-aware or
naive ISO 8601 date-time, an ISO date, a UUID, an email address or an http(s) URL (each checked by the same pydantic
type the generated field will use, so the sample always validates), and a key whose value is null is made optional:
a sample says little about whether a field must be sent, and a null says it may be missing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from genson import SchemaBuilder  # type: ignore[import-untyped]
from genson.schema.strategies import String  # type: ignore[import-untyped]
from pydantic import EmailStr, HttpUrl, TypeAdapter, ValidationError

from fastapi_expert.errors import SpecError
from fastapi_expert.generate.jsonschema_import import ImportedSchema, check_size, import_json_schema, json_kind

__all__ = ["import_json_sample", "infer_json_schema", "string_format"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://\S+$")
_DATE_ADAPTER: TypeAdapter[dt.date] = TypeAdapter(dt.date)
_DATE_TIME_ADAPTER: TypeAdapter[dt.datetime] = TypeAdapter(dt.datetime)
_EMAIL_ADAPTER: TypeAdapter[str] = TypeAdapter(EmailStr)
_URL_ADAPTER: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def string_format(value: str) -> str | None:
    """The JSON schema ``format`` a sample string has: ``date-time``, ``date``, ``uuid``, ``email``, ``uri`` or none."""
    if len(value) > 2083:
        return None
    if _UUID.match(value):
        return "uuid"
    checks: tuple[tuple[re.Pattern[str], TypeAdapter[Any], str], ...] = (
        (_DATE, _DATE_ADAPTER, "date"),
        (_DATE_TIME, _DATE_TIME_ADAPTER, "date-time"),
        (_EMAIL, _EMAIL_ADAPTER, "email"),
        (_URL, _URL_ADAPTER, "uri"),
    )
    for pattern, adapter, name in checks:
        if pattern.match(value):
            try:
                adapter.validate_python(value)
            except ValidationError:
                return None
            return name
    return None


class _FormattedString(String):  # type: ignore[misc]
    """genson's string strategy, plus the one ``format`` all strings seen at this place share."""

    def __init__(self, node_class: type[Any]) -> None:
        super().__init__(node_class)
        self._formats: set[str | None] = set()

    def add_object(self, obj: str) -> None:
        super().add_object(obj)
        self._formats.add(string_format(obj))

    def add_schema(self, schema: dict[str, Any]) -> None:
        super().add_schema({k: v for k, v in schema.items() if k != "format"})
        self._formats.add(schema.get("format"))

    def to_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = super().to_schema()
        if len(self._formats) == 1 and None not in self._formats:
            schema["format"] = next(iter(self._formats))
        return schema


class _Builder(SchemaBuilder):  # type: ignore[misc]
    EXTRA_STRATEGIES: ClassVar[tuple[type[Any], ...]] = (_FormattedString,)


def infer_json_schema(sample: object, *, argument: str = "json_sample") -> dict[str, Any]:
    """The JSON schema of an object sample (or of a list of objects, merged as several records)."""
    check_size(sample, argument)
    records = sample if isinstance(sample, list) and sample else [sample]
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            where = argument if records is not sample else f"{argument}[{index}]"
            raise SpecError(f"must be a JSON object (or a list of objects), not {json_kind(record)}", argument=where)
        if not record:
            where = argument if records is not sample else f"{argument}[{index}]"
            raise SpecError("is an empty object: there are no fields to infer", argument=where)
    builder = _Builder(schema_uri=None)
    for record in records:
        builder.add_object(record)
    schema: dict[str, Any] = builder.to_schema()
    _optional_when_null(schema)
    return schema


def import_json_sample(sample: object, *, name: str, argument: str = "json_sample") -> ImportedSchema:
    """The fields and models a JSON sample implies."""
    return import_json_schema(infer_json_schema(sample, argument=argument), name=name, argument=argument)


def _optional_when_null(schema: dict[str, Any]) -> None:
    """Drop from ``required`` every property that was null in some record, in every nested object."""
    stack = [schema]
    while stack:
        node = stack.pop()
        properties = node.get("properties", {})
        if "required" in node:
            node["required"] = [key for key in node["required"] if not _allows_null(properties.get(key, {}))]
        stack.extend(properties.values())
        for key in ("items", "anyOf"):
            value = node.get(key)
            stack.extend(value if isinstance(value, list) else [value] if isinstance(value, dict) else [])


def _allows_null(schema: dict[str, Any]) -> bool:
    types = schema.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types):
        return True
    return any(branch.get("type") == "null" for branch in schema.get("anyOf", []))
