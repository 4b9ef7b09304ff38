"""``fastapi-expert scaffold``: ``scaffold_endpoint`` on the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fastapi_expert.cli.codes import EXIT_OK

__all__ = ["add_parser"]


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    scaffold = verbs.add_parser(
        "scaffold",
        help="scaffold a REST resource (a whole project, or inside --project-dir), validated before it is printed",
        description="Generate a REST resource: a complete runnable project, or the resource added to an existing "
        "FastAPI project (a dry-run diff unless --write). Everything is validated first.",
    )
    scaffold.add_argument("resource", help="the resource, singular (order, blog_post)")
    scaffold.add_argument("--fields", required=True, metavar="JSON", help="a JSON list of FieldSpecs, or @FILE")
    scaffold.add_argument(
        "--ops", nargs="+", metavar="OP", help="operations: list read create update delete (default: all)"
    )
    scaffold.add_argument("--persistence", choices=["sqlalchemy", "sqlmodel", "memory"], default="sqlalchemy")
    scaffold.add_argument("--project-dir", metavar="DIR", help="add the resource to this FastAPI project")
    scaffold.add_argument("--write", action="store_true", help="with --project-dir: write the changes")
    scaffold.add_argument("--timestamps", action="store_true", help="add created_at and updated_at")
    scaffold.add_argument("--out", metavar="DIR", help="standalone: write the project under DIR (must be empty)")
    scaffold.add_argument("--json", action="store_true", help="print the result (files, diff, validation) as JSON")
    scaffold.set_defaults(handler=_scaffold)


def _scaffold(args: argparse.Namespace) -> int:
    import anyio
    from pydantic import TypeAdapter, ValidationError

    from fastapi_expert.cli.schema import _inline_or_file, _write
    from fastapi_expert.errors import InputError
    from fastapi_expert.generate.endpoint import build_endpoint_spec
    from fastapi_expert.generate.scaffold import scaffold_endpoint
    from fastapi_expert.generate.specs import FieldSpec, spec_error

    value = _inline_or_file(args.fields, "--fields")
    try:
        fields = TypeAdapter(list[FieldSpec]).validate_python(value)
    except ValidationError as exc:
        raise spec_error(exc, "--fields") from exc
    spec = build_endpoint_spec(
        args.resource, fields, operations=args.ops, persistence=args.persistence, timestamps=args.timestamps
    )
    if args.out is not None and (
        args.project_dir is not None or (Path(args.out).exists() and any(Path(args.out).iterdir()))
    ):
        raise InputError("must be a new or empty folder, and goes without --project-dir", argument="--out")
    project_dir = Path(args.project_dir) if args.project_dir is not None else None
    roots = [project_dir.resolve()] if project_dir is not None and project_dir.is_dir() else []
    result = anyio.run(lambda: scaffold_endpoint(spec, project_dir=project_dir, write=args.write, roots=roots))
    if args.out is not None:
        _write(Path(args.out), [(file.path, file.content) for file in result.files])
    if args.json:
        print(result.model_dump_json(indent=2))
        return EXIT_OK
    if args.out is not None:
        print(f"wrote {len(result.files)} files under {args.out}")
    elif result.written:
        for path in result.written:
            print(f"wrote {path}")
    else:
        print(result.diff, end="")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    failed = [step.name for step in result.validation.steps if not step.ok]
    print(
        f"validation: ok ({', '.join(s.name for s in result.validation.steps if s.ok)})"
        + (f"; not run: {', '.join(failed)}" if failed else ""),
        file=sys.stderr,
    )
    return EXIT_OK
