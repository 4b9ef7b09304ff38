"""Fixtures for the docs tests: fake environments with fake distributions, and a MockTransport HTTP layer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
import pytest

from fastapi_expert.docs.environment import PythonEnvironment

MakeDistribution = Callable[..., Path]


def write_distribution(
    site: Path,
    name: str,
    version: str,
    files: Mapping[str, str],
    *,
    top_level: str | None = None,
) -> None:
    """Install a fake distribution into ``site``: its files, and a dist-info with METADATA and RECORD."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    record = [f"{path},," for path in files] + [f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n")
    if top_level is not None:
        (info / "top_level.txt").write_text(top_level)
    for path, text in files.items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An empty site-packages of a fake virtualenv at ``tmp_path/project/.venv``."""
    venv = tmp_path / "project" / ".venv"
    (venv / "pyvenv.cfg").parent.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    site = venv / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    return site


@pytest.fixture
def fake_environment(site: Path) -> PythonEnvironment:
    return PythonEnvironment(label="fake environment", site_packages=(site,))


Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that records every request and answers with ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self), follow_redirects=False)
