"""No docs to give is a clear error naming the library, topic and what was tried: CLI exit 2, MCP tool error.

The network is a MockTransport that fails (connection refused, timeout) or answers off the allow-list; the CLI and the
MCP server build their own ``DocsService``, so the default client factory is replaced for the duration of each test,
and they run from a fake project whose virtualenv has nothing installed (whatever the test environment holds).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
from mcp import Client

from fastapi_expert.cli import EXIT_INTERNAL, EXIT_USAGE, main
from fastapi_expert.docs import fetcher
from fastapi_expert.docs.environment import PythonEnvironment
from fastapi_expert.docs.unavailable import DocsUnavailable
from fastapi_expert.errors import DocsFetchError, InputError
from fastapi_expert.server import build_server
from tests.docs.conftest import Recorder
from tests.docs.test_online import online_service

SQLMODEL_NAV = "https://raw.githubusercontent.com/fastapi/sqlmodel/main/mkdocs.yml"


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def timed_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("read timed out", request=request)


def off_the_allow_list(request: httpx.Request) -> httpx.Response:
    return httpx.Response(302, headers={"location": "https://mirror.example.net/mkdocs.yml"})


@pytest.fixture
def network(
    monkeypatch: pytest.MonkeyPatch, site: Path
) -> Callable[[Callable[[httpx.Request], httpx.Response]], Recorder]:
    """Online docs on, through a MockTransport that answers with the handler given (the CLI and server use it), in
    the fake project ``site`` belongs to (its ``.venv`` is the environment the docs are looked up in)."""

    def install(handler: Callable[[httpx.Request], httpx.Response]) -> Recorder:
        recorder = Recorder(handler)
        monkeypatch.chdir(site.parents[3])  # project/.venv/lib/python3.11/site-packages -> project
        monkeypatch.setenv("FASTAPI_EXPERT_OFFLINE", "0")
        monkeypatch.setattr(fetcher, "default_client", lambda settings: recorder.client())
        return recorder

    return install


@pytest.mark.parametrize(
    ("handler", "why"),
    [
        (refused, "could not be fetched (ConnectError: connection refused)"),
        (timed_out, "timed out (ReadTimeout)"),
        (off_the_allow_list, "redirected to https://mirror.example.net/mkdocs.yml, which is not on the allow-list"),
    ],
)
def test_the_cli_says_what_failed_and_exits_2_not_3(capsys, network, handler, why: str) -> None:
    recorder = network(handler)
    code = main(["docs", "sqlmodel", "relationships"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE != EXIT_INTERNAL
    assert err.startswith(
        "fastapi-expert: error: no docs for sqlmodel about 'relationships': sqlmodel is not installed"
    )
    assert "internal error" not in err and "report" not in err
    assert f"{SQLMODEL_NAV}: {why}" in err  # which URL failed, and why
    assert "Install sqlmodel in the project" in err
    assert [str(request.url) for request in recorder.requests] == [SQLMODEL_NAV]


def test_offline_with_nothing_local_is_an_error_not_an_empty_success(capsys, network) -> None:
    recorder = network(refused)
    assert main(["docs", "sqlmodel", "relationships", "--offline", "--json"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "fastapi-expert: error: library: sqlmodel is not installed and online docs are off (--offline or "
        "FASTAPI_EXPERT_OFFLINE=1), so nothing can answer 'relationships'"
    )
    assert recorder.requests == []


@pytest.mark.anyio
async def test_the_mcp_tool_error_has_the_cli_message(capsys, network) -> None:
    network(refused)
    assert await anyio.to_thread.run_sync(main, ["docs", "sqlmodel", "relationships"]) == EXIT_USAGE  # own loop
    cli_message = capsys.readouterr().err.removeprefix("fastapi-expert: error: ").rstrip("\n")
    async with Client(build_server()) as client:
        result = await client.call_tool("fetch_docs", {"library": "sqlmodel", "topic": "relationships"})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert text.removeprefix("Error executing tool fetch_docs: ") == cli_message  # the SDK's prefix, our message
    assert "Traceback" not in text and SQLMODEL_NAV in text


@pytest.mark.anyio
async def test_the_service_raises_docs_unavailable_with_its_context(
    tmp_path: Path, fake_environment: PythonEnvironment
) -> None:
    service = online_service(tmp_path, Recorder(refused), fake_environment)
    with pytest.raises(DocsUnavailable) as info:
        await service.fetch_docs("sqlmodel", "relationships")
    error = info.value
    assert isinstance(error, DocsFetchError) and error.is_input_error
    assert (error.library, error.topic, error.url) == ("sqlmodel", "relationships", SQLMODEL_NAV)
    assert len(str(error)) < 1000


@pytest.mark.anyio
async def test_online_docs_that_match_nothing_name_the_topic(
    tmp_path: Path, fake_environment: PythonEnvironment
) -> None:
    def sqlmodel_docs(request: httpx.Request) -> httpx.Response:
        if str(request.url) == SQLMODEL_NAV:
            return httpx.Response(200, text="nav:\n- Empty: empty.md\n")
        return httpx.Response(200, text="")

    service = online_service(tmp_path, Recorder(sqlmodel_docs), fake_environment)
    with pytest.raises(InputError, match=r"^topic: nothing in sqlmodel's online docs matches 'empty'"):
        await service.fetch_docs("sqlmodel", "empty")
