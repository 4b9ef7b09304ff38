"""FE029: ``asyncio.run()``/``run_until_complete()`` inside an ``async def``, where a loop is already running."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["EventLoopRunInAsyncFunction"]

_RUNNERS = frozenset({"asyncio.run", "anyio.run", "trio.run", "asyncio.runners.run"})
_LOOP_METHODS = frozenset({"run_until_complete", "run_forever"})


class EventLoopRunInAsyncFunction(Rule):
    """## What it does
    Flags `asyncio.run(...)`, `anyio.run(...)`, `trio.run(...)` and `<loop>.run_until_complete(...)` /
    `<loop>.run_forever()` called directly inside an `async def` (not inside a nested plain function or lambda
    handed to a thread). Modules that import `nest_asyncio` are left alone.

    ## Why is this bad?
    An `async def` always runs inside a running event loop, and a second loop cannot be started in the same thread:
    `asyncio.run()` raises `RuntimeError: asyncio.run() cannot be called from a running event loop` and
    `run_until_complete()` raises `RuntimeError: This event loop is already running`. In a route it is a 500 on
    every request; it usually comes from pasting script code into an endpoint — `await` the coroutine instead.

    ## Example
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    async def fetch_price(symbol: str) -> float:
        return 1.0


    @app.get("/price/{symbol}")
    async def price(symbol: str) -> dict[str, float]:
        return {"price": asyncio.run(fetch_price(symbol))}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    async def fetch_price(symbol: str) -> float:
        return 1.0


    @app.get("/price/{symbol}")
    async def price(symbol: str) -> dict[str, float]:
        return {"price": await fetch_price(symbol)}
    ```

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Python: asyncio.run](https://docs.python.org/3/library/asyncio-runner.html#asyncio.run)
    """

    CODE = "FE029"
    MESSAGE = "an event loop is started inside an `async def`, where one is already running"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("run",)

    VALID: ClassVar = [
        # a script entry point
        Valid("import asyncio\nasync def main(): ...\nif __name__ == '__main__':\n    asyncio.run(main())\n"),
        # a sync route runs in a worker thread with no loop of its own
        Valid(
            "import asyncio\nfrom fastapi import FastAPI\napp = FastAPI()\nasync def f(): ...\n@app.get('/')\n"
            "def r():\n    return asyncio.run(f())\n"
        ),
        # handed to a thread
        Valid(
            "import asyncio\nasync def f(): ...\nasync def r():\n    def work():\n        return asyncio.run(f())\n"
            "    return await asyncio.to_thread(work)\n"
        ),
        # nest_asyncio makes re-entry possible
        Valid(
            "import asyncio\nimport nest_asyncio\nnest_asyncio.apply()\nasync def f(): ...\nasync def r():\n"
            "    return asyncio.run(f())\n"
        ),
        # a local run()
        Valid("def run(x): ...\nasync def r():\n    run(1)\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "import asyncio\nfrom fastapi import FastAPI\napp = FastAPI()\nasync def f(): ...\n@app.get('/')\n"
            "async def r():\n    return asyncio.run(f())\n",
            line=7,
            column=12,
            message="`asyncio.run()` inside an `async def` raises: an event loop is already running",
        ),
        Invalid(
            "import asyncio as aio\nasync def dep():\n    loop = aio.get_event_loop()\n"
            "    return loop.run_until_complete(f())\n",
            line=4,
            message="`run_until_complete()` inside an `async def` raises: an event loop is already running",
        ),
        Invalid(
            "from anyio import run as anyio_run\nimport fastapi as fa\nrouter = fa.APIRouter()\ndef build():\n"
            "    @router.get('/')\n    async def r():\n        anyio_run(f)\n",
            line=7,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        scopes = self.context.scopes
        if not scopes or not isinstance(scopes[-1], ast.AsyncFunctionDef):
            return
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _LOOP_METHODS:
            name = func.attr
        else:
            qualified = self.context.qualified_name(func) if self.context.may_refer_to(func, _RUNNERS) else None
            if qualified not in _RUNNERS:
                return
            name = "asyncio.run" if qualified == "asyncio.runners.run" else qualified
        if any(q == "nest_asyncio" for q in self.context.index.imports.values()):
            return
        self.report(node, f"`{name}()` inside an `async def` raises: an event loop is already running")
