"""Starting the server as a real process for the stdio, HTTP, load and conformance tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

#: How long a server process may take to start listening before the test fails (not a performance threshold).
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "FASTAPI_EXPERT_TOKEN"}
    env.update(extra or {})
    return env


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"


@contextmanager
def http_server(*arguments: str, env: Mapping[str, str] | None = None) -> Iterator[RunningServer]:
    """Run ``fastapi-expert serve --transport http`` on a free loopback port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "fastapi_expert", "serve", "--transport", "http", "--port", str(port), *arguments]
    process = subprocess.Popen(command, env=server_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                _, err = process.communicate()
                raise RuntimeError(f"server exited with {process.returncode}: {err.decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start listening") from None
                time.sleep(0.05)
        yield RunningServer(process=process, port=port)
    finally:
        process.terminate()
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
