"""Tests for knowledge/deployment.md: running in production, health and readiness, graceful shutdown."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
import uvicorn
from fastapi.testclient import TestClient
from fastapi_cli.config import FastAPIConfig

LoadExample = Callable[[str], ModuleType]

HEALTH_APP = "examples/deployment/tutorial001.py"
PYPROJECT = Path(__file__).resolve().parents[2] / "knowledge" / "examples" / "deployment" / "pyproject.toml"


def cli_help(*args: str) -> str:
    """The --help text of a CLI, rendered wide and without colour so option names are not wrapped."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    result = subprocess.run(
        [sys.executable, "-m", *args, "--help"], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    return result.stdout


def test_fastapi_run_knows_the_production_options() -> None:
    """`fastapi run` accepts --host, --port, --workers, --root-path, --entrypoint and the proxy-header options."""
    text = cli_help("fastapi", "run")
    for flag in (
        "--host",
        "--port",
        "--workers",
        "--root-path",
        "--entrypoint",
        "--proxy-headers",
        "--no-proxy-headers",
        "--forwarded-allow-ips",
    ):
        assert flag in text, flag
    assert "[default: 0.0.0.0]" in text
    assert "[default: proxy-headers]" in text
    assert "[default: no-reload]" in text
    assert "[env var: PORT]" in text
    assert "Mutually exclusive with the --reload flag" in text


def test_fastapi_dev_reloads_on_localhost() -> None:
    """`fastapi dev` is for development: reload on by default and listening on 127.0.0.1 only."""
    text = cli_help("fastapi", "dev")
    assert "[default: reload]" in text
    assert "[default: 127.0.0.1]" in text


def test_uvicorn_has_graceful_shutdown_timeout() -> None:
    """Plain uvicorn exposes --timeout-graceful-shutdown and --limit-max-requests, which `fastapi run` does not."""
    uvicorn_text = cli_help("uvicorn")
    fastapi_text = cli_help("fastapi", "run")
    assert "--timeout-graceful-shutdown" in uvicorn_text
    assert "--limit-max-requests" in uvicorn_text
    assert "--timeout-graceful-shutdown" not in fastapi_text


def test_bundled_gunicorn_worker_is_deprecated() -> None:
    """uvicorn.workers (the old Gunicorn worker class) warns that it is deprecated in favour of uvicorn-worker."""
    source = (Path(uvicorn.__file__).parent / "workers.py").read_text()
    assert "The `uvicorn.workers` module is deprecated" in source
    assert "uvicorn-worker" in source


def test_forwarded_allow_ips_defaults_to_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unless --forwarded-allow-ips or FORWARDED_ALLOW_IPS is set, only proxies on localhost are trusted."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert uvicorn.Config("app.main:app").forwarded_allow_ips == "127.0.0.1,::1"
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    assert uvicorn.Config("app.main:app").forwarded_allow_ips == "10.0.0.0/8"


def test_pyproject_entrypoint_is_read_by_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`[tool.fastapi] entrypoint` in pyproject.toml tells `fastapi run` which app to import."""
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    monkeypatch.chdir(tmp_path)
    config = FastAPIConfig.resolve()
    assert config.entrypoint == "app.main:app"
    assert config.from_pyproject is True
    assert FastAPIConfig.resolve(entrypoint="other:api").entrypoint == "other:api"


def test_liveness_checks_nothing_but_the_process(
    load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/healthz answers 200 even when the database is unreachable, so a DB outage does not restart replicas."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'app.db'}")
    app = load_example(HEALTH_APP).app
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 503


def test_readiness_is_ok_when_the_database_answers(
    load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/readyz runs SELECT 1 and reports 200 when the database is reachable."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    app = load_example(HEALTH_APP).app
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_readiness_is_503_when_the_database_is_unreachable(
    load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/readyz answers 503 with a reason when the database check fails, so the balancer stops routing here."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'app.db'}")
    app = load_example(HEALTH_APP).app
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_probes_are_hidden_from_openapi(load_example: LoadExample) -> None:
    """The probe endpoints are excluded from the public OpenAPI schema."""
    app = load_example(HEALTH_APP).app
    assert app.openapi()["paths"] == {}


def test_lifespan_shutdown_closes_the_pool(
    load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Graceful shutdown lives in the lifespan: after the last request, the engine is disposed and it is logged."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    module = load_example(HEALTH_APP)
    caplog.set_level(logging.INFO, logger=module.__name__)
    with TestClient(module.app) as client:
        assert client.get("/readyz").status_code == 200
        engine = client.app_state["engine"]
        assert engine.pool.checkedin() == 1  # the pooled connection used by the readiness check
        assert caplog.messages == ["startup complete"]
    assert engine.pool.checkedin() == 0
    assert caplog.messages == ["startup complete", "shutdown complete: database connections closed"]
