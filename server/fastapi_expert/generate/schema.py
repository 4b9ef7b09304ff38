"""``write_schema``: a resource's pydantic schemas (and, with ``orm``, its SQLAlchemy model) from fields, a JSON
sample or a JSON schema, validated in the reference app before they are returned.

``build_schema_spec`` turns the arguments into one ``SchemaSpec`` (whatever the source, the same spec, so the same
templates); ``generate_schema`` renders it (``app/schemas/{name}.py``, ``app/models/{name}.py``); ``write_schema``
validates those files together with a probe router that is never returned: it creates through ``{Name}Create`` and
answers ``{Name}Read`` (with ``orm``, through a real row, so ``from_attributes`` is exercised) and partially updates
through ``{Name}Update``.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import anyio
from pydantic import BaseModel, Field, JsonValue, ValidationError

from fastapi_expert.errors import SpecError
from fastapi_expert.generate.inference import import_json_sample
from fastapi_expert.generate.jsonschema_import import ImportedSchema, import_json_schema
from fastapi_expert.generate.layout import SchemaLayout, layout
from fastapi_expert.generate.render import render_python
from fastapi_expert.generate.specs import FieldSpec, ModelSpec, SchemaSpec, is_pascal_case, spec_error
from fastapi_expert.models import GeneratedFile
from fastapi_expert.validate.models import ValidationReport

__all__ = [
    "WriteSchemaResult",
    "build_schema_spec",
    "generate_schema",
    "probe_files",
    "schema_paths",
    "write_schema",
]

#: The reference app's sample resource: a generated resource with the same module or table name replaces it while
#: it is validated.
_SAMPLE_RESOURCE = ("app/models/note.py", "app/schemas/note.py", "app/routers/notes.py")


class WriteSchemaResult(BaseModel):
    """The generated files, the validation they passed, the classes they define, and notes on choices made."""

    files: list[GeneratedFile] = Field(description="app/schemas/<name>.py, and app/models/<name>.py with orm.")
    validation: ValidationReport = Field(description="The validation the files passed in the reference app.")
    classes: list[str] = Field(description="The classes the schema module defines, in order.")
    notes: list[str] = Field(
        default_factory=list, description="Renamed fields (with their aliases), approximated types, write-only fields."
    )


def build_schema_spec(
    name: str,
    *,
    fields: Sequence[FieldSpec] | None = None,
    models: Sequence[ModelSpec] | None = None,
    json_sample: JsonValue = None,
    json_schema: JsonValue = None,
    orm: bool = False,
    id_type: Literal["int", "uuid"] | None = None,
    enum_style: Literal["strenum", "literal"] = "strenum",
    description: str | None = None,
) -> tuple[SchemaSpec, list[str]]:
    """The spec of exactly one source (``fields``, ``json_sample`` or ``json_schema``) and the notes of its import;
    ``SpecError`` naming the argument otherwise."""
    if not is_pascal_case(name):
        raise SpecError(f"{name!r} is not a PascalCase class name (like Order or BlogPost)", argument="name")
    sources = (("fields", fields), ("json_sample", json_sample), ("json_schema", json_schema))
    given = [argument for argument, value in sources if value is not None]
    if len(given) != 1:
        detail = f"got {' and '.join(given)}" if given else "got none"
        raise SpecError(f"pass exactly one of fields, json_sample or json_schema ({detail})", argument="fields")
    if models and fields is None:
        raise SpecError("go with `fields` (a sample or schema brings its own nested models)", argument="models")
    notes: list[str] = []
    if fields is not None:
        imported = ImportedSchema(list(fields), list(models or ()))
    elif json_sample is not None:
        imported = import_json_sample(json_sample, name=name)
    else:
        imported = import_json_schema(json_schema, name=name)
    notes += imported.notes
    try:
        spec = SchemaSpec(
            name=name,
            fields=imported.fields,
            models=imported.models,
            description=description,
            orm=orm,
            id_type=id_type or imported.id_type or "int",
            enum_style=enum_style,
        )
    except ValidationError as exc:
        error = spec_error(exc)
        if fields is None:  # the locations are ours, not the caller's: name the argument they gave
            argument = "json_sample" if json_sample is not None else "json_schema"
            raise SpecError(error.message.split(": ", 1)[-1], argument=argument) from exc
        raise error from exc
    return spec, notes


def schema_paths(spec: SchemaSpec) -> tuple[str, str]:
    """Where the schema module and the ORM module go."""
    return f"app/schemas/{spec.snake_name}.py", f"app/models/{spec.snake_name}.py"


def generate_schema(spec: SchemaSpec) -> list[GeneratedFile]:
    """The schema module, and with ``orm`` the ORM module, rendered and formatted."""
    return _generate(spec, layout(spec))


def _generate(spec: SchemaSpec, view: SchemaLayout) -> list[GeneratedFile]:
    schema_path, model_path = schema_paths(spec)
    files = [
        GeneratedFile(
            path=schema_path, content=render_python("schema.py.j2", filename=schema_path, spec=spec, layout=view)
        )
    ]
    if spec.orm:
        content = render_python("orm_model.py.j2", filename=model_path, spec=spec, layout=view)
        files.append(GeneratedFile(path=model_path, content=content))
    return files


def probe_files(spec: SchemaSpec) -> list[GeneratedFile]:
    """The probe router that exercises the schemas in the reference app (validation only, never returned)."""
    path = f"app/routers/probe_{spec.snake_name}.py"
    through_json = [f.name for f in spec.fields if f.field_type.is_json_column or f.field_type.item == "url"]
    json_include = "{" + ", ".join(repr(name) for name in through_json) + "}" if through_json else ""
    content = render_python(
        "probe_router.py.j2",
        filename=path,
        spec=spec,
        prefix=f"/probe/{spec.snake_name}",
        id_uuid=spec.id_type == "uuid",
        json_include=json_include,
    )
    return [GeneratedFile(path=path, content=content)]


def _classes(view: SchemaLayout) -> list[str]:
    name = view.spec.name
    return [
        *(enum.name for enum in view.enums),
        *(model.name for model in view.models),
        f"{name}Base",
        f"{name}Create",
        f"{name}Update",
        f"{name}Read",
    ]


async def write_schema(spec: SchemaSpec, notes: Sequence[str] = ()) -> WriteSchemaResult:
    """Generate the files of ``spec`` and validate them with the probe in the reference app; ``ValidationFailed``
    (naming the step) when they fail, which is our bug."""
    from fastapi_expert.validate.harness import validate_files
    from fastapi_expert.validate.reference import copy_reference_app

    view = layout(spec)
    files = await anyio.to_thread.run_sync(_generate, spec, view)
    probe = await anyio.to_thread.run_sync(probe_files, spec)
    replaced = spec.snake_name == "note" or view.table_name == "notes"

    def reference(dest: Path) -> Path:
        root = copy_reference_app(dest)
        if replaced:
            for path in _SAMPLE_RESOURCE:
                (root / path).unlink(missing_ok=True)
            shutil.rmtree(root / "tests", ignore_errors=True)
        return root

    report = await validate_files([*files, *probe], reference=reference)
    report.raise_for_failure()
    return WriteSchemaResult(files=files, validation=report, classes=_classes(view), notes=[*notes, *view.notes])
