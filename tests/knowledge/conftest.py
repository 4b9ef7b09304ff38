"""Fixtures for the knowledge tests: import an example file as a fresh, uniquely named module."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.processes import free_port

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"

LoadExample = Callable[[str], ModuleType]


@pytest.fixture
def load_example() -> Iterator[LoadExample]:
    """Return a loader: ``load_example("examples/cors/tutorial001.py")`` imports that file as a new module.

    Each call gets its own module object, so module-level state (an in-memory store, a counter) never leaks from
    one test into another. The modules are removed from ``sys.modules`` afterwards.
    """
    loaded: list[str] = []

    def load(relative_path: str) -> ModuleType:
        path = KNOWLEDGE_DIR / relative_path
        if not path.is_file():
            raise FileNotFoundError(path)
        name = "knowledge_example_" + "_".join(path.relative_to(KNOWLEDGE_DIR).with_suffix("").parts)
        name = f"{name}_{len(loaded)}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loaded.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in loaded:
        sys.modules.pop(name, None)


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free 127.0.0.1 port for the session (no persistence), or a visible skip."""
    if not Path(REDIS_SERVER).is_file():
        pytest.skip("redis-server is not installed: the Redis examples (task queue, Redis rate limiter) were not run")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [*command, "--dir", str(workdir)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    try:
        output = []
        for line in process.stdout:
            output.append(line)
            if "Ready to accept connections" in line:
                break
        else:
            pytest.fail("redis-server did not start:\n" + "".join(output))
        threading.Thread(target=process.stdout.read, daemon=True).start()  # keep draining its log
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
