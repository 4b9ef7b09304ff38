"""Speed of the review on FastAPI's ``docs_src/`` (about 490 files), against ruff, the parse floors and Fixit.

The corpus is the one ``docs_src_findings.py`` reviews (FastAPI's sdist, cached in ``bench/.cache/``). In one run,
interleaved (the order reverses every repetition, after one discarded warm-up of each target), ``--runs`` times:

(a) ``fastapi-expert review docs_src --format json`` with a new, empty ``FASTAPI_EXPERT_CACHE_DIR`` (process start
    included: what a user waits for); (b) the same with the cache filled; (c) ruff alone, with the same selection
    and flags as the review's ruff step; the engine API in-process (``review_paths``, imports done) cold and warm; the
    import cost of the CLI; our rules on one core (``check_source`` on every file: parse, index, rules; no ruff);
(d) stdlib ``ast.parse`` of every file (the parse floor of our engine); (e) libcst ``parse_module`` of every file;
(f) libcst with ``QualifiedNameProvider`` resolved on every file; (g) ``fixit lint docs_src`` (built-in rules).
Files are read before the in-process floors are timed. Then (h): a 300-line FastAPI module (``sample_app.py``)
through the in-memory MCP client, ``review_code`` with ``code`` and ``filename``: median of ``--calls`` calls after a
warm-up, with the same content (result cache hit) and edited on every call (our rules and ruff run). Then the peak
memory of one more cold CLI run, then the findings report of ``docs_src_findings.py``. A missed target prints the
cProfile of the work behind it. Exits 1 when the findings report has unexplained findings.

Subprocesses run without ``PYTHONDONTWRITEBYTECODE`` (as on a user's machine, modules load from byte-code caches).

    .venv/bin/python bench/review_corpus.py [--runs 5] [--fixit-runs N] [--calls 50] [--profile]
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import functools
import gc
import importlib.metadata
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import libcst
from docs_src_findings import check, corpus, load_allowlist, report, resolve_version
from libcst.metadata import MetadataWrapper, QualifiedNameProvider
from mcp import Client

from fastapi_expert.config import load_config
from fastapi_expert.models import Severity
from fastapi_expert.review.checker import check_source
from fastapi_expert.review.engine import ReviewRequest, collect_files, review_code, review_paths
from fastapi_expert.review.registry import all_rules
from fastapi_expert.review.ruff import DEFAULT_SELECTION, RuffRun, ruff_command
from fastapi_expert.review.rule import Rule
from fastapi_expert.server import build_server

BENCH = Path(__file__).resolve().parent
SAMPLE = BENCH / "sample_app.py"
SAMPLE_NAME = "app/main.py"
CLI = str(Path(sys.executable).with_name("fastapi-expert"))
FIXIT = str(Path(sys.executable).with_name("fixit"))
#: A subprocess that takes longer than this is a hang, not a measurement.
RUN_TIMEOUT = 600
PROFILE_TOP = 20
MEMORY_SAMPLE_SECONDS = 0.01

#: Targets: CLI cold <= 1.5 s and >= 15x faster than Fixit, within 1.5x of the parse floor; warm < 0.5 s; MCP < 30 ms.
TARGET_COLD_SECONDS = 1.5
TARGET_FIXIT_RATIO = 15.0
TARGET_FLOOR_RATIO = 1.5
TARGET_WARM_SECONDS = 0.5
TARGET_MCP_SECONDS = 0.030


@dataclass
class Corpus:
    root: Path  # fastapi-<version>/, the CLI's working directory
    docs_src: Path
    texts: list[tuple[str, str]]  # (path relative to root, text)
    request: ReviewRequest  # the configuration the CLI loads there, no cache
    env: dict[str, str]  # for subprocesses


@dataclass
class Target:
    label: str
    run: Callable[[], float]  # one measurement, seconds
    slow: bool = False  # repeated --fixit-runs times instead of --runs
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")


def _subprocess(command: Sequence[str], cwd: Path, env: dict[str, str], ok: Sequence[int] = (0,)) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT, check=False
    )
    elapsed = time.perf_counter() - started
    if completed.returncode not in ok:
        stderr = completed.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(command)} exited {completed.returncode}:\n{stderr}")
    return elapsed


def _in_process(work: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _cli_command() -> list[str]:
    return [CLI, "review", "docs_src", "--format", "json"]


def _ruff_command(target_version: str) -> list[str]:
    """The review's own ruff command line (review.ruff.ruff_command), on docs_src."""
    return [*ruff_command(DEFAULT_SELECTION, target_version), "docs_src"]


