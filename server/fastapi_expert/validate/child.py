"""The program the sandbox runs: ``python -I -B -u -m fastapi_expert.validate.child CONFIG ROOT``.

It confines itself (``confine.py``), loads the framework, waits for its job, installs the audit hook, then runs the
dynamic steps on the overlaid copy of the reference app: import, startup, openapi, routes and (when asked) fuzz,
stopping at the first failure. It reports on its own file descriptor, one JSON object per line, never on stdout or
stderr (those belong to the code under test):

    {"event": "ready", "layers": [...], "ms": 812.5}
        (then it waits for its job: one JSON line on its control descriptor, sent once the app is laid out)
    {"event": "start", "step": "import"}
    {"event": "end", "step": "import", "ok": true, "detail": "...", "duration_ms": 35.2}
    {"event": "done"}

A setup failure (ours) is ``{"event": "error", "detail": ...}``. A process the code forked never reports: it leaves
as soon as control comes back to this module. The channel keeps the code's output and accidents (closing or writing
to low descriptors) out of the report; it cannot keep out code that sets out to forge a passing report from inside
this very process. The report is a correctness check of generated code; what protects the host is the sandbox.
"""

from __future__ import annotations

import contextlib
import faulthandler
import fcntl
import importlib
import inspect
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi_expert.validate.confine import SandboxConfig, apply_confinement, install_audit_hook
from fastapi_expert.validate.overlay import module_name

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.testclient import TestClient

__all__ = ["StepFailed", "main"]

_EXIT_SETUP_FAILED = 70
_MAX_DETAIL = 6000
_MAX_FRAMES = 12


class StepFailed(Exception):
    """A step found a problem; its message is the step's detail."""


class _Reporter:
    def __init__(self, descriptor: int) -> None:
        # Move the channel out of the way of the low numbers code might close or reuse by accident.
        self._fd = fcntl.fcntl(descriptor, fcntl.F_DUPFD_CLOEXEC, 200)
        os.close(descriptor)
        self._pid = os.getpid()

    @property
    def in_main_process(self) -> bool:
        return os.getpid() == self._pid

    def send(self, **event: Any) -> None:
        if not self.in_main_process:
            return
        data = (json.dumps(event) + "\n").encode()
        while data:
            written = os.write(self._fd, data)
            data = data[written:]


