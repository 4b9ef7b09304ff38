"""The server as a process: over stdio and over streamable HTTP, through the real SDK client."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from mcp import Client, StdioServerParameters

from tests.processes import http_server, server_env

pytestmark = pytest.mark.anyio

TOKEN = "s3cret-token-for-tests-0123456789"


async def exercise(client: Client) -> None:
    """The same conversation over every transport."""
    assert client.server_info is not None and client.server_info.name == "fastapi-expert"
    tools = (await client.list_tools()).tools
    assert "search_knowledge" in {tool.name for tool in tools}
    result = await client.call_tool("search_knowledge", {"query": "websocket rooms disconnect", "limit": 3})
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["results"][0]["id"] == "websockets"
    error = await client.call_tool("search_knowledge", {"query": ""})
    assert error.is_error and "query" in error.content[0].text
    resources = (await client.list_resources()).resources
    assert len(resources) >= 31
    prompts = (await client.list_prompts()).prompts
    assert len(prompts) >= 5


async def test_stdio() -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "fastapi_expert", "serve"], env=server_env({"PYTHONUNBUFFERED": "1"})
    )
    async with Client(params) as client:
        await exercise(client)


def test_stdio_keeps_stdout_for_the_protocol() -> None:
    """Every line the server writes to stdout is a JSON-RPC message; logs go to stderr."""
    request = (
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",'
        '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n'
    )
    completed = subprocess.run(
        [sys.executable, "-m", "fastapi_expert", "serve", "--log-level", "debug"],
        input=request.encode(),
        capture_output=True,
        env=server_env(),
        timeout=60,
        check=False,
    )
    lines = [line for line in completed.stdout.decode().splitlines() if line.strip()]
    assert lines, completed.stderr.decode()
    assert all(line.startswith(('{"jsonrpc":"2.0"', '{"id"')) for line in lines), lines
    assert '"serverInfo"' in lines[0]


async def test_http() -> None:
    with http_server() as server:
        async with Client(server.url) as client:
            await exercise(client)


async def test_http_refuses_a_foreign_host_header() -> None:
    with http_server() as server:
        async with httpx.AsyncClient() as http:
            response = await http.post(
                server.url,
                headers={"Host": "evil.example", "Content-Type": "application/json", "Accept": "application/json"},
                content=b'{"jsonrpc":"2.0","id":1,"method":"ping"}',
            )
            assert response.status_code == 421
            response = await http.post(
                server.url,
                headers={"Origin": "http://evil.example", "Content-Type": "application/json"},
                content=b'{"jsonrpc":"2.0","id":1,"method":"ping"}',
            )
            assert response.status_code == 403


async def test_http_with_a_token_refuses_requests_without_it() -> None:
    with http_server(env={"FASTAPI_EXPERT_TOKEN": TOKEN}) as server:
        async with httpx.AsyncClient() as http:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
                response = await http.post(
                    server.url, headers=headers, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}
                )
                assert response.status_code == 401
                assert response.headers["www-authenticate"].startswith("Bearer")
        authorized = httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
        from mcp.client.streamable_http import streamable_http_client

        async with authorized, Client(streamable_http_client(server.url, http_client=authorized)) as client:
            await exercise(client)


@pytest.mark.parametrize(
    ("arguments", "env", "message"),
    [
        (["--host", "0.0.0.0"], {}, "FASTAPI_EXPERT_TOKEN"),
        (["--host", "0.0.0.0"], {"FASTAPI_EXPERT_TOKEN": TOKEN}, "--allowed-host"),
        (["--host", "0.0.0.0", "--allowed-host", "mcp.example.com"], {}, "FASTAPI_EXPERT_TOKEN"),
        (["--port", "70000"], {}, "--port"),
        (["--host", "127.0.0.1"], {"FASTAPI_EXPERT_TOKEN": "short"}, "at least 16 characters"),
    ],
)
def test_http_refuses_to_start_unprotected(arguments, env, message) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "fastapi_expert", "serve", "--transport", "http", *arguments],
        capture_output=True,
        env=server_env(env),
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert message in completed.stderr.decode()
    assert "Traceback" not in completed.stderr.decode()


async def test_bearer_middleware_refuses_websockets_without_the_token() -> None:
    """Every connection type that reaches the app needs the token, not only plain HTTP requests."""
    from fastapi_expert.transport import BearerTokenMiddleware

    reached = []

    async def app(scope, receive, send) -> None:
        reached.append(scope["type"])

    sent = []

    async def send(message) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    middleware = BearerTokenMiddleware(app, TOKEN)
    await middleware({"type": "websocket", "headers": []}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]
    assert reached == []
    await middleware({"type": "websocket", "headers": [(b"authorization", f"Bearer {TOKEN}".encode())]}, receive, send)
    await middleware({"type": "lifespan"}, receive, send)
    assert reached == ["websocket", "lifespan"]
