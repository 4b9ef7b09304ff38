"""search_knowledge, called through the real MCP client, puts the right entry first for questions written the way
users ask them (including typos and synonyms)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mcp import Client

from fastapi_expert.server import build_server

pytestmark = pytest.mark.anyio

QUESTIONS = [
    ("read settings from environment variables and a .env file", "app-structure-settings"),
    ("create a shared httpx client at startup and close it on shutdown", "lifespan"),
    ("version my API with /v1 and /v2 prefixes", "routers-versioning"),
    ("separate create and update schemas so PATCH only changes sent fields", "pydantic-models"),
    ("validate that two password fields match", "pydantic-validators"),
    ("dependency with yield that cleans up after the request", "dependency-injection"),
    ("set up async_sessionmaker and an AsyncSession dependency", "async-sqlalchemy"),
    ("return 409 when a unique email already exists", "async-crud"),
    ("limit offset pagination with a total count", "pagination"),
    ("custom exception handler for my domain errors", "error-handling"),
    ("hide the hashed password from the response", "response-models"),
    ("login with username and password and get a JWT", "oauth2-jwt"),
    ("protect routes with an X-API-Key header", "api-keys"),
    ("admin only endpoints, roles and scopes", "scopes-roles"),
    ("CORS error from my React frontend", "cors-trusted-hosts"),
    ("429 too many requests per client", "rate-limiting"),
    ("chat rooms over websockets", "websockets"),
    ("send an email after the response has been returned", "background-tasks"),
    ("run long jobs in a worker with redis", "task-queue"),
    ("server-sent events stream", "streaming"),
    ("upload a file with a maximum size", "file-uploads"),
    ("add a timing header to every response", "middleware"),
    ("ETag and 304 Not Modified", "caching"),
    ("mock the current user in my tests", "testing-dependency-overrides"),
    ("async tests with httpx AsyncClient and ASGITransport", "testing-async-client"),
    ("separate test database rolled back after each test", "testing-database"),
    ("run in production with several workers", "deployment"),
    ("write a Dockerfile", "docker"),
    ("url_for gives http instead of https behind nginx", "behind-proxy"),
    ("correlation id for every request", "request-ids"),
    ("JSON logs", "structured-logging"),
    ("replace orm_mode and .dict() after upgrading pydantic", "migrate-pydantic-v2"),
    ("on_event startup is deprecated, what instead", "migrate-lifespan"),
    # typos and synonyms
    ("websokcet romos", "websockets"),
    ("pagnation", "pagination"),
    ("auth with jwt tokn", "oauth2-jwt"),
    ("ws disconnect", "websockets"),
]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[Client]:
    async with Client(build_server()) as client:
        yield client


@pytest.mark.parametrize(("question", "expected"), QUESTIONS)
async def test_expected_entry_comes_first(client: Client, question: str, expected: str) -> None:
    result = await client.call_tool("search_knowledge", {"query": question, "limit": 3})
    assert not result.is_error
    assert result.structured_content is not None
    ranked = [hit["id"] for hit in result.structured_content["results"]]
    assert ranked[0] == expected, ranked