class _Run:
    def __init__(self, config: SandboxConfig, reporter: _Reporter) -> None:
        self.config = config
        self.reporter = reporter
        self.root = os.path.realpath(config.root)
        self.modules = [name for path in sorted(config.files) if (name := module_name(path)) is not None]
        self.app: FastAPI | None = None
        self.client: TestClient | None = None
        self.stack = contextlib.ExitStack()

    def step(self, name: str, action: Callable[[], str]) -> bool:
        self.reporter.send(event="start", step=name)
        started = time.perf_counter()
        try:
            detail, ok = action(), True
        except StepFailed as exc:
            detail, ok = str(exc), False
        except BaseException as exc:  # noqa: BLE001 - the code under test may raise anything, SystemExit included
            detail, ok = self.describe(exc, name), False
        finally:
            if not self.reporter.in_main_process:
                os._exit(0)  # a process the code forked: it must not run our steps or report
        duration = (time.perf_counter() - started) * 1000
        self.reporter.send(event="end", step=name, ok=ok, detail=_trim(detail), duration_ms=round(duration, 1))
        return ok

    def describe(self, exc: BaseException, step: str) -> str:
        where = self.user_traceback(exc)
        if isinstance(exc, SystemExit):
            return f"the code called sys.exit({exc.code!r}) during the {step} step\n{where}".rstrip()
        if isinstance(exc, MemoryError):
            limit = self.config.memory_bytes / 1024**3
            return f"MemoryError: the code ran out of memory (the sandbox allows {limit:g} GiB)\n{where}".rstrip()
        return where

    def user_traceback(self, exc: BaseException) -> str:
        """The traceback trimmed to the frames of the validated code (or the last few when none is), paths made
        relative to the app folder, with the exception chain."""
        lines: list[str] = []
        seen: set[int] = set()
        current: BaseException | None = exc
        chain: list[BaseException] = []
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            chain.append(current)
            current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        for position, error in enumerate(reversed(chain)):
            if position:
                lines.append("\nThe above exception led to:\n")
            frames = traceback.extract_tb(error.__traceback__)
            ours = [frame for frame in frames if frame.filename.startswith(self.root + os.sep)]
            shown = (ours or frames[-3:])[-_MAX_FRAMES:]
            if shown:
                lines.append("Traceback (most recent call last; frames of the validated code):")
            for frame in shown:
                filename = os.path.relpath(frame.filename, self.root) if frame in ours else frame.filename
                lines.append(f'  File "{filename}", line {frame.lineno}, in {frame.name}')
                if frame.line:
                    lines.append(f"    {frame.line.strip()}")
            lines.extend(line.rstrip("\n") for line in traceback.format_exception_only(type(error), error))
        return "\n".join(lines)

    def import_modules(self) -> str:
        from fastapi import FastAPI

        sys.path.insert(0, self.root)
        for name in self.modules:
            importlib.import_module(name)
        found = None
        for name in sorted(self.modules, key=lambda module: (module.count("."), module)):
            if name == "app.main":
                continue
            module = vars(sys.modules[name])
            candidates = [(attr, value) for attr, value in module.items() if isinstance(value, FastAPI)]
            candidates.sort(key=lambda item: item[0] != "app")
            if candidates:
                found = (f"{name}:{candidates[0][0]}", candidates[0][1])
                break
        if found is None or (self.is_reference_app(found[1])):
            try:
                main = importlib.import_module("app.main")
            except ModuleNotFoundError as exc:
                if exc.name not in ("app", "app.main"):
                    raise
                raise StepFailed("no FastAPI app: app/main.py is missing and no file defines one") from None
            application = getattr(main, "app", None)
            if not isinstance(application, FastAPI):
                raise StepFailed("app.main defines no FastAPI instance named `app`")
            found = ("app.main:app", application)
        reference, self.app = found
        listed = ", ".join(self.modules) or "none"
        return f"imported {len(self.modules)} module{'s' * (len(self.modules) != 1)} ({listed}); app: {reference}"

    @property
    def application(self) -> FastAPI:
        if self.app is None:
            raise StepFailed("no app was imported")
        return self.app

    @staticmethod
    def is_reference_app(application: object) -> bool:
        main = sys.modules.get("app.main")
        return main is not None and getattr(main, "app", None) is application

    def start_app(self) -> str:
        from starlette.testclient import TestClient

        self.client = self.stack.enter_context(TestClient(self.application))
        return "lifespan started"

    def build_openapi(self) -> str:
        schema = self.application.openapi()
        json.dumps(schema)
        paths = schema.get("paths", {})
        operations = sum(len(item) for item in paths.values())
        return f"{len(paths)} paths, {operations} operations"

    def new_routes(self) -> list[tuple[str, str]] | None:
        """The (method, path) of every route whose endpoint is defined in an overlaid file; ``None`` for all."""
        if not self.config.new_routes_only:
            return None
        overlaid = {os.path.realpath(os.path.join(self.root, path)) for path in self.config.files}
        keys: list[tuple[str, str]] = []
        for methods, path, endpoint in _routes(self.application):
            code = getattr(inspect.unwrap(endpoint), "__code__", None)
            if code is not None and os.path.realpath(code.co_filename) in overlaid:
                keys.extend((method, path) for method in sorted(methods - {"HEAD", "OPTIONS"}))
        return keys

    def exercise(self) -> str:
        from fastapi_expert.validate.roundtrip import RouteKey, exercise_routes

        keys = self.new_routes()
        if keys == []:
            return "no routes are defined in the validated files"
        routes = None if keys is None else [RouteKey(method, path) for method, path in keys]
        report = exercise_routes(self.application, routes, client=self.client)
        if not report.ok:
            raise StepFailed(report.render())
        return report.render()

    def fuzz(self) -> str:
        from fastapi_expert.validate.fuzzing import fuzz_app
        from fastapi_expert.validate.roundtrip import RouteKey

        keys = self.new_routes()
        if keys == []:
            return "no routes are defined in the validated files"
        routes = None if keys is None else [RouteKey(method, path) for method, path in keys]
        report = fuzz_app(self.application, routes=routes, client=self.client)
        rendered = str(report.render())
        if not report.ok:
            raise StepFailed(rendered)
        return rendered

    def run(self) -> None:
        steps: list[tuple[str, Callable[[], str]]] = [
            ("import", self.import_modules),
            ("startup", self.start_app),
            ("openapi", self.build_openapi),
            ("routes", self.exercise),
        ]
        if self.config.fuzz:
            steps.append(("fuzz", self.fuzz))
        for name, action in steps:
            if not self.step(name, action):
                break


