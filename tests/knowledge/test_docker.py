"""Tests for knowledge/docker.md: the Dockerfile, .dockerignore and compose.yaml samples, checked offline."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from fastapi.testclient import TestClient

LoadExample = Callable[[str], ModuleType]

DOCKER_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "examples" / "docker"
APP = "examples/docker/app/main.py"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """Parse the Dockerfile into (INSTRUCTION, arguments) pairs, joining backslash continuations, skipping comments."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DOCKER_DIR / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        full = pending + line
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def only(instruction: str) -> str:
    """The arguments of an instruction that must appear exactly once."""
    matches = [args for keyword, args in dockerfile_instructions() if keyword == instruction]
    assert len(matches) == 1, (instruction, matches)
    return matches[0]


def index_of(instruction: str, startswith: str = "") -> int:
    """Position of the first instruction of that kind whose arguments start with the given text."""
    for position, (keyword, args) in enumerate(dockerfile_instructions()):
        if keyword == instruction and args.startswith(startswith):
            return position
    raise AssertionError(f"{instruction} {startswith} not found")


def compose() -> dict[str, Any]:
    """compose.yaml parsed with yaml.safe_load."""
    return yaml.safe_load((DOCKER_DIR / "compose.yaml").read_text())


def dockerignore_patterns() -> list[str]:
    """The non-comment lines of .dockerignore."""
    lines = (DOCKER_DIR / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_base_image_is_slim_python() -> None:
    """The image starts from an official slim Python image with a pinned minor version."""
    assert re.fullmatch(r"python:3\.\d+-slim", only("FROM"))


def test_runs_as_numeric_non_root_user_after_installing() -> None:
    """A numeric non-root USER is set after pip install (which needs root) and before the CMD."""
    user = only("USER")
    assert user.isdigit()
    assert int(user) != 0
    assert f"--uid {user}" in dockerfile_instructions()[index_of("RUN", "useradd")][1]
    assert index_of("RUN", "pip install") < index_of("USER") < index_of("CMD")


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    """requirements.txt is copied and installed before the app code, so code changes reuse the dependency layer."""
    copy_requirements = index_of("COPY", "requirements.txt")
    install = index_of("RUN", "pip install -r requirements.txt")
    copy_code = index_of("COPY", "app")
    assert copy_requirements < install < copy_code


def test_copied_sources_exist_in_the_build_context() -> None:
    """Every COPY source exists beside the Dockerfile, and .dockerignore excludes none of them."""
    for keyword, args in dockerfile_instructions():
        if keyword == "COPY":
            source = args.split()[0]
            assert (DOCKER_DIR / source).exists(), source
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in dockerignore_patterns()), source


def test_cmd_is_exec_form_fastapi_run() -> None:
    """CMD is a JSON array (exec form, so the server is PID 1 and gets SIGTERM) running `fastapi run` on port 8000."""
    cmd = json.loads(only("CMD"))
    assert cmd[:3] == ["fastapi", "run", "app/main.py"]
    assert cmd[cmd.index("--port") + 1] == "8000"
    assert (DOCKER_DIR / cmd[2]).is_file()
    assert only("EXPOSE") == "8000"


def test_environment_holds_no_secrets() -> None:
    """ENV sets only Python and pip behaviour; no password, secret or key is baked into the image."""
    env = only("ENV")
    assert "PYTHONUNBUFFERED=1" in env
    assert "PIP_NO_CACHE_DIR=1" in env
    assert not re.search(r"PASSWORD|SECRET|TOKEN|KEY", env)


def test_healthcheck_is_exec_form_and_hits_a_real_route(
    load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HEALTHCHECK runs Python's urllib (slim images have no curl) against /healthz, which the app serves with 200."""
    options, _, command = only("HEALTHCHECK").partition("CMD ")
    assert "--timeout=" in options
    argv = json.loads(command)
    assert argv[:2] == ["python", "-c"]
    url = re.search(r"'(http://[^']+)'", argv[2])
    assert url is not None
    parts = urlsplit(url.group(1))
    assert parts.port == 8000
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    with TestClient(load_example(APP).app) as client:
        assert client.get(parts.path).status_code == 200
        assert client.get("/readyz").json() == {"status": "ok"}


def test_app_readiness_reports_an_unreachable_database(
    load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The containerised app's /readyz answers 503 while the database cannot be reached."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'app.db'}")
    with TestClient(load_example(APP).app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503


def test_dockerignore_keeps_secrets_and_junk_out_of_the_context() -> None:
    """.dockerignore excludes VCS data, virtualenvs, caches, local databases and .env files."""
    patterns = dockerignore_patterns()
    for required in (".git", ".venv", "__pycache__", ".env", ".env.*", "*.db", "tests"):
        assert required in patterns, required
    assert fnmatch.fnmatch(".env.production", ".env.*")


def test_compose_has_no_obsolete_version_key() -> None:
    """The Compose Specification has no top-level `version:`; only services and volumes are declared."""
    assert set(compose()) == {"services", "volumes"}


def test_api_waits_for_a_healthy_database() -> None:
    """depends_on uses condition: service_healthy, backed by a pg_isready healthcheck on the db service."""
    services = compose()["services"]
    assert services["api"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    check = services["db"]["healthcheck"]
    assert check["test"][0] == "CMD-SHELL"
    assert shlex.split(check["test"][1])[0] == "pg_isready"
    assert {"interval", "timeout", "retries"} <= set(check)


def test_database_url_points_at_the_db_service_with_the_installed_driver() -> None:
    """DATABASE_URL uses the asyncpg driver listed in requirements.txt and the compose service name as host."""
    url = compose()["services"]["api"]["environment"]["DATABASE_URL"]
    scheme, _, rest = url.partition("://")
    assert scheme == "postgresql+asyncpg"
    assert rest.rsplit("@", 1)[1] == "db:5432/app"
    assert "asyncpg" in (DOCKER_DIR / "requirements.txt").read_text()


def test_passwords_come_from_the_environment() -> None:
    """No literal password: every password is a required ${POSTGRES_PASSWORD:?...} substitution."""
    services = compose()["services"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "${POSTGRES_PASSWORD:?" in services["api"]["environment"]["DATABASE_URL"]


def test_ports_and_data_volume() -> None:
    """The published port matches the container port, and Postgres data lives in a declared named volume."""
    data = compose()
    assert data["services"]["api"]["ports"] == ["8000:8000"]
    assert data["services"]["api"]["build"] == "."
    volume, _, mount = data["services"]["db"]["volumes"][0].partition(":")
    assert volume in data["volumes"]
    assert mount == "/var/lib/postgresql/data"
    assert data["services"]["db"]["image"] == "postgres:17"
