"""Builds the MCP server: its instructions, tools, resources and prompts. No logic lives here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import MCPError
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import INVALID_PARAMS, GetPromptResult, InputRequiredResult

from fastapi_expert import __version__
from fastapi_expert.bundled import bundled_dir
from fastapi_expert.docs.service import DocsService
from fastapi_expert.knowledge import KnowledgeBase
from fastapi_expert.prompts import PromptLibrary
from fastapi_expert.tools import add_auth as add_auth_tool
from fastapi_expert.tools import fetch_docs, prompts, review_code, search_knowledge, validate_code, write_schema
from fastapi_expert.tools import scaffold_endpoint as scaffold_endpoint_tool

__all__ = ["INSTRUCTIONS", "SERVER_NAME", "ExpertServer", "build_server"]

SERVER_NAME = "fastapi-expert"

INSTRUCTIONS = """\
fastapi-expert answers FastAPI questions with current, tested practice (FastAPI with Annotated dependencies and
lifespan, Pydantic v2, pydantic-settings, async SQLAlchemy 2.0, PyJWT + pwdlib).
- Before writing or changing FastAPI code, call `search_knowledge` with the task in plain words, then read the best
  entry at its `knowledge://<id>` uri: every entry carries complete example apps that its tests run.
- `review_code` reviews FastAPI code (a snippet or files) for bugs, security holes and deprecated APIs; call it on
  code you wrote or were given before handing it back; `explain_rule` (or `rules://<code>`) explains a finding.
- `validate_code` runs files (e.g. app/routers/items.py) in a sandboxed copy of a reference FastAPI app: import,
  start-up, OpenAPI and a request per new route; call it on generated code before handing it back.
- Generators, each validated before it answers: `write_schema` (Pydantic Base/Create/Update/Read and the SQLAlchemy
  model from fields, a JSON sample or a JSON schema), `scaffold_endpoint` (a CRUD resource: a whole project, or
  added to the user's in its own style as a diff), `add_auth` (OAuth2+JWT, API key or HTTP Basic added to an
  existing app by a codemod that keeps the user's code; a diff unless `write`).
- `fetch_docs` gives the docs of a library for the version installed in the user's project, offline first.
- `knowledge://index` lists every entry. The prompts (review_pull_request, design_resource, secure_api,
  migrate_to_pydantic_v2, write_endpoint_tests, ...) start the common workflows.
Prefer what the entries show over older patterns you remember (on_event, orm_mode, python-jose, passlib, regex=)."""


class ExpertServer(MCPServer):
    """``MCPServer`` whose unknown prompt names are an invalid-params error naming the prompt (the SDK sends code 0)."""

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        known = [prompt.name for prompt in await self.list_prompts()]
        if name not in known:
            message = f"name: no prompt {name!r}; the prompts are {', '.join(sorted(known))}"
            raise MCPError(code=INVALID_PARAMS, message=message)
        return await super().get_prompt(name, arguments, context)


def build_server(
    *,
    knowledge_dir: Path | None = None,
    prompts_dir: Path | None = None,
    root: Path | None = None,
    allow_code_execution: bool = True,
    validate_timeout: float | None = None,
) -> MCPServer:
    """A server with every tool, resource and prompt registered (the folders default to the shipped ones; ``root``,
    the folder ``review_code`` may read, to the working directory). Without ``allow_code_execution`` (HTTP without
    ``--allow-code-execution``) ``validate_code`` is listed but refuses to run code; ``validate_timeout`` bounds its
    sandboxed steps (default: the harness' own)."""
    server = ExpertServer(
        name=SERVER_NAME,
        title="FastAPI expert",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://github.com/fastapi-expert/fastapi-expert",
    )
    knowledge = KnowledgeBase(knowledge_dir or bundled_dir("knowledge"))
    search_knowledge.register(server, knowledge)
    review_code.register(server, (root or Path.cwd()).resolve())
    add_auth_tool.register(server, (root or Path.cwd()).resolve())
    fetch_docs.register(server, DocsService(knowledge))
    validate_code.register(server, allow_code_execution=allow_code_execution, timeout=validate_timeout)
    write_schema.register(server)
    scaffold_endpoint_tool.register(server, (root or Path.cwd()).resolve(), allow_code_execution=allow_code_execution)
    prompts.register(server, PromptLibrary(prompts_dir or bundled_dir("prompts")))
    return server
