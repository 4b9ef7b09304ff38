"""MCP adapter: the ``write_schema`` tool."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field, JsonValue

from fastapi_expert.errors import SpecError
from fastapi_expert.generate.jsonschema_import import MAX_INPUT_BYTES
from fastapi_expert.generate.schema import WriteSchemaResult, build_schema_spec, write_schema
from fastapi_expert.generate.specs import MAX_FIELDS, MAX_MODELS, FieldSpec, ModelSpec
from fastapi_expert.tools.boundary import tool_errors

__all__ = ["DESCRIPTION", "register"]

DESCRIPTION = f"""Write the Pydantic v2 schemas of a resource, and with `orm` its SQLAlchemy 2.0 model, from exactly one
of: `fields` (FieldSpecs: name, type, required, default, description, constraints, enum, unique, index; nested models
by PascalCase name, defined in `models`), `json_sample` (an example object: types, nested objects and lists of
objects, nulls (optional), and date-time/date/email/uuid/url strings are inferred) or `json_schema` ($defs/$ref,
required, enum, format, anyOf with null, constraints). Returns app/schemas/<name>.py with {{Name}}Base,
{{Name}}Create, {{Name}}Update (every field optional: apply `model_dump(exclude_unset=True)`) and {{Name}}Read (with
`id`; `from_attributes` with orm), plus app/models/<name>.py with orm. The files are validated in a reference FastAPI
app (ruff, review, import, start-up, a create and an update through them) before they are returned; nothing is
written. Samples and schemas are limited to {MAX_INPUT_BYTES:,} bytes."""


def _json_argument(value: JsonValue, argument: str) -> JsonValue:
    """A sample or schema passed as JSON text is parsed; anything else is taken as the value itself."""
    if not isinstance(value, str):
        return value
    if len(value.encode()) > MAX_INPUT_BYTES:
        raise SpecError(f"is {len(value.encode()):,} bytes; the limit is {MAX_INPUT_BYTES:,}", argument=argument)
    try:
        parsed: JsonValue = json.loads(value)
    except ValueError as exc:
        raise SpecError(f"is a string that is not JSON text ({exc}); pass the JSON object", argument=argument) from exc
    return parsed


def register(server: MCPServer) -> None:
    """Add ``write_schema``."""

    @server.tool(
        name="write_schema",
        title="Write Pydantic schemas (and an ORM model)",
        description=DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )
    async def write_schema_tool(
        name: Annotated[
            str, Field(min_length=1, max_length=64, description="The resource, PascalCase and singular (Order).")
        ],
        fields: Annotated[
            list[FieldSpec] | None, Field(max_length=MAX_FIELDS, description="The resource's fields.")
        ] = None,
        models: Annotated[
            list[ModelSpec] | None,
            Field(max_length=MAX_MODELS, description="Nested models that `fields` refer to by name (with `fields`)."),
        ] = None,
        json_sample: Annotated[
            JsonValue, Field(description="An example object (or a list of objects) to infer the fields from.")
        ] = None,
        json_schema: Annotated[
            dict[str, Any] | str | None, Field(description="A JSON schema of the object to generate from.")
        ] = None,
        orm: Annotated[bool, Field(description="Also write the SQLAlchemy 2.0 model (app/models/<name>.py).")] = False,
        id_type: Annotated[
            Literal["int", "uuid"] | None,
            Field(description="Type of {Name}Read.id (default int, or what the sample's or schema's id implies)."),
        ] = None,
        enum_style: Annotated[
            Literal["strenum", "literal"], Field(description="Enums as StrEnum classes or Literal aliases.")
        ] = "strenum",
        description: Annotated[
            str | None, Field(max_length=2000, description="Docstring of {Name}Base (shown in OpenAPI).")
        ] = None,
    ) -> WriteSchemaResult:
        with tool_errors():
            build = functools.partial(
                build_schema_spec,
                name,
                fields=fields,
                models=models,
                json_sample=_json_argument(json_sample, "json_sample"),
                json_schema=_json_argument(json_schema, "json_schema"),
                orm=orm,
                id_type=id_type,
                enum_style=enum_style,
                description=description,
            )
            spec, notes = await anyio.to_thread.run_sync(build)
            return await write_schema(spec, notes)
