"""MCP adapter: the ``fetch_docs`` tool."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from fastapi_expert.docs.models import DocsAnswer
from fastapi_expert.docs.service import (
    DEFAULT_MAX_CHARS,
    MAX_LIBRARY_CHARS,
    MAX_MAX_CHARS,
    MAX_TOPIC_CHARS,
    MAX_VERSION_CHARS,
    MIN_MAX_CHARS,
    DocsService,
)
from fastapi_expert.tools.boundary import tool_errors

__all__ = ["register"]

DESCRIPTION = """Documentation of a Python library for the version installed in the user's project, offline first.
Ask about one thing ("dependencies with yield", "field_validator", "AsyncSession.execute", "lifespan"); returns the
few most relevant sections, each labelled with its source: `installed` (signatures and docstrings read from the
installed package, FastAPI's Doc() parameter docs included), `bundled` (docs shipped inside the package, such as
FastAPI's own skill), `knowledge` (fastapi-expert's tested patterns), `online` (the official docs, cached: the markdown
sources at the version's tag, or the site's llms.txt index when no version is known). `version` is the installed one
unless you ask for another (which needs the online docs)."""


def register(server: MCPServer, service: DocsService) -> None:
    """Add the ``fetch_docs`` tool, answered by ``service``."""

    @server.tool(
        name="fetch_docs",
        title="Fetch library docs",
        description=DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True),
    )
    async def fetch_docs(
        library: Annotated[
            str,
            Field(
                min_length=1,
                max_length=MAX_LIBRARY_CHARS,
                description="A distribution name (SQLAlchemy, PyJWT, fastapi-users) or import name (sqlalchemy, jwt).",
            ),
        ],
        topic: Annotated[
            str,
            Field(
                min_length=1,
                max_length=MAX_TOPIC_CHARS,
                description="What you want to know: an API name (AsyncSession.execute) or a few words.",
            ),
        ],
        version: Annotated[
            str | None,
            Field(
                max_length=MAX_VERSION_CHARS,
                description="A version other than the installed one (fetched online); omit for the installed one.",
            ),
        ] = None,
        max_chars: Annotated[
            int,
            Field(ge=MIN_MAX_CHARS, le=MAX_MAX_CHARS, description="The most characters of docs to return."),
        ] = DEFAULT_MAX_CHARS,
    ) -> DocsAnswer:
        with tool_errors():
            return await service.fetch_docs(library, topic, version, max_chars)
