"""Speed of ``scaffold_endpoint`` and of the code it generates.

1. ``scaffold``: a standalone project for a 6-field resource, generated and fully validated (the harness' sandboxed
   steps and the project's own pytest run, side by side), ``--runs`` times; the median total and the median of each
   part (generation, each validation step). The harness keeps a warm spare child, as in a server; ``--gap`` seconds
   between runs let it load.
2. ``throughput``: requests per second of the generated app on a read mix (half ``GET /notes/?limit=20``, half
   ``GET /notes/{id}`` over 100 seeded rows), next to the same for the reference app's hand-written notes router
   (``validate/reference_app``, copied to a temporary folder). The generated resource is the same note (``title``
   up to 200 characters, ``body`` defaulting to "", timestamps). Each app runs under uvicorn on 127.0.0.1 (one
   worker, SQLite file, no access log) in its own process; the load generator is an ``httpx.AsyncClient`` pool with
   ``--concurrency`` connections for ``--seconds``, after a warm-up. The two apps alternate over ``--rounds``; the
   medians and their ratio (generated / hand-written, target >= 0.9) are printed.

Wall-clock figures: run it on an idle machine (the load average is printed).

    .venv/bin/python bench/scaffold_speed.py [--runs 5] [--rounds 5] [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi_expert.generate.endpoint import build_endpoint_spec
from fastapi_expert.generate.scaffold import validate_standalone
from fastapi_expert.generate.standalone import generate_standalone
from fastapi_expert.validate.sandbox import spares

#: The 6-field resource of the scaffold timing.
FIELDS: list[dict[str, object]] = [
    {"name": "sku", "type": "str", "unique": True, "min_length": 3, "max_length": 32, "pattern": "^[A-Z0-9-]+$"},
    {"name": "title", "type": "str", "max_length": 200},
    {"name": "price", "type": "float", "ge": 0},
    {"name": "quantity", "type": "int", "default": 0, "index": True},
    {"name": "status", "type": "str", "enum": ["draft", "active"], "default": "draft", "index": True},
    {"name": "homepage", "type": "url", "required": False},
]
#: The reference app's note, as a scaffold spec.
NOTE_FIELDS: list[dict[str, object]] = [
    {"name": "title", "type": "str", "max_length": 200},
    {"name": "body", "type": "str", "default": ""},
]
ROWS = 100


def scaffold_once() -> dict[str, float]:
    started = time.perf_counter()
    spec = build_endpoint_spec("product", FIELDS)
    files = generate_standalone(spec)
    generated = time.perf_counter()
    report = anyio.run(lambda: validate_standalone(files))
    finished = time.perf_counter()
    if not report.ok:
        raise SystemExit(f"validation failed: {report.failed_step}")
    parts = {"generate": (generated - started) * 1000, "validate": (finished - generated) * 1000}
    parts.update({step.name: step.duration_ms for step in report.steps})
    parts["total"] = (finished - started) * 1000
    return parts


def time_scaffold(runs: int, gap: float) -> None:
    scaffold_once()  # discarded: imports, the first child, ruff's first start
    measured = []
    for _ in range(runs):
        time.sleep(gap)
        measured.append(scaffold_once())
    names = list(measured[0])
    print(f"scaffold + validation, 6-field resource, median of {runs} runs:")
    for name in names:
        print(f"  {name:<10} {statistics.median(run[name] for run in measured):8.0f} ms")
    print("  (generate and validate add up to total; the harness steps and tests run side by side within validate)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(root: Path, database: Path) -> Iterator[str]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, cwd=root, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise SystemExit(f"the app in {root} did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


async def load(base: str, seconds: float, concurrency: int, ids: list[int]) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        done = 0
        stop = 0.0
        chooser = random.Random(7)  # noqa: S311 - a load mix, not a secret

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                if chooser.random() < 0.5:
                    response = await client.get("/notes/", params={"limit": 20})
                else:
                    response = await client.get(f"/notes/{chooser.choice(ids)}")
                if response.status_code != 200:
                    raise SystemExit(f"{response.request.url}: {response.status_code} {response.text[:200]}")
                done += 1

        stop = time.perf_counter() + min(1.0, seconds)  # warm-up
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        done = 0
        started = time.perf_counter()
        stop = started + seconds
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - started)


def seed(base: str) -> list[int]:
    with httpx.Client(base_url=base, timeout=30) as client:
        return [
            client.post("/notes/", json={"title": f"Note {n}", "body": "text " * 20}).raise_for_status().json()["id"]
            for n in range(ROWS)
        ]


def measure(root: Path, seconds: float, concurrency: int) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-db-") as folder, serving(root, Path(folder) / "db.sqlite") as base:
        ids = seed(base)
        return asyncio.run(load(base, seconds, concurrency, ids))


def time_throughput(rounds: int, seconds: float, concurrency: int) -> None:
    from fastapi_expert.validate.reference import copy_reference_app

    with tempfile.TemporaryDirectory(prefix="bench-apps-") as folder:
        generated = Path(folder) / "generated"
        spec = build_endpoint_spec("note", NOTE_FIELDS, timestamps=True)
        for file in generate_standalone(spec):
            (generated / file.path).parent.mkdir(parents=True, exist_ok=True)
            (generated / file.path).write_text(file.content, encoding="utf-8")
        reference = copy_reference_app(Path(folder) / "reference")
        results: dict[str, list[float]] = {"generated": [], "hand-written": []}
        for _ in range(rounds):
            results["generated"].append(measure(generated, seconds, concurrency))
            results["hand-written"].append(measure(reference, seconds, concurrency))
    print(
        f"throughput, GET list (limit 20) / GET one 50:50 over {ROWS} rows, {concurrency} connections, "
        f"{seconds:g} s per run, median of {rounds} alternating rounds:"
    )
    for name, values in results.items():
        shown = ", ".join(f"{value:.0f}" for value in values)
        print(f"  {name:<13} {statistics.median(values):7.0f} req/s   ({shown})")
    ratio = statistics.median(results["generated"]) / statistics.median(results["hand-written"])
    print(f"  ratio generated / hand-written: {ratio:.2f} (target >= 0.9)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gap", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", choices=["scaffold", "throughput"])
    args = parser.parse_args()
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"load average before: {', '.join(f'{value:.2f}' for value in os.getloadavg())}")
    try:
        if args.only in (None, "scaffold"):
            time_scaffold(args.runs, args.gap)
        if args.only in (None, "throughput"):
            time_throughput(args.rounds, args.seconds, args.concurrency)
    finally:
        spares.discard()
    print(f"load average after: {', '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