def _ast_floor(texts: Sequence[tuple[str, str]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path, text in texts:
            ast.parse(text, filename=path)


def _libcst_parse(texts: Sequence[tuple[str, str]]) -> None:
    for _, text in texts:
        libcst.parse_module(text)


def _libcst_qualified_names(texts: Sequence[tuple[str, str]]) -> None:
    for _, text in texts:
        MetadataWrapper(libcst.parse_module(text), unsafe_skip_copy=True).resolve(QualifiedNameProvider)


def _our_rules_one_core(texts: Sequence[tuple[str, str]]) -> None:
    rules = all_rules()
    for path, text in texts:
        check_source(text, path, rules)


def load_corpus(version: str, scratch: Path) -> Corpus:
    root = corpus(version)
    docs_src = root / "docs_src"
    loaded = load_config(docs_src)
    request = ReviewRequest(
        config=loaded.config, target_version=loaded.target_version, max_findings=10**9, cache_dir=None
    )
    texts = [(display, path.read_text(encoding="utf-8")) for path, display in collect_files([docs_src], root)]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["FASTAPI_EXPERT_CACHE_DIR"] = str(scratch / "unused-cache")
    return Corpus(root, docs_src, texts, request, env)


def build_targets(data: Corpus, scratch: Path, fixit: bool) -> dict[str, Target]:
    warm_cli = scratch / "warm-cli"
    warm_engine = scratch / "warm-engine"
    counter = iter(range(10**9))

    def fresh(name: str) -> Path:
        return scratch / f"{name}-{next(counter)}"

    def cli(cache: Path) -> float:
        return _subprocess(_cli_command(), data.root, data.env | {"FASTAPI_EXPERT_CACHE_DIR": str(cache)}, ok=(0, 1))

    def engine(cache: Path | None) -> float:
        request = ReviewRequest(
            config=data.request.config,
            target_version=data.request.target_version,
            max_findings=data.request.max_findings,
            cache_dir=cache,
        )
        return _in_process(lambda: review_paths([data.docs_src], data.root, request))

    def rules_work() -> None:
        _our_rules_one_core(data.texts)

    imports = (
        "import fastapi_expert.cli, fastapi_expert.cli.review, fastapi_expert.review.engine; "
        "from fastapi_expert.review.registry import all_rules; all_rules()"
    )
    targets = {
        "cli_cold": Target("(a) CLI cold: fresh cache, process start included", lambda: cli(fresh("cold-cli"))),
        "cli_warm": Target("(b) CLI warm: cache filled", lambda: cli(warm_cli)),
        "ruff": Target(
            "(c) ruff alone, same selection",
            lambda: _subprocess(_ruff_command(data.request.target_version), data.root, data.env),
        ),
        "engine_cold": Target("    engine API cold, in-process (fresh cache)", lambda: engine(fresh("cold-engine"))),
        "engine_nocache": Target("    engine API cold, in-process, no cache", lambda: engine(None)),
        "engine_warm": Target("    engine API warm, in-process", lambda: engine(warm_engine)),
        "imports": Target(
            "    CLI process start + imports (no review)",
            lambda: _subprocess([sys.executable, "-c", imports], data.root, data.env),
        ),
        "rules": Target("    our rules on one core, in-process (no ruff)", lambda: _in_process(rules_work)),
        "ast": Target("(d) ast.parse floor, in-process", lambda: _in_process(lambda: _ast_floor(data.texts))),
        "libcst": Target("(e) libcst parse_module, in-process", lambda: _in_process(lambda: _libcst_parse(data.texts))),
        "libcst_qn": Target(
            "(f) libcst + QualifiedNameProvider, in-process",
            lambda: _in_process(lambda: _libcst_qualified_names(data.texts)),
            slow=True,
        ),
    }

    if fixit:
        targets["fixit"] = Target(
            "(g) Fixit: fixit lint docs_src (built-in rules)",
            lambda: _subprocess([FIXIT, "lint", "docs_src"], data.root, data.env, ok=(0, 1)),
            slow=True,
        )
    return targets


def warm_up(targets: dict[str, Target], data: Corpus) -> None:
    """One discarded run of each target (byte-code and page caches, the warm caches); checks the CLI's output."""
    for name, target in targets.items():
        if name == "fixit":  # a whole Fixit run costs a minute: one file loads the same code
            one_file = data.texts[0][0]
            _subprocess([FIXIT, "lint", one_file], data.root, data.env, ok=(0, 1))
            continue
        target.run()
    env = data.env | {"FASTAPI_EXPERT_CACHE_DIR": str(Path(data.env["FASTAPI_EXPERT_CACHE_DIR"]).parent / "warm-cli")}
    completed = subprocess.run(_cli_command(), cwd=data.root, env=env, capture_output=True, check=False)
    summary = json.loads(completed.stdout)["summary"]
    if summary["files"] != len(data.texts):
        raise RuntimeError(f"the CLI reviewed {summary['files']} files; the corpus has {len(data.texts)}")


def measure(targets: dict[str, Target], runs: int, slow_runs: int) -> None:
    names = list(targets)
    for index in range(runs):
        order = names if index % 2 == 0 else names[::-1]
        for name in order:
            target = targets[name]
            if target.slow and index >= slow_runs:
                continue
            target.samples.append(target.run())
        print(f"  repetition {index + 1}/{runs} done", file=sys.stderr, flush=True)


@dataclass
class McpFigures:
    same: list[float]
    edited: list[float]
    direct: list[float]
    lines: int


def _edited(code: str, index: int) -> str:
    return f"{code}\n# edit {index}\n"


async def _mcp_calls(code: str, calls: int, root: Path) -> tuple[list[float], list[float]]:
    async def call(client: Client, text: str) -> float:
        started = time.perf_counter()
        result = await client.call_tool("review_code", {"code": text, "filename": SAMPLE_NAME})
        elapsed = time.perf_counter() - started
        content = result.structured_content
        if result.is_error or content is None or content["summary"]["files"] != 1:
            raise RuntimeError(f"review_code failed: {result}")
        return elapsed

    async with Client(build_server(root=root)) as client:
        for index in range(5):  # warm-up: imports, rules, the ruff binary in the page cache, the cache entry
            await call(client, code)
            await call(client, _edited(code, -index - 1))
        same = [await call(client, code) for _ in range(calls)]
        edited = [await call(client, _edited(code, index)) for index in range(calls)]
    return same, edited


def measure_mcp(calls: int, scratch: Path) -> McpFigures:
    code = SAMPLE.read_text(encoding="utf-8")
    same, edited = anyio.run(_mcp_calls, code, calls, scratch, backend="asyncio")
    request = ReviewRequest(max_findings=200, cache_dir=None)
    direct = [
        _in_process(functools.partial(review_code, _edited(code, 10**6 + index), SAMPLE_NAME, request))
        for index in range(calls)
    ]
    return McpFigures(same, edited, direct, code.count("\n"))


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        for child in children.get(current, []):
            found.append(child)
            pending.append(child)
    return found


def _pss_kib(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


@dataclass
class Memory:
    max_rss_kib: int  # the largest single process of the run (ru_maxrss of the children)
    tree_pss_kib: int | None  # the whole process tree at its sampled peak (main, workers, ruff); None without /proc


def measure_memory(data: Corpus, scratch: Path) -> Memory:
    """One more cold CLI run, under a wrapper that reports ``getrusage(RUSAGE_CHILDREN).ru_maxrss``."""
    wrapper = (
        "import resource, subprocess, sys; "
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(0 if code in (0, 1) else code)"
    )
    env = data.env | {"FASTAPI_EXPERT_CACHE_DIR": str(scratch / "memory-cold")}
    process = subprocess.Popen(
        [sys.executable, "-c", wrapper, *_cli_command()], cwd=data.root, env=env, stdout=subprocess.PIPE
    )
    peak = 0
    sampling = Path("/proc").is_dir()
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, sum(_pss_kib(pid) for pid in _descendants(process.pid)))
            stop.wait(MEMORY_SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    if sampling:
        sampler.start()
    output, _ = process.communicate(timeout=RUN_TIMEOUT)
    stop.set()
    if sampling:
        sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"the memory run failed (exit {process.returncode})")
    return Memory(int(output.split()[-1]), peak if sampling else None)


def _profile(label: str, work: Callable[[], object]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(PROFILE_TOP)
    print(f"\nProfile: {label} (cProfile, top {PROFILE_TOP} by own time)")
    print("  (deterministic profiling inflates functions that make many small calls; the wall times above do not)")
    body = stream.getvalue()
    start = body.find("   ncalls")
    print(body[start:].rstrip() if start >= 0 else body.rstrip())


def _ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def _seconds(value: float) -> str:
    return f"{value:9.3f}" if value >= 0.1 else f"{value * 1000:7.1f}ms"


def _status(met: bool) -> str:
    return "met" if met else "MISSED"


def print_table(targets: dict[str, Target], mcp: McpFigures) -> None:
    print(f"{'target':<52}{'median':>10}{'min':>10}{'max':>10}{'runs':>6}")
    for target in targets.values():
        values = target.samples
        print(
            f"{target.label:<52}{_seconds(target.median):>10}{_seconds(min(values)):>10}"
            f"{_seconds(max(values)):>10}{len(values):>6}"
        )
    for label, values in (
        (f"(h) MCP review_code, {mcp.lines} lines, same content", mcp.same),
        (f"(h) MCP review_code, {mcp.lines} lines, edited each", mcp.edited),
        ("    review_code() direct, edited each call", mcp.direct),
    ):
        print(
            f"{label:<52}{_seconds(statistics.median(values)):>10}{_seconds(min(values)):>10}"
            f"{_seconds(max(values)):>10}{len(values):>6}"
        )
    print("(seconds unless marked ms)")


def _row(label: str, value: str, target: str = "", met: bool | None = None, note: str = "") -> None:
    status = "" if met is None else _status(met)
    print(f"  {label:<34}{value:>12}   {target:<16}{status:<8}{note}".rstrip())


def print_ratios(targets: dict[str, Target], mcp: McpFigures, memory: Memory) -> dict[str, bool]:
    median = {name: target.median for name, target in targets.items()}
    cold, warm, floor = median["cli_cold"], median["cli_warm"], median["ast"]
    same, edited = statistics.median(mcp.same), statistics.median(mcp.edited)
    results = {
        "cold": cold <= TARGET_COLD_SECONDS,
        "floor": cold / floor <= TARGET_FLOOR_RATIO,
        "floor_in_process": median["engine_cold"] / floor <= TARGET_FLOOR_RATIO,
        "warm": warm < TARGET_WARM_SECONDS,
        "mcp": same < TARGET_MCP_SECONDS,
        "mcp_edited": edited < TARGET_MCP_SECONDS,
    }
    print("\nRatios and targets")
    _row("CLI cold", f"{cold:.3f} s", f"<= {TARGET_COLD_SECONDS} s", results["cold"])
    if "fixit" in median:
        results["fixit"] = median["fixit"] / cold >= TARGET_FIXIT_RATIO
        _row("Fixit / CLI cold", f"{median['fixit'] / cold:.1f}x", f">= {TARGET_FIXIT_RATIO:.0f}x", results["fixit"])
    limit = f"<= {TARGET_FLOOR_RATIO}x"
    _row("CLI cold / ast floor", f"{cold / floor:.1f}x", limit, results["floor"], "(process start included)")
    ratio = median["engine_cold"] / floor
    _row("engine API cold / ast floor", f"{ratio:.1f}x", limit, results["floor_in_process"], "(both in-process)")
    _row("our rules, one core / ast floor", f"{median['rules'] / floor:.1f}x", note="(parse, index, rules; no ruff)")
    _row("CLI warm", f"{warm:.3f} s", f"< {TARGET_WARM_SECONDS} s", results["warm"])
    mcp_limit = f"< {TARGET_MCP_SECONDS * 1000:.0f} ms"
    _row("MCP, same content (cache hit)", f"{same * 1000:.1f} ms", mcp_limit, results["mcp"])
    _row("MCP, edited each call", f"{edited * 1000:.1f} ms", mcp_limit, results["mcp_edited"])
    _row("CLI cold / ruff alone", f"{cold / median['ruff']:.1f}x")
    _row("libcst parse / ast floor", f"{median['libcst'] / floor:.1f}x")
    _row("libcst + QualifiedName / parse", f"{median['libcst_qn'] / median['libcst']:.1f}x")
    print("\nPeak memory of one cold CLI run")
    _row("largest process (ru_maxrss)", f"{memory.max_rss_kib / 1024:.1f} MiB")
    if memory.tree_pss_kib is not None:
        _row("whole tree, sampled peak (PSS)", f"{memory.tree_pss_kib / 1024:.1f} MiB", note="(CLI, workers, ruff)")
    return results


class _Baseline(Rule):
    """Not a rule: forces the parse and the walk, so what a rule adds on top can be measured."""

    CODE = "FE999"
    MESSAGE = "baseline"
    SEVERITY = Severity.INFO


def _check_all(texts: Sequence[tuple[str, str]], rules: Sequence[type[Rule]]) -> None:
    for path, text in texts:
        check_source(text, path, rules)


def _median_of(repeats: int, work: Callable[[], object]) -> float:
    return statistics.median(_in_process(work) for _ in range(repeats))


def print_costs(label: str, texts: Sequence[tuple[str, str]], repeats: int, top: int) -> None:
    """Wall time of the stages on one core, and what each rule adds alone (no profiler overhead)."""
    floor = _median_of(repeats, functools.partial(_ast_floor, texts))
    baseline = _median_of(repeats, functools.partial(_check_all, texts, [_Baseline]))
    everything = _median_of(repeats, functools.partial(_check_all, texts, all_rules()))
    costs = [
        (rule, _median_of(repeats, functools.partial(_check_all, texts, [_Baseline, rule])) - baseline)
        for rule in all_rules()
    ]
    print(f"\nWhere the time goes: {label}, one core, median of {repeats}")
    _row("ast.parse", _ms(floor))
    _row("parse + walk, no rule", _ms(baseline), note="(check_source with an empty rule)")
    _row(f"parse + walk + all {len(costs)} rules", _ms(everything))
    print(f"  the {top} costliest rules, each alone on top of the walk (index parts it asks for included):")
    for rule, cost in sorted(costs, key=lambda item: -item[1])[:top]:
        _row(f"  {rule.CODE} {rule.name()}"[:34], _ms(cost))


def print_profiles(results: dict[str, bool], data: Corpus, scratch: Path, mcp: McpFigures, force: bool) -> None:
    cold_missed = not (results["cold"] and results.get("fixit", True) and results["floor_in_process"])
    if force or cold_missed or not results["floor"]:
        print_costs(f"docs_src ({len(data.texts)} files)", data.texts, repeats=3, top=10)
        _profile(
            "our rules on every file of docs_src, one core (what the workers run)",
            lambda: _our_rules_one_core(data.texts),
        )
    if force or not results["warm"]:
        warm = ReviewRequest(
            config=data.request.config,
            target_version=data.request.target_version,
            max_findings=data.request.max_findings,
            cache_dir=scratch / "warm-engine",
        )
        _profile("engine API warm (all cached)", lambda: review_paths([data.docs_src], data.root, warm))
    if force or not (results["mcp"] and results["mcp_edited"]):
        code = SAMPLE.read_text(encoding="utf-8")
        ruff_alone = _median_of(10, lambda: RuffRun(stdin=code, stdin_filename=SAMPLE_NAME).result())
        print(f"\nThe {mcp.lines}-line file through MCP, edited each call (medians)")
        _row("MCP review_code", _ms(statistics.median(mcp.edited)))
        _row("review_code() direct", _ms(statistics.median(mcp.direct)), note="(our rules, then ruff)")
        _row("ruff on stdin alone", _ms(ruff_alone), note="(subprocess)")
        print_costs(f"{SAMPLE.name} ({mcp.lines} lines)", [(SAMPLE_NAME, code)], repeats=5, top=10)
        request = ReviewRequest(max_findings=200, cache_dir=None)

        def edited_calls() -> None:
            for index in range(20):
                review_code(_edited(code, 2 * 10**6 + index), SAMPLE_NAME, request)

        _profile(f"review_code() on {SAMPLE.name}, edited each call, 20 calls", edited_calls)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each target (default 5)")
    parser.add_argument("--fixit-runs", type=int, help="repetitions of Fixit and libcst metadata (default --runs)")
    parser.add_argument("--calls", type=int, default=50, help="MCP calls per variant (default 50)")
    parser.add_argument("--profile", action="store_true", help="print the profiles even when every target is met")
    parser.add_argument("--fastapi-version", metavar="VERSION", help="as in docs_src_findings.py")
    args = parser.parse_args(argv)
    slow_runs = args.runs if args.fixit_runs is None else args.fixit_runs
    if args.runs < 1 or args.calls < 1 or not 1 <= slow_runs <= args.runs:
        parser.error("--runs and --calls must be >= 1, and 1 <= --fixit-runs <= --runs")
    allowlist = load_allowlist()
    version = resolve_version(args.fastapi_version, allowlist)
    versions = {name: importlib.metadata.version(name) for name in ("ruff", "libcst", "fixit", "mcp")}
    with tempfile.TemporaryDirectory(prefix="review-bench-") as temporary:
        scratch = Path(temporary)
        os.environ["FASTAPI_EXPERT_CACHE_DIR"] = str(scratch / "mcp-cache")  # the MCP server's cache
        data = load_corpus(version, scratch)
        load1, load5, _ = os.getloadavg()
        machine = f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}"
        print(f"{machine}, load average {load1:.2f} (1 min) {load5:.2f} (5 min)")
        print(", ".join(f"{name} {value}" for name, value in versions.items()) + f", {len(all_rules())} FE rules")
        print(
            f"corpus: FastAPI {version} docs_src, {len(data.texts)} files, "
            f"{sum(text.count(chr(10)) for _, text in data.texts)} lines; "
            f"ruff selection: {len(DEFAULT_SELECTION)} codes\n"
        )
        targets = build_targets(data, scratch, fixit=shutil.which(FIXIT) is not None)
        print("warming up ...", file=sys.stderr, flush=True)
        warm_up(targets, data)
        measure(targets, args.runs, slow_runs)
        mcp = measure_mcp(args.calls, scratch)
        memory = measure_memory(data, scratch)
        load1, load5, _ = os.getloadavg()
        print(f"Review of docs_src: median of {args.runs} interleaved runs ({slow_runs} for Fixit and libcst metadata)")
        print(f"(load average after the runs: {load1:.2f} (1 min) {load5:.2f} (5 min))\n")
        print_table(targets, mcp)
        results = print_ratios(targets, mcp, memory)
        print_profiles(results, data, scratch, mcp, args.profile)
    print("\nFindings (docs_src_findings.py)\n")
    outcome = check(data.root, allowlist)
    print(report(outcome, version), end="")
    return 1 if outcome.unexplained or outcome.stale else 0


if __name__ == "__main__":
    sys.exit(main())
