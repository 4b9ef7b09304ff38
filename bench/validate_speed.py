"""Speed of ``validate_code`` (the harness behind it), for one schema module and for a 5-route resource.

Each run validates new files (a comment with the run's number defeats the review cache, as new generated code
would). Three modes:

- ``warm``: the default harness, which keeps one confined, loaded child as a spare; a pause between runs (``--gap``,
  like an assistant calling it now and then) gives the spare time to load;
- ``back-to-back``: the same, no pause: the spare the previous run started is still loading;
- ``cold``: no spare (``FASTAPI_EXPERT_SANDBOX_SPARE=0``): every run starts its child and waits for it.

Printed per case and mode: the median total and the median of each part: static steps (syntax, ruff and our
review, in this process), laying out the copy, waiting for the child (subprocess start: interpreter, confinement,
FastAPI/SQLAlchemy imports; overlaps the static steps), then the child's own steps (import, startup, openapi,
routes), and ``start``: the child's own start, spawn to ready (the spare's happened before the run). Target: 5-route
resource without fuzz under 3 s. Medians of wall-clock times: run it on an idle machine
(the load average is printed).

    .venv/bin/python bench/validate_speed.py [--runs 7] [--gap 2] [--modes warm,back-to-back,cold]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi_expert.validate.harness import ValidationRun, run_validation
from fastapi_expert.validate.sandbox import SPARE_ENV, detect_isolation, spares
from tests.validate.samples import BOOK_FILES, SCHEMA_ONLY

CASES = {"schema": SCHEMA_ONLY, "5-route resource": BOOK_FILES}
PARTS = ("static", "layout", "wait", "import", "startup", "openapi", "routes")
#: Printed after the parts: the child's own start (spawn to ready), whether or not the run waited for it.
START = "start"


def fresh(files: dict[str, str], run: int) -> list[tuple[str, str]]:
    return [(path, f"{content}# run {run} {time.time_ns()}\n") for path, content in files.items()]


def parts(run: ValidationRun) -> dict[str, float]:
    timings = run.timings
    found = {"static": timings.static_ms, "layout": timings.prepare_ms, "wait": timings.wait_ms}
    found.update({name: timings.steps_ms.get(name, 0.0) for name in PARTS[3:]})
    found[START] = timings.start_ms or 0.0
    found["total"] = timings.total_ms
    return found


async def measure(files: dict[str, str], runs: int, gap: float) -> list[dict[str, float]]:
    measured = []
    for number in range(runs):
        run = await run_validation(fresh(files, number), timeout=60)
        if not run.report.ok:
            failed = run.report.failed_step
            raise SystemExit(f"validation failed: {failed.name if failed else '?'}: {failed.detail if failed else ''}")
        measured.append(parts(run))
        if gap:
            await anyio.sleep(gap)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--gap", type=float, default=2.0, help="seconds between runs in warm mode")
    parser.add_argument("--modes", default="warm,back-to-back,cold")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load average {os.getloadavg()}")
    print("sandbox layers: " + "; ".join(detect_isolation().describe()))
    header = f"{'case':<18} {'mode':<13} {'total':>7} " + " ".join(f"{part:>8}" for part in (*PARTS, START))
    print(header)
    for mode in args.modes.split(","):
        if mode == "cold":
            os.environ[SPARE_ENV] = "0"
            spares.discard()
        else:
            os.environ.pop(SPARE_ENV, None)
        for name, files in CASES.items():
            # One discarded run first: it pays for the first spare (and the first ruff run) in warm modes.
            anyio.run(measure, files, 1, args.gap if mode == "warm" else 0)
            measured = anyio.run(measure, files, args.runs, args.gap if mode == "warm" else 0.0)
            medians = {key: statistics.median(run[key] for run in measured) for key in measured[0]}
            row = f"{name:<18} {mode:<13} {medians['total'] / 1000:>6.2f}s "
            print(row + " ".join(f"{medians[part]:>6.0f}ms" for part in (*PARTS, START)), flush=True)
    spares.discard()


if __name__ == "__main__":
    main()
