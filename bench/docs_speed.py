"""Speed of ``fetch_docs`` offline, for one library (default ``fastapi``): cold and warm, medians.

Cold: a fresh interpreter per run answers one topic. Timed inside that process: the first answer (finding the
environment, reading its distributions, griffe loading and indexing the package, splitting its bundled docs, loading
and indexing the knowledge base), and the same with ``import fastapi_expert.docs.service`` before it (pydantic, anyio:
what a running server has already imported). The whole process, interpreter start-up included, is printed too.
Warm: in one process, after a first answer, each topic again (the package's API, its index and the bundled docs are
cached in-process). Targets for fastapi: cold < 1.5 s, warm < 50 ms. The figures are medians of wall-clock times:
run it on an idle machine (it prints the load average; the CPU time of the cold answer is printed too, as it depends
less on other processes).

    .venv/bin/python bench/docs_speed.py [--library fastapi] [--runs 7] [--warm-rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

TOPICS = ["dependencies with yield", "Depends", "lifespan", "BackgroundTasks", "response model"]

CHILD = """
import json, sys, time
start, start_cpu = time.perf_counter(), time.process_time()
import anyio
from fastapi_expert.docs.service import DocsService
imported, imported_cpu = time.perf_counter(), time.process_time()
answer = anyio.run(lambda: DocsService().fetch_docs(sys.argv[1], sys.argv[2], offline=True))
end, end_cpu = time.perf_counter(), time.process_time()
print(json.dumps({
    "ms": (end - start) * 1000,
    "answer_ms": (end - imported) * 1000,
    "answer_cpu_ms": (end_cpu - imported_cpu) * 1000,
    "version": answer.version,
}))
"""


def cold(library: str, runs: int) -> tuple[list[float], list[float], list[float], list[float], str]:
    answers, cpu, inside, whole = [], [], [], []
    version = ""
    for run in range(runs + 1):  # the first run warms the OS page cache and byte-code caches; it is discarded
        topic = TOPICS[run % len(TOPICS)]
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-c", CHILD, library, topic],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "FASTAPI_EXPERT_OFFLINE": "1"},
        )
        total = (time.perf_counter() - started) * 1000
        result = json.loads(completed.stdout)
        version = result["version"]
        if run:
            answers.append(result["answer_ms"])
            cpu.append(result["answer_cpu_ms"])
            inside.append(result["ms"])
            whole.append(total)
    return answers, cpu, inside, whole, version


def warm(library: str, rounds: int) -> list[float]:
    import anyio

    from fastapi_expert.docs.service import DocsService

    service = DocsService()

    async def measure() -> list[float]:
        await service.fetch_docs(library, TOPICS[0], offline=True)
        samples = []
        for _ in range(rounds):
            for topic in TOPICS:
                started = time.perf_counter()
                await service.fetch_docs(library, topic, offline=True)
                samples.append((time.perf_counter() - started) * 1000)
        return samples

    return anyio.run(measure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", default="fastapi")
    parser.add_argument("--runs", type=int, default=7, help="cold runs (fresh processes), after one discarded")
    parser.add_argument("--warm-rounds", type=int, default=5, help="rounds over the topics in one process")
    args = parser.parse_args()
    print(f"python {platform.python_version()} ({sys.executable}), {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    answers, cpu, inside, whole, version = cold(args.library, args.runs)
    samples = warm(args.library, args.warm_rounds)
    print(f"\nfetch_docs({args.library!r} {version}, offline), topics: {', '.join(TOPICS)}\n")
    print(f"{'measure':<56}{'median':>9}{'min':>9}{'max':>9}  n")
    rows = [
        ("cold: first answer, fresh process, after imports (ms)", answers),
        ("  the same, CPU time of the process (ms)", cpu),
        ("cold: import + first answer, fresh process (ms)", inside),
        ("cold: whole process incl. interpreter start (ms)", whole),
        ("warm: answer in a process that answered before (ms)", samples),
    ]
    for name, values in rows:
        print(f"{name:<56}{statistics.median(values):>9.1f}{min(values):>9.1f}{max(values):>9.1f}  {len(values)}")
    print(f"load average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print("\ntargets: cold < 1500 ms, warm < 50 ms (medians)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
