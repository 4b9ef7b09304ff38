"""``fastapi-expert knowledge search|show|list``: the curated patterns on the command line."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from fastapi_expert.cli.codes import EXIT_OK

if TYPE_CHECKING:
    from fastapi_expert.knowledge import KnowledgeBase

__all__ = ["add_parser"]


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    knowledge = verbs.add_parser("knowledge", help="search and read the curated FastAPI patterns")
    knowledge_verbs = knowledge.add_subparsers(title="knowledge commands", metavar="COMMAND", required=True)
    search = knowledge_verbs.add_parser("search", help="rank the entries for a question")
    search.add_argument("query", nargs="+", help="what you want to know, in plain words")
    search.add_argument("--limit", type=int, default=5, help="how many entries at most (1-50, default 5)")
    search.add_argument("--json", action="store_true", help="print the result as JSON")
    search.set_defaults(handler=_search)
    show = knowledge_verbs.add_parser("show", help="print one entry with its examples inlined")
    show.add_argument("id", help="the entry id (see `fastapi-expert knowledge search` or `knowledge list`)")
    show.set_defaults(handler=_show)
    listing = knowledge_verbs.add_parser("list", help="list every entry")
    listing.add_argument("--json", action="store_true", help="print the list as JSON")
    listing.set_defaults(handler=_list)


def _knowledge_base() -> KnowledgeBase:
    from fastapi_expert.bundled import bundled_dir
    from fastapi_expert.knowledge import KnowledgeBase

    return KnowledgeBase(bundled_dir("knowledge"))


def _search(args: argparse.Namespace) -> int:
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


def _show(args: argparse.Namespace) -> int:
    print(_knowledge_base().render(args.id), end="")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    patterns = _knowledge_base().patterns
    if args.json:
        entries = [{"id": p.id, "title": p.title, "uri": p.uri, "summary": p.meta.summary} for p in patterns]
        print(json.dumps(entries, indent=2))
        return EXIT_OK
    width = max((len(p.id) for p in patterns), default=0)
    for pattern in patterns:
        print(f"{pattern.id.ljust(width)}  {pattern.title}")
    return EXIT_OK
