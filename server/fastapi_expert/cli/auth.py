"""``fastapi-expert auth``: ``add_auth`` on the command line, and ``auth hash-password`` for the JWT scheme's user."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from fastapi_expert.cli.codes import EXIT_FINDINGS, EXIT_OK
from fastapi_expert.errors import InputError

__all__ = ["add_parser", "hash_password"]

_HASH_PASSWORD = "hash-password"  # noqa: S105 - a verb, not a secret


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    from fastapi_expert.codemods.schemes import SCHEME_NAMES

    auth = verbs.add_parser(
        "auth",
        help="protect a FastAPI module's or project's routes with an auth dependency (a codemod)",
        description="Add authentication to FILE (one module: prints the edited module and its new auth module) or "
        "DIR (a project: prints a unified diff, or writes with --write). `fastapi-expert auth hash-password` reads a "
        "password (stdin or a prompt without echo) and prints its argon2 hash for AUTH_PASSWORD_HASH.",
    )
    auth.add_argument("target", metavar="FILE|DIR|hash-password", help="a module, a project folder, or hash-password")
    auth.add_argument("--scheme", choices=SCHEME_NAMES, default="oauth2-password-jwt", help="the auth scheme")
    auth.add_argument(
        "--protect",
        action="append",
        metavar="WHAT",
        help='"mutating" (default), "all", or a route ("/items", "DELETE /items/{id}"); repeat for several routes',
    )
    auth.add_argument("--write", action="store_true", help="DIR: write the changes (all or nothing)")
    auth.add_argument("--check", action="store_true", help="exit 1 when changes are pending (nothing is written)")
    auth.add_argument("--json", action="store_true", help="print the result as JSON")
    auth.set_defaults(handler=_auth)


def _protect(values: list[str] | None) -> str | list[str]:
    if not values:
        return "mutating"
    if len(values) == 1 and values[0] in {"mutating", "all"}:
        return values[0]
    return values


def hash_password(password: str) -> str:
    """The argon2 hash pwdlib's recommended settings give ``password`` (what AUTH_PASSWORD_HASH holds)."""
    from pwdlib import PasswordHash

    if not password:
        raise InputError("is empty", argument="password")
    return PasswordHash.recommended().hash(password)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise InputError("the two entries differ", argument="password")
    return first


def _neighbours(module: Path) -> list[str]:
    """The files and folders next to ``module`` the auth module must not take: all but an auth module of ours."""
    from fastapi_expert.codemods.project import is_our_auth_module

    try:
        return sorted(path.name for path in module.parent.iterdir() if path != module and not is_our_auth_module(path))
    except OSError:
        return []


def _auth(args: argparse.Namespace) -> int:
    import anyio

    from fastapi_expert.codemods.service import add_auth

    if args.target == _HASH_PASSWORD:
        print(hash_password(_read_password()))
        return EXIT_OK
    target = Path(args.target)
    protect = _protect(args.protect)
    if target.is_dir():
        result = anyio.run(
            lambda: add_auth(
                project_dir=target, scheme=args.scheme, protect=protect, write=args.write and not args.check
            )
        )
    elif target.is_file():
        if args.write:
            raise InputError("--write needs a project folder; for one module the result is printed", argument="--write")
        try:
            source = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {target}: {exc}", argument="FILE") from exc
        taken = _neighbours(target)
        result = anyio.run(
            lambda: add_auth(source=source, filename=target.name, scheme=args.scheme, protect=protect, taken=taken)
        )
    else:
        raise InputError(f"{args.target} is neither a file nor a folder", argument="FILE|DIR")
    if args.json:
        print(result.model_dump_json(indent=2))
    elif result.written:
        for path in result.written:
            print(f"wrote {path}")
    elif target.is_dir():
        print(result.diff, end="")
    else:
        for file in result.files:
            print(f"# --- {file.path} ---")
            print(file.content, end="")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_FINDINGS if args.check and result.files else EXIT_OK
