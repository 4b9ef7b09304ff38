"""MCP adapter: the ``search_knowledge`` tool and the ``knowledge://`` resources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.resources import FunctionResource
from mcp.types import ToolAnnotations
from pydantic import Field

from fastapi_expert.knowledge import MAX_LIMIT, MAX_QUERY_CHARS, KnowledgeBase, KnowledgeSearchResult
from fastapi_expert.tools.boundary import resource_errors, tool_errors

__all__ = ["register"]

DESCRIPTION = """Search fastapi-expert's curated, tested FastAPI patterns (settings, lifespan, routers, Pydantic v2,
dependency injection, async SQLAlchemy CRUD, pagination, errors, OAuth2/JWT, API keys, CORS, rate limiting,
WebSockets, background jobs, uploads, streaming, middleware, caching, testing, deployment, logging, migrations).
Ask in plain words ("how do I close the DB session after the request"); returns the best entries with a snippet.
Read the full entry, with its runnable example apps inlined, at the result's `uri` (knowledge://<id>)."""


def register(server: MCPServer, knowledge: KnowledgeBase) -> None:
    """Add the tool, ``knowledge://index``, one concrete resource per entry and the ``knowledge://{id}`` template."""

    @server.tool(
        name="search_knowledge",
        title="Search FastAPI patterns",
        description=DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )
    def search_knowledge(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=MAX_QUERY_CHARS,
                description="What you want to know, in plain words (typos and synonyms are fine).",
            ),
        ],
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="How many entries to return at most.")] = 5,
    ) -> KnowledgeSearchResult:
        with tool_errors():
            return knowledge.search(query, limit)

    @server.resource(
        "knowledge://index",
        name="knowledge-index",
        title="FastAPI patterns: index",
        description="Every knowledge entry with its uri, title and summary.",
        mime_type="text/markdown",
    )
    def knowledge_index() -> str:
        with resource_errors():
            return knowledge.render_index()

    for pattern in knowledge.patterns:
        server.add_resource(
            FunctionResource(
                uri=pattern.uri,
                name=pattern.id,
                title=pattern.title,
                description=pattern.meta.summary,
                mime_type="text/markdown",
                fn=_reader(knowledge, pattern.id),
            )
        )

    @server.resource(
        "knowledge://{id}",
        name="knowledge-entry",
        title="FastAPI pattern",
        description="One knowledge entry by id, its runnable examples inlined (knowledge://index lists the ids).",
        mime_type="text/markdown",
    )
    def knowledge_entry(id: str) -> str:
        with resource_errors():
            return knowledge.render(id)


def _reader(knowledge: KnowledgeBase, pattern_id: str) -> Callable[[], str]:
    def read() -> str:
        with resource_errors():
            return knowledge.render(pattern_id)

    return read
