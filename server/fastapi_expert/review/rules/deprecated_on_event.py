"""FE003: ``@app.on_event("startup"/"shutdown")`` handlers, deprecated in favour of a lifespan."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, Owner, dotted_name
from fastapi_expert.review.rule import Edit, Invalid, Rule, Valid

__all__ = ["DeprecatedOnEvent"]

_EVENTS = ("startup", "shutdown")


@dataclass(frozen=True, slots=True)
class _Handler:
    function: FunctionNode
    decorator: ast.Call
    event: str
    owner: Owner | None


class DeprecatedOnEvent(Rule):
    """## What it does
    Flags `@app.on_event("startup")` and `@app.on_event("shutdown")` handlers (on an app or a router).

    ## Why is this bad?
    `on_event` is deprecated in FastAPI (and gone from Starlette) in favour of a `lifespan` context manager, which
    keeps startup and shutdown together, shares state between them (a pool opened before `yield` is closed after
    it) and can hand that state to requests. Worse, the two do not mix: once the app has a `lifespan`, its
    `on_event` handlers — and those of the routers it includes — silently never run.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()
    items: dict[str, str] = {}


    @app.on_event("startup")
    async def load_items() -> None:
        items["foo"] = "Fighters"
    ```

    ## Use instead
    ```python
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    from fastapi import FastAPI

    items: dict[str, str] = {}


    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        items["foo"] = "Fighters"
        yield


    app = FastAPI(lifespan=lifespan)
    ```

    ## Fix safety
    Unsafe. The fix is offered when every handler of the module is on one app created here with `FastAPI(...)`
    (no `lifespan=`, `on_startup=`, `on_shutdown=` or `**kwargs`), and the handlers are module-level functions
    without parameters: it adds a `lifespan` that calls the startup handlers in order, yields, then calls the
    shutdown handlers, passes it to `FastAPI(...)` and removes the decorators; the single finding then covers all
    of the app's handlers. It is unsafe because handlers that routers *included in this app from other modules*
    register with `on_event` stop running once the app has a lifespan: move them too.

    ## References
    - [FastAPI: Lifespan events](https://fastapi.tiangolo.com/advanced/events/)
    - [FastAPI: Alternative events (deprecated)](https://fastapi.tiangolo.com/advanced/events/#alternative-events-deprecated)
    """

    CODE = "FE003"
    MESSAGE = "`on_event` is deprecated: use a `lifespan` context manager"
    SEVERITY = Severity.WARNING
    FIX_TITLE = "Move the handlers into a `lifespan` context manager"
    FIX_SAFETY = "unsafe"
    TRIGGERS = ("on_event",)

    VALID: ClassVar = [
        Valid(
            "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n"
            "@asynccontextmanager\nasync def lifespan(app):\n    yield\napp = FastAPI(lifespan=lifespan)\n"
        ),
        # another library's on_event
        Valid("class Bus:\n    def on_event(self, name): ...\nbus = Bus()\n@bus.on_event('startup')\ndef f(): ...\n"),
        # an event that is not a lifespan event
        Valid("from app.main import app\n@app.on_event('message')\ndef f(): ...\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\n\napp = FastAPI(title='x')\n\n\n@app.on_event('startup')\n"
            "async def startup_event():\n    print('up')\n",
            line=6,
            column=2,
            expected_fix="from contextlib import asynccontextmanager\n\nfrom fastapi import FastAPI\n\n\n"
            "@asynccontextmanager\nasync def lifespan(app: FastAPI):\n    await startup_event()\n    yield\n\n\n"
            "app = FastAPI(title='x', lifespan=lifespan)\n\n\n"
            "async def startup_event():\n    print('up')\n",
        ),
        # startup and shutdown, a sync handler, an aliased import, an existing contextlib import
        Invalid(
            "from contextlib import asynccontextmanager\nimport fastapi as fa\n\napp = fa.FastAPI()\n\n\n"
            "@app.on_event('startup')\nasync def connect():\n    ...\n\n\n"
            "@app.on_event('shutdown')\ndef disconnect():\n    ...\n",
            message="`on_event` is deprecated: move `connect`, `disconnect` into a `lifespan` context manager",
            expected_fix="from contextlib import asynccontextmanager\nimport fastapi as fa\n\n\n"
            "@asynccontextmanager\nasync def lifespan(app: fa.FastAPI):\n    await connect()\n    yield\n"
            "    disconnect()\n\n\napp = fa.FastAPI(lifespan=lifespan)\n\n\n"
            "async def connect():\n    ...\n\n\n"
            "def disconnect():\n    ...\n",
        ),
        # a router: reported, not fixed
        Invalid(
            "from fastapi import APIRouter\nrouter = APIRouter()\n@router.on_event('shutdown')\ndef close(): ...\n",
            line=3,
        ),
        # the app already has a lifespan: the handler never runs
        Invalid(
            "from fastapi import FastAPI\nfrom app.life import lifespan\napp = FastAPI(lifespan=lifespan)\n"
            "@app.on_event('startup')\ndef warm(): ...\n",
            message="`on_event` is deprecated, and this handler never runs: the app has a `lifespan`",
        ),
        # inside an application factory: reported, not fixed
        Invalid(
            "from fastapi import FastAPI\ndef create_app():\n    app = FastAPI()\n"
            "    @app.on_event('startup')\n    def warm(): ...\n    return app\n",
            line=4,
        ),
        # an app imported from another module
        Invalid("from myapp.main import app\n@app.on_event('startup')\ndef warm(): ...\n", line=2),
        # no fix: `lifespan` is taken; a handler with a parameter; `asynccontextmanager` is something else here
        Invalid(
            "from fastapi import FastAPI\nlifespan = None\napp = FastAPI()\n@app.on_event('startup')\ndef a(): ...\n",
            line=4,
            message="`on_event` is deprecated: use a `lifespan` context manager",
        ),
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.on_event('startup')\ndef a(retries=3): ...\n",
            line=3,
        ),
        Invalid(
            "from fastapi import FastAPI\ndef asynccontextmanager(f):\n    return f\napp = FastAPI()\n"
            "@app.on_event('shutdown')\nasync def a(): ...\n",
            line=5,
        ),
        # the lifespan goes above the comments of the app
        Invalid(
            "from fastapi import FastAPI\n# The application.\napp = FastAPI()\n\n\n@app.on_event('startup')\n"
            "def a() -> None:\n    pass\n",
            expected_fix="from contextlib import asynccontextmanager\n\nfrom fastapi import FastAPI\n\n\n"
            "@asynccontextmanager\nasync def lifespan(app: FastAPI):\n    a()\n    yield\n\n\n"
            "# The application.\napp = FastAPI(lifespan=lifespan)\n\n\ndef a() -> None:\n    pass\n",
        ),
    ]

    def finish(self) -> None:
        handlers = self._handlers()
        if not handlers:
            return
        fix = self._fix(handlers)
        if fix:
            names = ", ".join(f"`{h.function.name}`" for h in handlers)
            message = f"`on_event` is deprecated: move {names} into a `lifespan` context manager"
            self.report(handlers[0].decorator, message, edits=fix)
            return
        for handler in handlers:
            owner = handler.owner
            if owner is not None and any(k.arg == "lifespan" for k in owner.call.keywords):
                message = "`on_event` is deprecated, and this handler never runs: the app has a `lifespan`"
                self.report(handler.decorator, message)
            else:
                self.report(handler.decorator)

    def _handlers(self) -> list[_Handler]:
        index = self.context.index
        found: list[_Handler] = []
        for node in index.definitions:
            for decorator in node.decorator_list:
                if not (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr == "on_event"
                    and len(decorator.args) == 1
                    and isinstance(decorator.args[0], ast.Constant)
                    and decorator.args[0].value in _EVENTS
                ):
                    continue
                receiver = dotted_name(decorator.func.value) or ""
                owner = index.owners.get(receiver) or index.owners.get(receiver.removesuffix(".router"))
                qualified = index.resolve(decorator.func.value) or "<local>."
                if owner is not None or not qualified.startswith(("<local>.", "builtins.")):
                    found.append(_Handler(node, decorator, str(decorator.args[0].value), owner))
        return sorted(found, key=lambda h: (h.function.lineno, h.function.col_offset))

    def _fix(self, handlers: list[_Handler]) -> list[Edit]:
        context, index, source = self.context, self.context.index, self.context.source
        owner = handlers[0].owner
        if owner is None or owner.kind != "app" or any(h.owner is not owner for h in handlers):
            return []
        if any(k.arg in {"lifespan", "on_startup", "on_shutdown", None} for k in owner.call.keywords):
            return []
        if "add_event_handler" in source.text or "lifespan" in index.module_definitions | set(index.imports):
            return []
        statement = next(
            (s for s in context.tree.body if isinstance(s, ast.Assign | ast.AnnAssign) and s.value is owner.call), None
        )
        body = context.tree.body
        for handler in handlers:
            arguments = handler.function.args
            if handler.function not in body or index.functions.get(handler.function.name) is not handler.function:
                return []
            if arguments.args or arguments.posonlyargs or arguments.kwonlyargs or arguments.vararg or arguments.kwarg:
                return []
        deletions = [source.delete_lines(h.decorator) for h in handlers]
        manager = context.import_name("contextlib", "asynccontextmanager")
        if statement is None or statement.col_offset != 0 or manager is None or None in deletions:
            return []
        lines = ["@" + manager[0], f"async def lifespan(app: {source.segment(owner.call.func)}):"]
        for event in _EVENTS:
            if event == "shutdown":
                lines.append("    yield")
            for handler in handlers:
                if handler.event == event:
                    call = f"{handler.function.name}()"
                    lines.append(
                        f"    await {call}" if isinstance(handler.function, ast.AsyncFunctionDef) else f"    {call}"
                    )
        line = self._insertion_line(statement)
        blank = 0
        while line - 1 - blank >= 1 and not source.lines[line - 2 - blank].strip():
            blank += 1
        lead = "\n" * max(0, 2 - blank) if line > 1 else ""
        insertion = Edit(line, 0, line, 0, lead + "\n".join(lines) + "\n\n\n")
        return [*manager[1], insertion, source.add_argument(owner.call, "lifespan=lifespan"), *filter(None, deletions)]

    def _insertion_line(self, statement: ast.stmt) -> int:
        """The line of ``statement``, or of the comments right above it."""
        line = statement.lineno
        lines = self.context.source.lines
        while line > 1 and lines[line - 2].lstrip().startswith("#"):
            line -= 1
        return line
