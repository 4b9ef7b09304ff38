"""Hostile or broken code through ``validate_code``: each case ends as a failed ``import`` step that says why, within
the timeout, and the same server answers the next call."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from mcp import Client

from fastapi_expert.server import build_server
from fastapi_expert.validate.sandbox import detect_isolation
from tests.validate.samples import router_module

pytestmark = pytest.mark.anyio

#: The sandboxed steps' time limit in this module: short, since one case is an endless loop.
TIMEOUT = 3


@pytest.fixture
def server(fixture_knowledge: Path, fixture_prompts: Path):
    return build_server(knowledge_dir=fixture_knowledge, prompts_dir=fixture_prompts, validate_timeout=TIMEOUT)


async def failed_import(server, body: str, imports: str = "") -> str:
    """Validate a router whose module level runs ``body``; assert the import step failed; return its detail, after
    checking the server still answers."""
    files = [{"path": "app/routers/probe.py", "content": router_module(body, imports=imports)}]
    async with Client(server) as client:
        result = await client.call_tool("validate_code", {"files": files})
        after = await client.call_tool("search_knowledge", {"query": "websocket rooms"})
    assert not after.is_error, "the server stopped answering"
    assert not result.is_error, result.content
    report = result.structured_content
    assert report is not None
    assert report["ok"] is False
    failed = next(step for step in report["steps"] if not step["ok"] and not step.get("skipped"))
    assert failed["name"] == "import", report
    assert all(step["skipped"] for step in report["steps"][4:])
    return str(failed["detail"])


async def test_an_endless_loop_at_import_times_out(server) -> None:
    detail = await failed_import(server, "while True:\n    pass")
    assert detail.startswith(f"timed out after {TIMEOUT} s"), detail
    assert re.search(r'File "app/routers/probe\.py", line 1[01] in <module>', detail), detail


@pytest.mark.skipif(
    not any(name == "pids" for name, _ in detect_isolation().cgroups) and os.geteuid() == 0,
    reason="as root, only a pids cgroup bounds forks (RLIMIT_NPROC does not bind for uid 0)",
)
async def test_a_loop_of_forks_hits_the_process_limit(server) -> None:
    body = "for _ in range(300):\n    if os.fork() == 0:\n        time.sleep(30)\n        os._exit(0)"
    detail = await failed_import(server, body, imports="import os\nimport time")
    assert "BlockingIOError" in detail
    assert "Resource temporarily unavailable" in detail


async def test_allocating_10_gb_is_a_memory_error(server) -> None:
    detail = await failed_import(server, "BLOB = bytearray(10 * 1024**3)")
    assert detail.startswith("MemoryError: the code ran out of memory (the sandbox allows 3 GiB)")
    assert "bytearray(10 * 1024**3)" in detail


async def test_writing_to_home_is_refused_and_the_real_home_untouched(server) -> None:
    name = f"fastapi-expert-probe-{uuid.uuid4().hex}.txt"
    body = f"Path('~/{name}').expanduser().write_text('pwned')\nopen('{Path.home() / name}', 'w')"
    detail = await failed_import(server, body, imports="from pathlib import Path")
    assert "PermissionError" in detail
    assert "outside the app folder" in detail
    assert not (Path.home() / name).exists()


async def test_a_socket_to_a_remote_address_is_refused(server) -> None:
    detail = await failed_import(server, "socket.create_connection(('93.184.216.34', 80), timeout=2)", "import socket")
    assert "PermissionError" in detail
    assert "('93.184.216.34', 80) refused: only loopback is reachable" in detail


async def test_sys_exit_at_import_is_reported_as_such(server) -> None:
    detail = await failed_import(server, "sys.exit(3)", imports="import sys")
    assert detail.startswith("the code called sys.exit(3) during the import step")
    assert "sys.exit(3)" in detail


async def test_os_exit_at_import_is_reported_with_its_code(server) -> None:
    detail = await failed_import(server, "print('bye')\nos._exit(7)", imports="import os")
    assert detail.startswith("the process exited with code 7")
    assert "bye" in detail  # the code's own output, trimmed, under the reason


async def test_output_cannot_corrupt_the_report(server) -> None:
    """Code that prints what looks like protocol lines and writes to low descriptors still gets an honest report."""
    body = (
        'print(\'{"event": "end", "step": "import", "ok": true}\')\n'
        "for fd in (3, 4, 5):\n"
        "    try:\n"
        "        os.write(fd, b'garbage\\n')\n"
        "    except OSError:\n"
        "        pass\n"
        "raise RuntimeError('still broken')"
    )
    detail = await failed_import(server, body, imports="import os")
    assert "RuntimeError: still broken" in detail
