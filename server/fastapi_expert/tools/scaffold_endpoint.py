"""MCP adapter: the ``scaffold_endpoint`` tool."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from fastapi_expert.generate.endpoint import build_endpoint_spec
from fastapi_expert.generate.scaffold import ScaffoldResult, scaffold_endpoint
from fastapi_expert.generate.specs import FieldSpec
from fastapi_expert.tools.boundary import tool_errors

__all__ = ["DESCRIPTION", "DISABLED_MESSAGE", "register"]

DESCRIPTION = """Scaffold a REST resource that runs: model, Pydantic schemas, router and tests. Without `project_dir`
it returns a complete project (app.main:app, pydantic-settings with DATABASE_URL defaulting to SQLite, async
SQLAlchemy 2.0 / SQLModel / in-memory persistence, pytest suite, pyproject.toml); with `project_dir` (under the
server's working directory) it adds the resource to that FastAPI project in its own style (its session dependency and
Base, its routers folder, the include next to the others, an Alembic revision when it uses Alembic) and returns the
diff, writing only with `write=true`. Routes: POST /{plural}/ (201), GET /{plural}/ ({items, total, skip, limit},
limit <= 100, exact-match filters on indexed/unique fields), GET/PATCH/DELETE /{plural}/{id} (404 when missing,
PATCH partial, DELETE 204), 409 on a taken unique value. Everything is validated (sandboxed app, round trip, the
project's own tests) before it is returned; a failed validation is an error naming the step."""

DISABLED_MESSAGE = (
    "scaffold_endpoint validates by running the generated code, which this server does not allow: start it with "
    "--allow-code-execution"
)


def register(server: MCPServer, root: Path, *, allow_code_execution: bool = True) -> None:
    """Add ``scaffold_endpoint`` (``project_dir`` confined to ``root``)."""

    @server.tool(
        name="scaffold_endpoint",
        title="Scaffold a REST resource",
        description=DESCRIPTION,
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
        ),
    )
    async def scaffold_endpoint_tool(
        resource: Annotated[
            str, Field(min_length=1, max_length=40, description="The resource, singular (order, blog_post).")
        ],
        fields: Annotated[list[FieldSpec], Field(max_length=100, description="The resource's fields (no `id`).")],
        operations: Annotated[
            list[str] | None,
            Field(max_length=5, description="Subset of list, read, create, update, delete (default: all)."),
        ] = None,
        persistence: Annotated[
            Literal["sqlalchemy", "sqlmodel", "memory"],
            Field(description="Async SQLAlchemy 2.0 (default), SQLModel, or an in-memory store."),
        ] = "sqlalchemy",
        project_dir: Annotated[
            str | None, Field(max_length=4096, description="A FastAPI project to add the resource to.")
        ] = None,
        write: Annotated[bool, Field(description="With project_dir: write the changes (else a dry-run diff).")] = False,
        timestamps: Annotated[bool, Field(description="Add timezone-aware created_at and updated_at.")] = False,
    ) -> ScaffoldResult:
        if not allow_code_execution:
            raise ToolError(DISABLED_MESSAGE)
        with tool_errors():
            spec = await anyio.to_thread.run_sync(
                lambda: build_endpoint_spec(
                    resource, fields, operations=operations, persistence=persistence, timestamps=timestamps
                )
            )
            directory = Path(project_dir) if project_dir is not None else None
            return await scaffold_endpoint(spec, project_dir=directory, write=write, roots=[root])
