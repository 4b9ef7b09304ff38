"""Cold start over stdio: time from process start to ``initialize`` answered and to ``tools/list`` answered.

Targets, run with this interpreter: (a) ``python -m fastapi_expert serve`` and (b) ``bench/bare_server.py``, a bare
``MCPServer`` with one trivial tool. Raw JSON-RPC over the pipes: the clock starts just before the process is spawned,
the ``initialize`` request is written at once (it waits in the pipe until the server reads it) and the first milestone
is when its response line has been read; then the ``initialized`` notification and ``tools/list`` go out and the
second milestone is when that response has been read. Runs of (a) and (b) alternate (a b, b a, a b, ...) after one
discarded warm-up run of each (so byte-code caches and the OS page cache are warm for both alike).

Also printed: the in-process split of (a) into interpreter start, ``import fastapi_expert.server`` and
``build_server()``, and ``python -X importtime`` of ``fastapi_expert.server``: the top modules by cumulative time and
the imports the bare server does not pay for, with the module that imports each.

    .venv/bin/python bench/cold_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PROTOCOL_VERSION = "2025-11-25"
#: A run that takes longer than this is killed and reported as an error (a hang, not a measurement).
RUN_TIMEOUT = 60.0
IMPORTTIME_RUNS = 5

TARGETS: dict[str, list[str]] = {
    "fastapi-expert serve": [sys.executable, "-m", "fastapi_expert", "serve"],
    "bare MCPServer": [sys.executable, str(BENCH / "bare_server.py")],
}
MILESTONES = ("initialize", "tools/list")


@dataclass
class Samples:
    initialize: list[float] = field(default_factory=list)
    tools_list: list[float] = field(default_factory=list)


def _message(payload: dict[str, object]) -> bytes:
    return (json.dumps(payload, separators=(",", ":")) + "\n").encode()


INITIALIZE = _message(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "cold-start-bench", "version": "1"},
        },
    }
)
INITIALIZED = _message({"jsonrpc": "2.0", "method": "notifications/initialized"})
TOOLS_LIST = _message({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})


def _read_response(process: subprocess.Popen[bytes], request_id: int) -> dict[str, object]:
    """Read stdout lines until the response to ``request_id`` (skipping any notification)."""
    if process.stdout is None:
        raise RuntimeError("no stdout pipe")
    while True:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the server closed stdout before answering request {request_id}")
        message = json.loads(line)
        if message.get("id") == request_id:
            if "error" in message:
                raise RuntimeError(f"request {request_id} failed: {message['error']}")
            return message


def one_run(command: Sequence[str]) -> tuple[float, float]:
    """Seconds from spawn to the ``initialize`` response and to the ``tools/list`` response."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=REPO, env=os.environ.copy()
        )
        watchdog = threading.Timer(RUN_TIMEOUT, process.kill)
        watchdog.start()
        try:
            if process.stdin is None:
                raise RuntimeError("no stdin pipe")
            process.stdin.write(INITIALIZE)
            process.stdin.flush()
            _read_response(process, 1)
            initialized = time.perf_counter()
            process.stdin.write(INITIALIZED + TOOLS_LIST)
            process.stdin.flush()
            tools = _read_response(process, 2)
            listed = time.perf_counter()
            result = tools["result"]
            if not isinstance(result, dict) or not result.get("tools"):
                raise RuntimeError(f"tools/list returned no tools: {tools}")
        except (RuntimeError, ValueError) as exc:
            process.kill()
            process.wait()
            stderr.seek(0)
            raise RuntimeError(f"{' '.join(command)}: {exc}\n{stderr.read().decode()[-2000:]}") from exc
        finally:
            watchdog.cancel()
            if process.stdin is not None and not process.stdin.closed:
                process.stdin.close()
            try:
                process.wait(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
    return initialized - start, listed - start


def percentile_90(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def measure(runs: int) -> dict[str, Samples]:
    names = list(TARGETS)
    samples = {name: Samples() for name in names}
    for name in names:  # warm-up, discarded
        one_run(TARGETS[name])
    for index in range(runs):
        order = names if index % 2 == 0 else names[::-1]
        for name in order:
            init, listed = one_run(TARGETS[name])
            samples[name].initialize.append(init)
            samples[name].tools_list.append(listed)
    return samples


def in_process_split(repeats: int) -> dict[str, float]:
    """Median seconds of interpreter start, ``import fastapi_expert.server`` and ``build_server()`` (separate runs)."""
    probe = (
        "import time; t0 = time.perf_counter(); import fastapi_expert.server as s; t1 = time.perf_counter(); "
        "s.build_server(); t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
    )
    empty, imports, builds = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, cwd=REPO)
        empty.append(time.perf_counter() - start)
        out = subprocess.run(
            [sys.executable, "-c", probe], check=True, cwd=REPO, capture_output=True, text=True
        ).stdout.split()
        imports.append(float(out[0]))
        builds.append(float(out[1]))
    return {
        "python -c pass (whole process)": statistics.median(empty),
        "import fastapi_expert.server": statistics.median(imports),
        "build_server() (entries, prompts; search index is lazy)": statistics.median(builds),
    }


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


@dataclass
class ImportTimes:
    cumulative: dict[str, float]  # seconds, median over runs
    parent: dict[str, str]  # module -> the module whose import imported it ("" at top level)


def import_times(module: str, runs: int = IMPORTTIME_RUNS) -> ImportTimes:
    """``python -X importtime -c 'import <module>'``: cumulative time per module (median over ``runs``)."""
    values: dict[str, list[float]] = defaultdict(list)
    parent: dict[str, str] = {}
    for _ in range(runs):
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            check=True,
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        pending: list[tuple[int, str]] = []  # (depth, module) awaiting their parent; importtime prints post-order
        for line in completed.stderr.splitlines():
            match = _IMPORTTIME.match(line)
            if match is None:
                continue
            cumulative, indent, name = int(match[2]), len(match[3]), match[4]
            depth = (indent - 1) // 2
            values[name].append(cumulative / 1e6)
            children = [child for child_depth, child in pending if child_depth == depth + 1]
            for child in children:
                parent.setdefault(child, name)
            pending = [(d, m) for d, m in pending if d <= depth]
            pending.append((depth, name))
        for _, name in pending:
            parent.setdefault(name, "")
    return ImportTimes({name: statistics.median(v) for name, v in values.items()}, parent)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def report(samples: dict[str, Samples], runs: int) -> None:
    a, b = list(TARGETS)
    print(f"Cold start over stdio, {runs} interleaved runs per target (milliseconds from spawn)\n")
    print(f"{'target':<24}{'milestone':<12}{'median':>10}{'p90':>10}{'min':>10}{'max':>10}")
    for name in (a, b):
        for milestone, values in zip(MILESTONES, (samples[name].initialize, samples[name].tools_list), strict=True):
            row = [statistics.median(values), percentile_90(values), min(values), max(values)]
            print(f"{name:<24}{milestone:<12}" + "".join(f"{_ms(v):>10}" for v in row))
    print()
    for milestone, attr in zip(MILESTONES, ("initialize", "tools_list"), strict=True):
        median_ratio = statistics.median(getattr(samples[a], attr)) / statistics.median(getattr(samples[b], attr))
        p90_ratio = percentile_90(getattr(samples[a], attr)) / percentile_90(getattr(samples[b], attr))
        print(f"ratio a/b to {milestone:<11} median {median_ratio:5.2f}   p90 {p90_ratio:5.2f}   (target <= 1.5)")


def report_imports(top: int) -> None:
    ours = import_times("fastapi_expert.server")
    bare = import_times("mcp.server.mcpserver")
    print(f"\npython -X importtime -c 'import fastapi_expert.server': top {top} by cumulative time (ms, median)")
    for name, seconds in sorted(ours.cumulative.items(), key=lambda item: -item[1])[:top]:
        print(f"  {_ms(seconds)}  {name}")
    extra = {
        name: seconds
        for name, seconds in ours.cumulative.items()
        if name not in bare.cumulative
        and not name.startswith("fastapi_expert")
        and (ours.parent.get(name, "").startswith("fastapi_expert") or ours.parent.get(name, "") in bare.cumulative)
    }
    print(f"\nimports the bare server does not pay for: top {top} (ms, median; imported by)")
    for name, seconds in sorted(extra.items(), key=lambda item: -item[1])[:top]:
        print(f"  {_ms(seconds)}  {name:<36} <- {ours.parent.get(name) or '(top level)'}")
    own = {name: seconds for name, seconds in ours.cumulative.items() if name.startswith("fastapi_expert")}
    print("\nfastapi_expert modules (ms cumulative, median)")
    for name, seconds in sorted(own.items(), key=lambda item: -item[1]):
        print(f"  {_ms(seconds)}  {name}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="measured runs per target (default 15)")
    parser.add_argument("--top", type=int, default=10, help="how many import offenders to list (default 10)")
    args = parser.parse_args(argv)
    if args.runs < 2:
        parser.error("--runs must be at least 2")
    print(f"python {platform.python_version()} ({sys.executable}), {os.cpu_count()} CPUs, {platform.platform()}\n")
    samples = measure(args.runs)
    report(samples, args.runs)
    print("\nIn-process split of (a), median of 5 (ms):")
    for label, seconds in in_process_split(5).items():
        print(f"  {_ms(seconds)}  {label}")
    report_imports(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
