"""MCP adapter: ``review_code``, ``explain_rule`` and the ``rules://`` resources."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Annotated

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.resources import FunctionResource
from mcp.types import ToolAnnotations
from pydantic import Field

from fastapi_expert.errors import InputError
from fastapi_expert.review.cache import default_cache_dir
from fastapi_expert.review.engine import MAX_FILE_BYTES, ReviewRequest, ReviewResult, review_code, review_paths
from fastapi_expert.review.explain import RuleDocumentation, document, explain
from fastapi_expert.review.registry import all_rules
from fastapi_expert.tools.boundary import resource_errors, tool_errors

__all__ = ["register"]

REVIEW_DESCRIPTION = """Review FastAPI code like a senior FastAPI engineer: FastAPI-aware rules of our own (blocking
calls in async routes, secrets leaking through response models, missing auth on mutating routes, SQL injection,
deprecated Pydantic v1 / on_event / regex= APIs, unbounded pagination, ...) plus a curated ruff selection, as one
list sorted by severity, each finding with its rule, span, message and (when offered) a fix as text edits — nothing
is written. Pass `code` (+ `filename`) for a snippet, or `paths` (files or folders under the server's working
directory). The summary comes first; `explain_rule` documents any rule code."""

EXPLAIN_DESCRIPTION = """Explain one review rule of fastapi-expert by code or name (e.g. FE001 or
blocking-call-in-async-endpoint): what it flags, why it is a problem, an example, what to write instead, and whether
its fix is safe."""

Patterns = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=60)]],
    Field(max_length=200, description="Rule codes, code prefixes (FE0, ASYNC) or rule names."),
]


def register(server: MCPServer, root: Path) -> None:
    """Add ``review_code`` (paths confined to ``root``), ``explain_rule``, and one ``rules://`` resource per rule."""

    @server.tool(
        name="review_code",
        title="Review FastAPI code",
        description=REVIEW_DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )
    async def review_code_tool(
        code: Annotated[
            str | None, Field(max_length=MAX_FILE_BYTES, description="Source to review (instead of `paths`).")
        ] = None,
        filename: Annotated[
            str, Field(min_length=1, max_length=255, description="Name the snippet is reviewed as.")
        ] = "main.py",
        paths: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=4096)]] | None,
            Field(max_length=1000, description="Files or folders under the server's working directory."),
        ] = None,
        select: Patterns | None = None,
        ignore: Patterns | None = None,
        max_findings: Annotated[int, Field(ge=1, le=10_000, description="How many findings to return at most.")] = 200,
    ) -> ReviewResult:
        with tool_errors():
            request = ReviewRequest(
                select=tuple(select or ()),
                ignore=tuple(ignore or ()),
                max_findings=max_findings,
                cache_dir=default_cache_dir(),
            )
            if code is not None and paths is None:
                checked = _checked_filename(filename)
                return await anyio.to_thread.run_sync(review_code, code, checked, request)
            if paths is None or code is not None:
                raise InputError("pass either `code` (with `filename`) or `paths`, not both", argument="code")
            if not paths:
                raise InputError("is empty; name at least one file or folder", argument="paths")
            return await anyio.to_thread.run_sync(review_paths, [Path(p) for p in paths], root, request)

    @server.tool(
        name="explain_rule",
        title="Explain a review rule",
        description=EXPLAIN_DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )
    def explain_rule(
        code: Annotated[str, Field(min_length=1, max_length=80, description="A rule code (FE001) or name.")],
    ) -> RuleDocumentation:
        with tool_errors():
            return explain(code)

    for rule in all_rules():
        documentation = document(rule)
        server.add_resource(
            FunctionResource(
                uri=f"rules://{rule.CODE}",
                name=rule.name(),
                title=f"{rule.CODE} {rule.name()}",
                description=f"{rule.MESSAGE} ({rule.SEVERITY.value})",
                mime_type="text/markdown",
                fn=_constant(documentation.documentation),
            )
        )

    @server.resource(
        "rules://{code}",
        name="rule",
        title="Review rule",
        description="One review rule's documentation by code (FE001) or name.",
        mime_type="text/markdown",
    )
    def rule_resource(code: str) -> str:
        with resource_errors():
            return explain(code).documentation


def _checked_filename(filename: str) -> str:
    pure = PurePosixPath(filename)
    if "\x00" in filename or pure.is_absolute() or ".." in pure.parts or not filename.endswith((".py", ".pyi")):
        raise InputError(f"{filename!r} must be a relative path ending in .py or .pyi", argument="filename")
    return filename


def _constant(text: str) -> Callable[[], str]:
    def read() -> str:
        return text

    return read
