"""The ``fastapi-expert`` command: argument parsing, output, and the one mapping from errors to exit codes.

Exit codes (DESIGN.md, one table for every verb): 0 clean; 1 findings at or above ``--fail-on``, a failed validation,
or changes pending under ``--check``; 2 usage error or bad input; 3 internal error (a bug: the message asks for a
report).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from fastapi_expert import __version__
from fastapi_expert.errors import FastAPIExpertError

if TYPE_CHECKING:
    from fastapi_expert.knowledge import KnowledgeBase

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "exit_code_for", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

Handler = Callable[[argparse.Namespace], int]


def exit_code_for(error: BaseException) -> int:
    """The exit code an error ends the command with: 2 for bad input, 3 for anything that is our bug."""
    if isinstance(error, FastAPIExpertError) and error.is_input_error:
        return EXIT_USAGE
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except FastAPIExpertError as exc:
        code = exit_code_for(exc)
        prefix = "error" if code == EXIT_USAGE else "internal error (please report it)"
        print(f"fastapi-expert: {prefix}: {exc}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("FASTAPI_EXPERT_DEBUG"):
            raise
        print(
            f"fastapi-expert: internal error (please report it, with FASTAPI_EXPERT_DEBUG=1 for the traceback): "
            f"{type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastapi-expert",
        description="A FastAPI expert: an MCP server for AI assistants, and the same capabilities on the command line.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbs = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = verbs.add_parser("serve", help="run the MCP server (stdio by default)")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP: address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="HTTP: port (default 8765)")
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="HTTP: a Host header value clients use (repeatable; required off loopback, with FASTAPI_EXPERT_TOKEN)",
    )
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default="warning")
    serve.set_defaults(handler=_serve)

    knowledge = verbs.add_parser("knowledge", help="search and read the curated FastAPI patterns")
    knowledge_verbs = knowledge.add_subparsers(title="knowledge commands", metavar="COMMAND", required=True)
    search = knowledge_verbs.add_parser("search", help="rank the entries for a question")
    search.add_argument("query", nargs="+", help="what you want to know, in plain words")
    search.add_argument("--limit", type=int, default=5, help="how many entries at most (1-50, default 5)")
    search.add_argument("--json", action="store_true", help="print the result as JSON")
    search.set_defaults(handler=_knowledge_search)
    show = knowledge_verbs.add_parser("show", help="print one entry with its examples inlined")
    show.add_argument("id", help="the entry id (see `fastapi-expert knowledge search` or `knowledge list`)")
    show.set_defaults(handler=_knowledge_show)
    listing = knowledge_verbs.add_parser("list", help="list every entry")
    listing.add_argument("--json", action="store_true", help="print the list as JSON")
    listing.set_defaults(handler=_knowledge_list)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from fastapi_expert import transport

    transport.configure_logging(args.log_level.upper())
    if args.transport == "stdio":
        transport.run_stdio()
        return EXIT_OK
    options = transport.HttpOptions(
        host=args.host,
        port=args.port,
        allowed_hosts=tuple(args.allowed_host),
        token=os.environ.get(transport.BEARER_ENV) or None,
    )
    options.check()
    transport.run_http(options, log_level=args.log_level)
    return EXIT_OK


def _knowledge_base() -> KnowledgeBase:
    from fastapi_expert.bundled import bundled_dir
    from fastapi_expert.knowledge import KnowledgeBase

    return KnowledgeBase(bundled_dir("knowledge"))


def _knowledge_search(args: argparse.Namespace) -> int:
    result = _knowledge_base().search(" ".join(args.query), args.limit)
    if args.json:
        print(result.model_dump_json(indent=2))
        return EXIT_OK
    if not result.results:
        print("no entry matches; try other words, or `fastapi-expert knowledge list`")
    for rank, hit in enumerate(result.results, start=1):
        print(f"{rank}. {hit.title}  [{hit.id}]  score {hit.score}")
        print(f"   {hit.snippet}")
    return EXIT_OK


def _knowledge_show(args: argparse.Namespace) -> int:
    print(_knowledge_base().render(args.id), end="")
    return EXIT_OK


def _knowledge_list(args: argparse.Namespace) -> int:
    patterns = _knowledge_base().patterns
    if args.json:
        entries = [{"id": p.id, "title": p.title, "uri": p.uri, "summary": p.meta.summary} for p in patterns]
        print(json.dumps(entries, indent=2))
        return EXIT_OK
    width = max((len(p.id) for p in patterns), default=0)
    for pattern in patterns:
        print(f"{pattern.id.ljust(width)}  {pattern.title}")
    return EXIT_OK
