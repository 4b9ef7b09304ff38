"""MCP adapter: ``validate_code``, which runs files in a sandboxed copy of the reference app."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from fastapi_expert.tools.boundary import tool_errors
from fastapi_expert.validate.harness import validate_files
from fastapi_expert.validate.models import STEP_NAMES, ValidationReport
from fastapi_expert.validate.overlay import MAX_FILE_BYTES, MAX_FILES, checked_files

__all__ = ["DISABLED_MESSAGE", "FileInput", "register"]

DESCRIPTION = """Check FastAPI code by running it: the files are laid over a copy of fastapi-expert's reference
FastAPI app (app/main.py, app/routers/ - every module with a `router` is included, app/models/, app/schemas/,
app/database.py with SessionDep, SQLite) and run in a sandbox (no network, memory/CPU/process limits, killed on
timeout). Steps, stopping at the first failure: syntax, ruff, our review (errors fail), import, app start-up,
OpenAPI build, one request per new route checked against its schema, and with `fuzz` schemathesis. Returns each
step's result; a failed step's detail is the real error (traceback of your code). ok=false is a normal answer."""

DISABLED_MESSAGE = (
    "validate_code runs the code it is given, which this server does not allow over HTTP unless it was started with "
    "`fastapi-expert serve --transport http --allow-code-execution` (stdio servers allow it)"
)


class FileInput(BaseModel):
    """One file to lay over the reference app."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        min_length=1,
        max_length=255,
        description="Relative POSIX path inside the app, e.g. app/routers/items.py or app/schemas/item.py.",
    )
    content: str = Field(max_length=MAX_FILE_BYTES, description="The whole file.")


def register(server: MCPServer, *, allow_code_execution: bool, timeout: float | None = None) -> None:
    """Add ``validate_code``; when ``allow_code_execution`` is false it stays listed but every call is refused.
    ``timeout`` bounds the sandboxed steps of each call (default: the harness' own)."""

    @server.tool(
        name="validate_code",
        title="Validate FastAPI code in a sandbox",
        description=DESCRIPTION,
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
        ),
    )
    async def validate_code(
        files: Annotated[
            list[FileInput],
            Field(min_length=1, max_length=MAX_FILES, description="The files, with paths relative to the app root."),
        ],
        # Bare on purpose: `Context[Any, Any]`, evaluated from this module's annotations, would make pydantic
        # register the parametrized class in this module's namespace.
        ctx: Context,
        fuzz: Annotated[
            bool, Field(description="Also fuzz the new routes with schemathesis (slower: up to minutes).")
        ] = False,
    ) -> ValidationReport:
        if not allow_code_execution:
            raise ToolError(DISABLED_MESSAGE)
        total = len([name for name in STEP_NAMES if fuzz or name != "fuzz"])

        async def progress(step: str) -> None:
            position = STEP_NAMES.index(step) if step in STEP_NAMES else 0
            await ctx.report_progress(position, total, f"{step}...")

        with tool_errors():
            checked = checked_files([(file.path, file.content) for file in files])
            return await validate_files(checked, fuzz=fuzz, timeout=timeout, on_progress=progress)
