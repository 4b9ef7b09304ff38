"""``validate_files``: every step on real files in a sandboxed copy of the reference app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from fastapi_expert.errors import InputError
from fastapi_expert.models import GeneratedFile
from fastapi_expert.validate import ValidationReport, validate_files
from fastapi_expert.validate.models import STEP_NAMES
from fastapi_expert.validate.sandbox import detect_isolation
from tests.validate.samples import BOOK_FILES, SCHEMA_ONLY, router_module

pytestmark = pytest.mark.anyio

#: A safety limit for the sandboxed steps of these tests, never a performance threshold.
TIMEOUT = 60.0


def files(mapping: dict[str, str]) -> list[GeneratedFile]:
    return [GeneratedFile(path=path, content=content) for path, content in mapping.items()]


def step(report: ValidationReport, name: str):
    return next(s for s in report.steps if s.name == name)


def runs() -> dict[Path, set[int]]:
    """The processes running the sandboxed child program (and whatever they forked: they keep its command line), by
    run folder. Other test runs on the same machine may have runs of their own: tests pick theirs out."""
    found: dict[Path, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"fastapi_expert.validate.child" in arguments:
            config = next((a for a in arguments if a.endswith(b"config.json")), None)
            if config is not None:
                found.setdefault(Path(config.decode()).parent, set()).add(int(entry.name))
    return found


async def forking_run(forks: int, limit: float = 30.0) -> Path:
    """The run folder of the first run seen with more than ``forks`` processes (the test's code forks that many)."""
    chosen: list[Path] = []

    def seen() -> bool:
        chosen.extend(folder for folder, pids in runs().items() if len(pids) > forks)
        return bool(chosen)

    await eventually(seen, limit)
    return chosen[0]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_a_resource_passes_every_step() -> None:
    report = await validate_files(files(BOOK_FILES), timeout=TIMEOUT)
    assert report.ok, report.model_dump_json(indent=2)
    assert [s.name for s in report.steps] == [name for name in STEP_NAMES if name != "fuzz"]
    assert "app.routers.books" in step(report, "import").detail
    assert "app: app.main:app" in step(report, "import").detail
    assert "sandbox: " in step(report, "import").detail
    assert "5 of 5 routes passed" in step(report, "routes").detail
    assert "POST /books/" in step(report, "routes").detail


PATTERN_ROUTER = '''\
"""Parcels, whose code must match a pattern."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

router = APIRouter(prefix="/parcels")


class Parcel(BaseModel):
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}-\\d{4}$")]


@router.post("/")
async def create_parcel(parcel: Parcel) -> Parcel:
    return parcel
'''


async def test_a_body_field_with_a_pattern_passes() -> None:
    """The child draws a matching string with hypothesis, using the Unicode tables in its ``tmp/hypothesis``."""
    report = await validate_files(files({"app/routers/parcels.py": PATTERN_ROUTER}), timeout=TIMEOUT)
    assert report.ok, report.model_dump_json(indent=2)
    assert "1 of 1 routes passed" in step(report, "routes").detail
    assert "POST /parcels/" in step(report, "routes").detail


async def test_a_schema_alone_passes_with_no_routes_to_exercise() -> None:
    report = await validate_files(files(SCHEMA_ONLY), timeout=TIMEOUT)
    assert report.ok, report.model_dump_json(indent=2)
    assert "no routes are defined" in step(report, "routes").detail


async def test_a_syntax_error_fails_syntax_with_line_and_column() -> None:
    report = await validate_files(files({"app/routers/broken.py": "def f(:\n    pass\n"}), timeout=TIMEOUT)
    assert not report.ok
    failed = report.failed_step
    assert failed is not None
    assert failed.name == "syntax"
    assert failed.detail.startswith("app/routers/broken.py:1:7: SyntaxError")
    for later in report.steps[1:]:
        assert later.skipped
        assert not later.ok
        assert later.detail == "skipped: syntax failed"


async def test_an_error_finding_of_ours_fails_review() -> None:
    body = "@router.get('/slow')\nasync def slow() -> dict[str, str]:\n    time.sleep(1)\n    return {}"
    probe = router_module(body, imports="import time")
    report = await validate_files(files({"app/routers/probe.py": probe}), timeout=TIMEOUT)
    failed = report.failed_step
    assert failed is not None
    assert failed.name == "review", report.model_dump_json(indent=2)
    assert "FE0" in failed.detail
    assert "app/routers/probe.py:" in failed.detail
    assert step(report, "ruff").ok


async def test_a_ruff_error_fails_ruff() -> None:
    body = "try:\n    VALUE = 1\nexcept:\n    VALUE = 2"
    report = await validate_files(files({"app/routers/probe.py": router_module(body)}), timeout=TIMEOUT)
    failed = report.failed_step
    assert failed is not None
    assert failed.name == "ruff", report.model_dump_json(indent=2)
    assert "E722" in failed.detail
    assert step(report, "review").skipped


async def test_a_route_that_raises_fails_routes_with_its_traceback() -> None:
    body = (
        "@router.get('/boom')\n"
        "async def explode() -> dict[str, int]:\n"
        "    values: dict[str, int] = {}\n"
        "    return {'answer': values['missing']}"
    )
    report = await validate_files(files({"app/routers/probe.py": router_module(body)}), timeout=TIMEOUT)
    failed = report.failed_step
    assert failed is not None
    assert failed.name == "routes", report.model_dump_json(indent=2)
    assert "explode" in failed.detail
    assert "app/routers/probe.py" in failed.detail
    assert "KeyError" in failed.detail


async def test_an_import_error_in_a_module_no_router_imports_fails_import() -> None:
    broken = {**BOOK_FILES, "app/schemas/extra.py": "from pydantic import NoSuchThing\n"}
    report = await validate_files(files(broken), timeout=TIMEOUT)
    failed = report.failed_step
    assert failed is not None
    assert failed.name == "import"
    assert "app/schemas/extra.py" in failed.detail
    assert "NoSuchThing" in failed.detail


async def test_a_standalone_app_is_the_one_validated() -> None:
    main = (
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/ping')\nasync def ping() -> dict[str, str]:\n    return {'ping': 'pong'}\n"
    )
    report = await validate_files(files({"main.py": main}), timeout=TIMEOUT)
    assert report.ok, report.model_dump_json(indent=2)
    assert "app: main:app" in step(report, "import").detail
    assert "1 of 1 routes passed" in step(report, "routes").detail


async def test_all_routes_when_asked() -> None:
    report = await validate_files(files(SCHEMA_ONLY), timeout=TIMEOUT, new_routes_only=False)
    assert report.ok, report.model_dump_json(indent=2)
    assert "/notes/" in step(report, "routes").detail


async def test_the_fallback_without_namespaces_still_validates_and_refuses_the_network() -> None:
    """Forced fallback (what a machine without namespaces gets): rlimits, audit hook and the process group."""
    minimal = detect_isolation("minimal")
    report = await validate_files(files(BOOK_FILES), timeout=TIMEOUT, isolation=minimal)
    assert report.ok, report.model_dump_json(indent=2)
    assert "no namespaces or cgroups" in step(report, "import").detail
    body = "socket.create_connection(('192.0.2.1', 80), timeout=2)"
    hostile = router_module(body, imports="import socket")
    report = await validate_files(files({"app/routers/probe.py": hostile}), timeout=TIMEOUT, isolation=minimal)
    failed = report.failed_step
    assert failed is not None
    assert failed.name == "import"
    assert "only loopback is reachable" in failed.detail


async def test_the_fallback_kills_the_process_group_on_timeout() -> None:
    minimal = detect_isolation("minimal")
    body = "for _ in range(3):\n    if os.fork() == 0:\n        break\nwhile True:\n    pass"
    hostile = files({"app/routers/probe.py": router_module(body, imports="import os")})
    reports: list[ValidationReport] = []

    async def validate() -> None:
        reports.append(await validate_files(hostile, timeout=2, isolation=minimal))

    async with anyio.create_task_group() as group:
        group.start_soon(validate)
        folder = await forking_run(3)
        running = runs().get(folder, set())
    await eventually(lambda: not any(alive(pid) for pid in running))
    assert len(running) >= 4
    assert not folder.exists()
    failed = reports[0].failed_step
    assert failed is not None
    assert failed.name == "import"
    assert failed.detail.startswith("timed out after 2 s")
    assert 'File "app/routers/probe.py"' in failed.detail


async def test_a_postgresql_database_through_its_unix_socket(postgres_cluster) -> None:
    url = postgres_cluster.create_database()
    report = await validate_files(files(BOOK_FILES), timeout=TIMEOUT, database_url=url)
    assert report.ok, report.model_dump_json(indent=2)
    assert "5 of 5 routes passed" in step(report, "routes").detail


async def test_fuzzing_finds_what_one_request_does_not() -> None:
    body = (
        "@router.get('/check')\n"
        "async def check(q: int) -> dict[str, int]:\n"
        "    if q < 0:\n"
        "        raise ValueError('negative')\n"
        "    return {'q': q}"
    )
    report = await validate_files(files({"app/routers/probe.py": router_module(body)}), fuzz=True, timeout=120)
    assert [s.name for s in report.steps] == list(STEP_NAMES)
    assert step(report, "routes").ok, report.model_dump_json(indent=2)
    failed = report.failed_step
    assert failed is not None
    assert failed.name == "fuzz", report.model_dump_json(indent=2)
    assert "ValueError: negative" in failed.detail


async def test_bad_input_names_the_argument() -> None:
    with pytest.raises(InputError, match=r"^timeout: "):
        await validate_files(files(SCHEMA_ONLY), timeout=0)
    with pytest.raises(InputError, match=r"^files\[1\]\.content: "):
        await validate_files([GeneratedFile(path="a.py", content=""), GeneratedFile(path="b.py", content="\x00")])


async def test_cancelling_kills_every_process_and_removes_the_copy() -> None:
    body = "for _ in range(5):\n    if os.fork() == 0:\n        break\nwhile True:\n    pass"
    hostile = files({"app/routers/probe.py": router_module(body, imports="import os")})
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: validate_files(hostile, timeout=TIMEOUT))
        folder = await forking_run(5)
        await anyio.sleep(0.3)
        running = runs()[folder]  # the child (maybe the former spare) and the five processes it forked
        group.cancel_scope.cancel()
    assert len(running) >= 6
    await eventually(lambda: not any(alive(pid) for pid in running))
    assert not folder.exists()


async def eventually(condition: Callable[[], bool], limit: float = 20.0) -> None:
    """Wait until ``condition()`` holds, polling; ``limit`` seconds is a safety limit, not a timing assertion."""
    with anyio.fail_after(limit):
        while True:
            if condition():
                return
            await anyio.sleep(0.05)
