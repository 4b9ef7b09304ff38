"""``validate_files``: run generated files inside a sandboxed copy of the reference app, step by step.

The static steps run here, in the server's process: ``syntax`` (every ``.py`` file compiles; the detail says
``path:line:col``), ``ruff`` and ``review`` (our review with its ruff selection; a finding of severity ``error``
fails the step, warnings and infos are listed in a passing step's detail). The dynamic steps run in one sandboxed
child (``sandbox.py``, ``child.py``): ``import`` (every overlaid module, then the app), ``startup`` (lifespan),
``openapi``, ``routes`` (a request to every route the files define, built from its OpenAPI schema) and, with
``fuzz``, ``fuzz``. The first failure's detail carries the real error; the steps after it are reported as skipped.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from fastapi_expert.errors import InputError, SandboxError
from fastapi_expert.models import Finding, GeneratedFile, Severity
from fastapi_expert.validate.models import STEP_NAMES, ValidationReport, ValidationStep
from fastapi_expert.validate.overlay import checked_files, overlay_files
from fastapi_expert.validate.sandbox import Isolation, SandboxJob, SandboxOutcome, detect_isolation, spares

__all__ = [
    "DEFAULT_TIMEOUT",
    "FUZZ_TIMEOUT",
    "MAX_TIMEOUT",
    "MEMORY_BYTES",
    "RunTimings",
    "ValidationRun",
    "run_validation",
    "validate_files",
]

#: Seconds the sandboxed steps may take in all, without and with fuzzing (the static steps are not counted).
DEFAULT_TIMEOUT = 60.0
FUZZ_TIMEOUT = 240.0
MAX_TIMEOUT = 900.0
#: The address space the code may use (a 10 GB allocation fails with MemoryError).
MEMORY_BYTES = 3 * 1024**3
_MAX_FINDINGS_SHOWN = 30
_OUTPUT_LINES = 15

#: Awaited with a step's name when it starts (progress reports).
Progress = Callable[[str], Awaitable[None]]
Reference = Callable[[Path], Path]


@dataclass(slots=True)
class RunTimings:
    """Where the time of one validation went, in milliseconds (for the benchmark)."""

    static_ms: float = 0.0
    prepare_ms: float = 0.0
    #: How long the run waited for its child to be ready after the static steps (0 with a ready spare).
    wait_ms: float = 0.0
    #: From starting the child to its ready report: interpreter, confinement, framework imports.
    start_ms: float | None = None
    steps_ms: dict[str, float] = field(default_factory=dict)
    total_ms: float = 0.0


@dataclass(slots=True)
class ValidationRun:
    """A report with its timings and the sandbox layers the child applied."""

    report: ValidationReport
    timings: RunTimings
    layers: list[str]


async def validate_files(
    files: Sequence[GeneratedFile],
    *,
    fuzz: bool = False,
    timeout: float | None = None,  # noqa: ASYNC109 - bounds the child, not this coroutine
    database_url: str | None = None,
    new_routes_only: bool = True,
    on_progress: Progress | None = None,
    reference: Reference | None = None,
    isolation: Isolation | None = None,
) -> ValidationReport:
    """Validate ``files`` (paths relative to the app root, e.g. ``app/routers/items.py``) in a sandboxed copy of the
    reference app; ``ok`` when every step that ran passed.

    ``timeout`` bounds the sandboxed steps (default 60 s, 240 s with ``fuzz``); ``database_url`` becomes the child's
    ``DATABASE_URL`` (default: SQLite in the copy); ``new_routes_only`` exercises only routes whose endpoint is
    defined in ``files``. ``on_progress`` is awaited with each step's name as it starts; ``reference`` lays out the base
    app in a folder (default ``copy_reference_app``) and ``isolation`` overrides the detected sandbox layers (tests).
    Bad input raises ``InputError`` naming the argument (``files[2].path``); a sandbox that cannot start at all
    raises ``SandboxError``. Cancelling the call kills every process the code started and removes the copy.
    """
    run = await run_validation(
        files,
        fuzz=fuzz,
        timeout=timeout,
        database_url=database_url,
        new_routes_only=new_routes_only,
        on_progress=on_progress,
        reference=reference,
        isolation=isolation,
    )
    return run.report


async def run_validation(
    files: Sequence[GeneratedFile | tuple[str, str]],
    *,
    fuzz: bool = False,
    timeout: float | None = None,  # noqa: ASYNC109 - bounds the child, not this coroutine
    database_url: str | None = None,
    new_routes_only: bool = True,
    on_progress: Progress | None = None,
    reference: Reference | None = None,
    isolation: Isolation | None = None,
) -> ValidationRun:
    """``validate_files`` with the timings of each phase and the sandbox layers (what the benchmark prints)."""
    started = time.perf_counter()
    checked = checked_files(files)
    limit = _checked_timeout(timeout, fuzz)
    timings = RunTimings()
    steps: list[ValidationStep] = []
    wanted = [name for name in STEP_NAMES if fuzz or name != "fuzz"]

    async def progress(name: str) -> None:
        if on_progress is not None:
            await on_progress(name)

    await progress("syntax")
    syntax = _syntax_step(checked)
    steps.append(syntax)
    layers: list[str] = []
    if syntax.ok:
        chosen = isolation if isolation is not None else await anyio.to_thread.run_sync(detect_isolation)
        prepared = time.perf_counter()
        # The child starts now: it confines itself and loads FastAPI while the files are laid out and reviewed.
        with anyio.CancelScope(shield=True):  # a child taken must reach the `finally` that kills it
            child = await anyio.to_thread.run_sync(spares.take, chosen, database_url, MEMORY_BYTES)
        keep_warm = isolation is None
        finished = False
        try:
            if keep_warm and child.was_spare:
                # The next run's spare loads while this one runs (after a cold start it would slow this one down).
                await anyio.to_thread.run_sync(spares.replenish, chosen, MEMORY_BYTES)
            await anyio.to_thread.run_sync(_lay_out, child.root, checked, reference)
            timings.prepare_ms = (time.perf_counter() - prepared) * 1000
            await progress("ruff")
            static = time.perf_counter()
            findings = await anyio.to_thread.run_sync(_review, child.root, checked)
            timings.static_ms = (time.perf_counter() - static) * 1000 + syntax.duration_ms
            steps.extend(_review_steps(findings, (time.perf_counter() - static) * 1000))
            if all(step.ok for step in steps):
                await progress("import")
                await anyio.to_thread.run_sync(child.hand_over)
                job = SandboxJob(
                    files=tuple(file.path for file in checked),
                    timeout=limit,
                    fuzz=fuzz,
                    new_routes_only=new_routes_only,
                )
                outcome = await child.run(job, on_step=progress)
                layers = outcome.layers
                timings.wait_ms = outcome.wait_ms
                timings.start_ms = outcome.ready_ms
                steps.extend(_child_steps(outcome, steps, child.root))
            finished = True
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(child.discard)
        if finished and keep_warm:
            await anyio.to_thread.run_sync(spares.replenish, chosen, MEMORY_BYTES)
    timings.steps_ms = {step.name: step.duration_ms for step in steps}
    done = {step.name for step in steps}
    failed = next((step.name for step in steps if not step.ok), None)
    for name in wanted:
        if name not in done:
            steps.append(
                ValidationStep(name=name, ok=False, duration_ms=0, detail=f"skipped: {failed} failed", skipped=True)
            )
    timings.total_ms = (time.perf_counter() - started) * 1000
    report = ValidationReport(ok=all(step.ok for step in steps), steps=steps)
    return ValidationRun(report=report, timings=timings, layers=layers)


def _checked_timeout(timeout: float | None, fuzz: bool) -> float:
    if timeout is None:
        return FUZZ_TIMEOUT if fuzz else DEFAULT_TIMEOUT
    if not 0 < timeout <= MAX_TIMEOUT:
        raise InputError(f"must be more than 0 and at most {MAX_TIMEOUT:g} s, got {timeout:g}", argument="timeout")
    return float(timeout)


def _syntax_step(files: Sequence[GeneratedFile]) -> ValidationStep:
    started = time.perf_counter()
    sources = [file for file in files if file.path.endswith(".py")]
    problems = []
    for file in sources:
        try:
            compile(file.content, file.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            line = f"{file.path}:{exc.lineno or 1}:{exc.offset or 1}: {type(exc).__name__}: {exc.msg}"
            if exc.text:
                line += f"\n    {exc.text.rstrip()}"
            problems.append(line)
        except ValueError as exc:
            problems.append(f"{file.path}: {exc}")
    duration = (time.perf_counter() - started) * 1000
    if problems:
        return ValidationStep(name="syntax", ok=False, duration_ms=duration, detail="\n".join(problems))
    detail = f"{len(sources)} Python file{'s' * (len(sources) != 1)} compile"
    return ValidationStep(name="syntax", ok=True, duration_ms=duration, detail=detail)


def _lay_out(root: Path, files: Sequence[GeneratedFile], reference: Reference | None) -> None:
    if reference is None:
        from fastapi_expert.validate.reference import copy_reference_app

        reference = copy_reference_app
    laid_out = reference(root)
    if laid_out.resolve() != root.resolve():
        raise SandboxError(f"the reference app was laid out in {laid_out}, not in {root}")
    overlay_files(root, files)


def _review(root: Path, files: Sequence[GeneratedFile]) -> list[Finding]:
    from fastapi_expert.review.cache import default_cache_dir
    from fastapi_expert.review.engine import ReviewRequest, review_paths

    paths = [root / file.path for file in files if file.path.endswith(".py")]
    if not paths:
        return []
    request = ReviewRequest(max_findings=10_000, cache_dir=default_cache_dir())
    return review_paths(paths, root, request).findings


def _review_steps(findings: Sequence[Finding], duration_ms: float) -> list[ValidationStep]:
    steps = []
    for name, source in (("ruff", "ruff"), ("review", "fastapi-expert")):
        found = [finding for finding in findings if finding.source == source]
        errors = [finding for finding in found if finding.severity == Severity.ERROR]
        lines = [_finding_line(finding) for finding in (errors or found)[:_MAX_FINDINGS_SHOWN]]
        shown = errors or found
        if len(shown) > _MAX_FINDINGS_SHOWN:
            lines.append(f"... and {len(shown) - _MAX_FINDINGS_SHOWN} more")
        if errors:
            head = f"{len(errors)} error{'s' * (len(errors) != 1)}"
        elif found:
            head = f"no errors; {len(found)} warning or info finding{'s' * (len(found) != 1)}"
        else:
            head = "no findings"
        detail = "\n".join([head, *lines])
        steps.append(ValidationStep(name=name, ok=not errors, duration_ms=duration_ms / 2, detail=detail))
        if errors:
            break
    return steps


def _finding_line(finding: Finding) -> str:
    where = f"{finding.path}:{finding.line}:{finding.column}"
    return f"{where}: {finding.code} [{finding.severity.value}] {finding.message}"


def _child_steps(outcome: SandboxOutcome, earlier: Sequence[ValidationStep], root: Path) -> list[ValidationStep]:
    """The dynamic steps as reported, plus the one the child was in when it stopped (timed out, crashed)."""
    steps = []
    for step in outcome.steps:
        detail = step.detail.replace(f"{root}/", "")  # paths relative to the app root, as the files were given
        if step.name == "import" and outcome.layers:
            detail += "\nsandbox: " + "; ".join(outcome.layers)
        if not step.ok:
            detail += _output(outcome)
        steps.append(ValidationStep(name=step.name, ok=step.ok, duration_ms=step.duration_ms, detail=detail))
        if not step.ok:
            return steps
    if outcome.unfinished is not None or not outcome.done:
        name = outcome.unfinished or _next_step(outcome, earlier)
        if outcome.timed_out:
            reason = f"timed out after {outcome.limit:g} s"
            if outcome.ready_ms is None:
                reason += " while the sandbox was starting"
            reason += _where_it_hung(outcome.stderr_tail, root)
        elif outcome.ready_ms is None and outcome.unfinished is None:
            raise SandboxError(f"the sandbox stopped before running any step: {outcome.stopped()}{_output(outcome)}")
        else:
            reason = outcome.stopped()
        steps.append(
            ValidationStep(name=name, ok=False, duration_ms=outcome.unfinished_ms, detail=reason + _output(outcome))
        )
    return steps


def _next_step(outcome: SandboxOutcome, earlier: Sequence[ValidationStep]) -> str:
    done = {step.name for step in earlier} | {step.name for step in outcome.steps}
    return next(name for name in STEP_NAMES if name not in done)


def _dump_line(line: str) -> bool:
    """A line of the stack dump ``faulthandler`` writes on timeout."""
    return line.startswith(("  File ", "Thread 0x", "Current thread 0x", "Timeout (")) or not line.strip()


def _where_it_hung(stderr: str, root: Path) -> str:
    """The frames of the validated code in the stack dump the child wrote just before its time ran out; the dump
    is then left out of the stderr tail."""
    prefix = f'  File "{root}/'
    frames = [line.replace(prefix, '  File "', 1) for line in stderr.splitlines() if line.startswith(prefix)]
    if not frames:
        return ""
    return "\nwhere the code was (most recent call first):\n" + "\n".join(frames[:_OUTPUT_LINES])


def _output(outcome: SandboxOutcome) -> str:
    parts = []
    for label, text in (("stderr", outcome.stderr_tail), ("stdout", outcome.stdout_tail)):
        lines = [line[:300] for line in text.strip().splitlines() if not _dump_line(line)][-_OUTPUT_LINES:]
        if lines:
            parts.append(f"\n--- {label} (last {len(lines)} lines) ---\n" + "\n".join(lines))
    return "".join(parts)