def _routes(app: FastAPI) -> list[tuple[set[str], str, Callable[..., Any]]]:
    """Every HTTP route of ``app`` with its full path, through included routers (FastAPI >= 0.165 keeps them
    nested; older versions flatten them into ``app.routes``)."""
    from fastapi import routing

    iterate = getattr(routing, "iter_route_contexts", None)
    contexts: list[Any] = list(iterate(app.routes)) if iterate is not None else list(app.routes)
    found = []
    for context in contexts:
        original = getattr(context, "original_route", context)
        endpoint = getattr(context, "endpoint", None)
        path = getattr(context, "path_format", None) or getattr(context, "path", None)
        methods = getattr(context, "methods", None)
        if isinstance(original, routing.APIRoute) and endpoint is not None and path and methods:
            found.append((set(methods), str(path), endpoint))
    return found


def _trim(detail: str) -> str:
    if len(detail) <= _MAX_DETAIL:
        return detail
    return "[...]\n" + detail[-_MAX_DETAIL:]


def _preload() -> None:
    """Import what every run needs before the job arrives (and before the audit hook)."""
    import fastapi  # noqa: F401
    import sqlalchemy.ext.asyncio  # noqa: F401
    import starlette.testclient  # noqa: F401

    with contextlib.suppress(ImportError):
        import fastapi_expert.validate.roundtrip  # noqa: F401


def _read_job(descriptor: int) -> dict[str, Any] | None:
    """The one JSON line the parent sends when the app is in place (``None``: no job, leave)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(descriptor, 65536)
        if not chunk:
            return None
        data += chunk
    os.close(descriptor)
    job: dict[str, Any] = json.loads(data)
    return job


def _limit_cpu(timeout: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(usage.ru_utime + usage.ru_stime + timeout) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def main(argv: list[str] | None = None) -> int:
    """Confine this process as the config file ``argv[0]`` says, load the framework, say ready, wait for the job,
    then run its steps."""
    started = time.perf_counter()
    arguments = sys.argv[1:] if argv is None else argv
    config = SandboxConfig.load(Path(arguments[0]))
    reporter = _Reporter(config.report_fd)
    try:
        layers = apply_confinement(config)
        _preload()
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises SandboxError
        reporter.send(event="error", detail=traceback.format_exc(limit=-8))
        return _EXIT_SETUP_FAILED
    reporter.send(event="ready", layers=layers, ms=round((time.perf_counter() - started) * 1000, 1))
    job = _read_job(config.control_fd)
    if job is None:
        os._exit(0)
    config.files = [str(path) for path in job["files"]]
    config.timeout = float(job["timeout"])
    config.fuzz = bool(job["fuzz"])
    config.new_routes_only = bool(job["new_routes_only"])
    _limit_cpu(config.timeout)
    # Where the code was when the time ran out, for the parent to show (it kills us right after).
    faulthandler.dump_traceback_later(max(config.timeout - 0.5, 0.2), exit=False, file=sys.stderr)
    install_audit_hook(config)
    run = _Run(config, reporter)
    run.run()
    with contextlib.suppress(BaseException):
        run.stack.close()
    faulthandler.cancel_dump_traceback_later()
    reporter.send(event="done")
    with contextlib.suppress(BaseException):
        sys.stdout.flush()
        sys.stderr.flush()
    # Leave at once: atexit handlers and non-daemon threads of the code under test must not keep us alive.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
