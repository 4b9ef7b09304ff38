"""Load over HTTP: 50 concurrent clients, each with its own session, calling tools at once against one server on
127.0.0.1. Bounded: 50 clients x 4 calls per round, 3 rounds, each round under a time limit that only catches hangs."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.processes import http_server

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CLIENTS = 50
CALLS = 4
ROUNDS = 3
QUERIES = ["websocket rooms", "dependency with yield", "paginate with limit", "jwt login", "cors origins"]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def one_client(url: str, number: int, answers: dict[int, list[str]]) -> None:
    async with Client(url) as client:
        seen = answers.setdefault(number, [])
        for call in range(CALLS):
            query = f"{QUERIES[(number + call) % len(QUERIES)]} client{number}call{call}"
            result = await client.call_tool("search_knowledge", {"query": query, "limit": 3})
            assert not result.is_error, result.content
            assert result.structured_content is not None
            seen.append(result.structured_content["query"])
            assert result.structured_content["results"], query


async def one_round(url: str) -> dict[int, list[str]]:
    answers: dict[int, list[str]] = {}
    with anyio.fail_after(240):
        async with anyio.create_task_group() as group:
            for number in range(CLIENTS):
                group.start_soon(one_client, url, number, answers)
    return answers


async def test_fifty_concurrent_sessions() -> None:
    with http_server() as server:
        await one_round(server.url)  # warm-up: imports, caches, the search index
        idle = rss_kib(server.process.pid)
        for _ in range(ROUNDS):
            answers = await one_round(server.url)
            # Every call answered, and each client got the answers to its own questions: no cross-talk.
            assert sorted(answers) == list(range(CLIENTS))
            for number, queries in answers.items():
                assert queries == [
                    f"{QUERIES[(number + call) % len(QUERIES)]} client{number}call{call}" for call in range(CALLS)
                ]
        after = rss_kib(server.process.pid)
    # Stateless sessions leave nothing behind: memory after three more rounds is back at the warmed-up idle level
    # (allowing 10% for allocator noise).
    assert after <= idle * 1.10, f"RSS grew from {idle} KiB to {after} KiB"
