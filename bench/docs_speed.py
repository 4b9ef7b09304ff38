"""Speed of ``fetch_docs`` offline, for one library (default ``fastapi``): cold and warm, medians.

Cold: a fresh interpreter per run answers one topic. Timed inside that process: the first answer (finding the
environment, reading its distributions, loading and indexing the package's API, splitting its bundled docs, loading
and indexing the knowledge base), and the same with ``import fastapi_expert.docs.service`` before it (pydantic, anyio:
what a running server has already imported). The whole process, interpreter start-up included, is printed too.
Cold runs come in two kinds, interleaved so that both see the same load: with an empty cache directory (the first
process ever: griffe parses the package, and the API is written to the on-disk cache) and with the cache directory
the previous runs filled (every later process: the API is read back from disk).
Warm: in one process, after a first answer, each topic again (the package's API, its index and the bundled docs are
cached in-process). Targets for fastapi: cold < 1.5 s, warm < 50 ms. The figures are medians of wall-clock times:
run it on an idle machine (it prints the load average; the CPU time of the cold answer is printed too, as it depends
less on other processes).

    .venv/bin/python bench/docs_speed.py [--library fastapi] [--topic T ...] [--runs 7] [--warm-rounds 5]
    .venv/bin/python bench/docs_speed.py --library sqlalchemy --topic "AsyncSession.execute" --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOPICS = ["dependencies with yield", "Depends", "lifespan", "BackgroundTasks", "response model"]
#: Cold runs with an empty cache directory (the first process), and with the one earlier runs filled.
KINDS = ("empty", "filled")

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
    "cpu_ms": (end_cpu - start_cpu) * 1000,
    "answer_ms": (end - imported) * 1000,
    "answer_cpu_ms": (end_cpu - imported_cpu) * 1000,
    "version": answer.version,
}))
"""


Samples = dict[str, list[float]]


def cold(library: str, topics: list[str], runs: int) -> tuple[dict[str, Samples], str]:
    """Per kind of run (``empty``, ``filled`` cache directory): the samples of each measure."""
    names = ("answer", "cpu", "inside", "inside_cpu", "whole")
    samples: dict[str, Samples] = {kind: {name: [] for name in names} for kind in KINDS}
    version = ""
    with tempfile.TemporaryDirectory(prefix="docs-speed-") as scratch:
        filled = Path(scratch) / "filled"
        for run in range(runs + 1):  # the first round warms the OS page cache and fills the cache; it is discarded
            topic = topics[run % len(topics)]
            for kind in KINDS:
                cache_dir = filled if kind == "filled" else Path(scratch) / f"empty-{run}"
                started = time.perf_counter()
                completed = subprocess.run(
                    [sys.executable, "-c", CHILD, library, topic],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ, "FASTAPI_EXPERT_OFFLINE": "1", "FASTAPI_EXPERT_CACHE_DIR": str(cache_dir)},
                )
                total = (time.perf_counter() - started) * 1000
                result = json.loads(completed.stdout)
                version = result["version"]
                if run:
                    measures = samples[kind]
                    measures["answer"].append(result["answer_ms"])
                    measures["cpu"].append(result["answer_cpu_ms"])
                    measures["inside"].append(result["ms"])
                    measures["inside_cpu"].append(result["cpu_ms"])
                    measures["whole"].append(total)
    return samples, version


def warm(library: str, topics: list[str], rounds: int) -> list[float]:
    import anyio

    from fastapi_expert.docs.service import DocsService

    service = DocsService()

    async def measure() -> list[float]:
        await service.fetch_docs(library, topics[0], offline=True)
        samples = []
        for _ in range(rounds):
            for topic in topics:
                started = time.perf_counter()
                await service.fetch_docs(library, topic, offline=True)
                samples.append((time.perf_counter() - started) * 1000)
        return samples

    return anyio.run(measure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", default="fastapi")
    parser.add_argument("--topic", action="append", help="a topic to ask (repeatable); default: FastAPI topics")
    parser.add_argument("--runs", type=int, default=7, help="cold runs of each kind (fresh processes), after one round")
    parser.add_argument("--warm-rounds", type=int, default=5, help="rounds over the topics in one process")
    args = parser.parse_args()
    topics = args.topic or TOPICS
    print(f"python {platform.python_version()} ({sys.executable}), {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    samples, version = cold(args.library, topics, args.runs)
    warm_samples = warm(args.library, topics, args.warm_rounds)
    print(f"\nfetch_docs({args.library!r} {version}, offline), topics: {', '.join(topics)}\n")
    print(f"{'measure':<66}{'median':>9}{'min':>9}{'max':>9}  n")
    rows: list[tuple[str, list[float]]] = []
    for kind, label in (("empty", "empty cache dir (first process)"), ("filled", "API cache on disk (next processes)")):
        measures = samples[kind]
        rows += [
            (f"cold, {label}:", []),
            ("  first answer, after imports (ms)", measures["answer"]),
            ("  the same, CPU time of the process (ms)", measures["cpu"]),
            ("  import + first answer (ms)", measures["inside"]),
            ("  the same, CPU time of the process (ms)", measures["inside_cpu"]),
            ("  whole process incl. interpreter start (ms)", measures["whole"]),
        ]
    rows.append(("warm: answer in a process that answered before (ms)", warm_samples))
    for name, values in rows:
        if not values:
            print(name)
            continue
        print(f"{name:<66}{statistics.median(values):>9.1f}{min(values):>9.1f}{max(values):>9.1f}  {len(values)}")
    print(f"load average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print("\ntargets: cold < 1500 ms, warm < 50 ms (medians)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
