"""``fastapi-expert docs LIBRARY TOPIC``: ``fetch_docs`` on the command line."""

from __future__ import annotations

import argparse
from typing import Any

from fastapi_expert.cli.codes import EXIT_OK

__all__ = ["add_parser"]


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    docs = verbs.add_parser(
        "docs",
        help="the docs of a library, for the version installed in this project (offline first)",
        description="Print the few sections of a library's docs most relevant to TOPIC: the installed package's API, "
        "docs shipped inside it, fastapi-expert's knowledge base, and the official docs online (cached).",
    )
    docs.add_argument("library", help="a distribution name (SQLAlchemy, PyJWT) or import name (sqlalchemy, jwt)")
    docs.add_argument("topic", nargs="+", help="what you want to know: an API name (AsyncSession.execute) or words")
    docs.add_argument("--version", dest="docs_version", metavar="V", help="another version than the installed one")
    docs.add_argument(
        "--offline", action="store_true", help="never fetch docs online (the same as FASTAPI_EXPERT_OFFLINE=1)"
    )
    docs.add_argument("--json", action="store_true", help="print the answer as JSON")
    docs.add_argument("--max-chars", type=int, default=None, metavar="N", help="at most N characters of docs")
    docs.set_defaults(handler=_docs)


def _docs(args: argparse.Namespace) -> int:
    import anyio

    from fastapi_expert.docs.service import fetch_docs

    async def answer() -> Any:
        return await fetch_docs(
            args.library, " ".join(args.topic), args.docs_version, args.max_chars, offline=args.offline or None
        )

    result = anyio.run(answer)
    if args.json:
        print(result.model_dump_json(indent=2))
        return EXIT_OK
    print(f"{result.library} {result.version}")
    for section in result.sections:
        where = section.url or section.path or ""
        cut = " (truncated)" if section.truncated else ""
        print(f"\n## {section.title}  [{section.source}{': ' + where if where else ''}]{cut}\n")
        print(section.content)
    return EXIT_OK
