"""MCP adapter: the ``add_auth`` tool."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from fastapi_expert.codemods.result import AddAuthResult
from fastapi_expert.codemods.schemes import SCHEME_NAMES
from fastapi_expert.codemods.service import add_auth
from fastapi_expert.codemods.single import MAX_SOURCE_BYTES
from fastapi_expert.errors import InputError
from fastapi_expert.tools.boundary import tool_errors

__all__ = ["DESCRIPTION", "register"]

DESCRIPTION = f"""Secure FastAPI routes with an auth dependency, keeping the rest of the code byte-identical (a libcst
codemod). Give one module as `source` + `filename` (returns the edited module and a new auth module next to it) or a
`project_dir` under the server's working directory (the auth module goes where the project keeps security code,
every router module is edited, the tests get an `override_auth` fixture; a unified `diff`, written all or nothing
with `write=true`). `scheme`: {", ".join(SCHEME_NAMES)} (default oauth2-password-jwt: /token with
OAuth2PasswordRequestForm, PyJWT, pwdlib argon2, SECRET_KEY/AUTH_USERNAME/AUTH_PASSWORD_HASH; api-key: X-API-Key
against API_KEY; http-basic: AUTH_USERNAME/AUTH_PASSWORD). Secrets come from the environment, never the code.
`protect`: "mutating" (POST/PUT/PATCH/DELETE), "all", or a list of "/path" / "METHOD /path" matched against full
paths with router prefixes. Routes already protected by any scheme are left alone, so a second run changes nothing.
The generated auth code is validated in a reference app before it is returned."""


def register(server: MCPServer, root: Path) -> None:
    """Add ``add_auth`` (project folders confined to ``root``)."""

    @server.tool(
        name="add_auth",
        title="Add authentication to FastAPI routes",
        description=DESCRIPTION,
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
        ),
    )
    async def add_auth_tool(
        source: Annotated[
            str | None, Field(max_length=MAX_SOURCE_BYTES, description="One module's source (instead of project_dir).")
        ] = None,
        filename: Annotated[
            str, Field(min_length=1, max_length=255, description="The module's path, e.g. main.py or app/main.py.")
        ] = "main.py",
        project_dir: Annotated[
            str | None,
            Field(min_length=1, max_length=4096, description="A project folder under the server's working directory."),
        ] = None,
        scheme: Annotated[str, Field(max_length=64, description=f"One of {', '.join(SCHEME_NAMES)}.")] = (
            "oauth2-password-jwt"
        ),
        protect: Annotated[
            Literal["mutating", "all"] | list[Annotated[str, Field(min_length=1, max_length=2048)]],
            Field(description='"mutating", "all", or route patterns like "/items" or "DELETE /items/{id}".'),
        ] = "mutating",
        write: Annotated[bool, Field(description="With project_dir: write the changes (all or nothing).")] = False,
        neighbours: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=255)]],
            Field(
                max_length=10_000,
                description="With source: the names of the files and folders next to the module, so that the new "
                "auth module (auth.py, else security.py or fastapi_auth.py) does not take one of the user's.",
            ),
        ] = [],  # noqa: B006 - the tool's schema default; never mutated
    ) -> AddAuthResult:
        with tool_errors():
            directory = _confined(root, project_dir) if project_dir is not None else None
            return await add_auth(
                source=source,
                filename=filename,
                project_dir=directory,
                scheme=scheme,
                protect=protect,
                write=write,
                taken=neighbours,
            )


def _confined(root: Path, project_dir: str) -> Path:
    resolved_root = root.resolve()
    candidate = Path(project_dir)
    resolved = (candidate if candidate.is_absolute() else resolved_root / candidate).resolve()
    if resolved != resolved_root and not resolved.is_relative_to(resolved_root):
        raise InputError(f"{project_dir!r} is outside the server's working directory", argument="project_dir")
    return resolved
