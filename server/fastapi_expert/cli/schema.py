"""``fastapi-expert schema``: ``write_schema`` on the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi_expert.cli.codes import EXIT_OK
from fastapi_expert.errors import InputError

__all__ = ["add_parser"]


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    schema = verbs.add_parser(
        "schema",
        help="write the Pydantic schemas (and SQLAlchemy model) of a resource, validated in a reference app",
        description="Write {Name}Base/Create/Update/Read (and with --orm the SQLAlchemy model) from fields, a JSON "
        "sample or a JSON schema. The files are validated in a reference FastAPI app before they are printed.",
    )
    schema.add_argument("--name", required=True, help="the resource, PascalCase and singular (Order)")
    source = schema.add_mutually_exclusive_group(required=True)
    source.add_argument("--fields", metavar="JSON", help="a JSON list of FieldSpecs, or @FILE to read it from a file")
    source.add_argument("--json-sample", metavar="FILE", help="a JSON file holding an example object (- for stdin)")
    source.add_argument("--json-schema", metavar="FILE", help="a JSON schema file (- for stdin)")
    schema.add_argument("--models", metavar="JSON", help="with --fields: a JSON list of nested models, or @FILE")
    schema.add_argument("--orm", action="store_true", help="also write the SQLAlchemy 2.0 model")
    schema.add_argument("--id-type", choices=["int", "uuid"], help="type of {Name}Read.id (default int)")
    schema.add_argument(
        "--enum-style", choices=["strenum", "literal"], default="strenum", help="enums as StrEnum or Literal"
    )
    schema.add_argument("--description", help="docstring of {Name}Base")
    schema.add_argument("--json", action="store_true", help="print the result (files, validation, notes) as JSON")
    schema.add_argument("--out", metavar="DIR", help="write the files under DIR (atomically) instead of printing them")
    schema.set_defaults(handler=_schema)


def _read_json(text: str, argument: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"is not JSON: {exc}", argument=argument) from exc


def _file_text(path: str, argument: str) -> str:
    from fastapi_expert.generate.jsonschema_import import MAX_INPUT_BYTES

    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        try:
            with Path(path).open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}", argument=argument) from exc
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{path} is larger than the limit of {MAX_INPUT_BYTES:,} bytes", argument=argument)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 (byte {exc.start})", argument=argument) from exc


def _inline_or_file(value: str, argument: str) -> Any:
    text = _file_text(value[1:], argument) if value.startswith("@") else value
    return _read_json(text, argument)


def _schema(args: argparse.Namespace) -> int:
    import anyio
    from pydantic import TypeAdapter, ValidationError

    from fastapi_expert.generate.schema import build_schema_spec, write_schema
    from fastapi_expert.generate.specs import FieldSpec, ModelSpec, spec_error

    fields = models = sample = schema = None
    if args.fields is not None:
        value = _inline_or_file(args.fields, "--fields")
        try:
            fields = TypeAdapter(list[FieldSpec]).validate_python(value)
        except ValidationError as exc:
            raise spec_error(exc, "--fields") from exc
    if args.models is not None:
        value = _inline_or_file(args.models, "--models")
        try:
            models = TypeAdapter(list[ModelSpec]).validate_python(value)
        except ValidationError as exc:
            raise spec_error(exc, "--models") from exc
    if args.json_sample is not None:
        sample = _read_json(_file_text(args.json_sample, "--json-sample"), "--json-sample")
    if args.json_schema is not None:
        schema = _read_json(_file_text(args.json_schema, "--json-schema"), "--json-schema")
    spec, notes = build_schema_spec(
        args.name,
        fields=fields,
        models=models,
        json_sample=sample,
        json_schema=schema,
        orm=args.orm,
        id_type=args.id_type,
        enum_style=args.enum_style,
        description=args.description,
    )
    result = anyio.run(write_schema, spec, notes)
    if args.out is not None:
        _write(Path(args.out), [(file.path, file.content) for file in result.files])
    if args.json:
        print(result.model_dump_json(indent=2))
        return EXIT_OK
    if args.out is not None:
        for file in result.files:
            print(f"wrote {Path(args.out) / file.path}")
    else:
        for file in result.files:
            print(f"# --- {file.path} ---")
            print(file.content, end="")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def _write(root: Path, files: list[tuple[str, str]]) -> None:
    """Write every file or none: each goes to a temporary file beside it first, then all are renamed into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for relative, content in files:
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(content)
            staged.append((Path(name), target))
        for temporary, target in staged:
            temporary.replace(target)
    except OSError as exc:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write under {root}: {exc.strerror or exc}", argument="--out") from exc
