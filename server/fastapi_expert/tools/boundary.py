"""The one place where this package's errors become MCP errors.

A ``FastAPIExpertError`` raised by a service reaches the client as a tool error (``isError``) carrying the error's own
message, which names the argument and the problem. Anything else is a bug: it propagates, the SDK logs its traceback
on the server and shows the client only ``Error executing tool <name>``, so no traceback ever leaves the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mcp import MCPError
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS

from fastapi_expert.errors import FastAPIExpertError, InputError, PatternNotFound

__all__ = ["prompt_errors", "resource_errors", "tool_errors"]


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn a ``FastAPIExpertError`` into a ``ToolError`` with the same message."""
    try:
        yield
    except FastAPIExpertError as exc:
        raise ToolError(str(exc)) from exc


@contextmanager
def resource_errors() -> Iterator[None]:
    """Turn a ``FastAPIExpertError`` into a ``ResourceError`` (``ResourceNotFoundError`` for an unknown id)."""
    try:
        yield
    except (PatternNotFound, InputError) as exc:
        raise ResourceNotFoundError(str(exc)) from exc
    except FastAPIExpertError as exc:
        raise ResourceError(str(exc)) from exc


@contextmanager
def prompt_errors() -> Iterator[None]:
    """Turn a ``FastAPIExpertError`` into a protocol error: invalid params for bad input, internal otherwise."""
    try:
        yield
    except FastAPIExpertError as exc:
        raise MCPError(code=INVALID_PARAMS if exc.is_input_error else INTERNAL_ERROR, message=str(exc)) from exc
