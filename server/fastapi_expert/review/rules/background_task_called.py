"""FE027: ``background_tasks.add_task(send_email(...))`` — the task called instead of passed."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import fastapi_names
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["BackgroundTaskCalled"]

_TASKS = fastapi_names("BackgroundTasks") | {
    "fastapi.background.BackgroundTasks",
    "starlette.background.BackgroundTasks",
}
_TASK = frozenset({"starlette.background.BackgroundTask"})


class BackgroundTaskCalled(Rule):
    """## What it does
    Flags `background_tasks.add_task(send_email(to, body))` and `BackgroundTask(send_email(to, body))`: the task
    function is called where it should be passed with its arguments. The receiver must be known to be a
    `BackgroundTasks` (a parameter annotated with it, or `BackgroundTasks()` assigned in the function), and the called
    function must be defined in the module and not return a function.

    ## Why is this bad?
    `send_email(to, body)` runs right away, inside the request, before the response is sent — the very delay
    `BackgroundTasks` exists to avoid. If it is an `async def`, it does not run at all: it only builds a coroutine,
    which `add_task` then stores. After the response FastAPI calls the stored value and fails with
    `TypeError: 'coroutine' object is not callable` (or `'NoneType' ...` for a plain function), and Python warns that
    the coroutine was never awaited. The e-mail is never sent, and the client got a 200.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    async def send_email(to: str, body: str) -> None: ...


    @app.post("/signup")
    async def signup(email: str, background_tasks: BackgroundTasks) -> dict[str, str]:
        background_tasks.add_task(send_email(email, "Welcome!"))
        return {"status": "ok"}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    async def send_email(to: str, body: str) -> None: ...


    @app.post("/signup")
    async def signup(email: str, background_tasks: BackgroundTasks) -> dict[str, str]:
        background_tasks.add_task(send_email, email, "Welcome!")
        return {"status": "ok"}
    ```

    ## Fix safety
    Safe: `add_task(f, *args, **kwargs)` is the documented form, and calls `f(*args, **kwargs)` after the response.
    The fix is offered when the call is the only argument of `add_task`/`BackgroundTask`.

    ## References
    - [FastAPI: Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    """

    CODE = "FE027"
    MESSAGE = "the background task is called instead of passed to `add_task`"
    SEVERITY = Severity.ERROR
    FIX_TITLE = "Pass the function and its arguments"
    FIX_SAFETY = "safe"
    TRIGGERS = ("BackgroundTask",)

    VALID: ClassVar = [
        Valid(
            "from fastapi import BackgroundTasks\ndef log(m): ...\ndef r(tasks: BackgroundTasks):\n"
            "    tasks.add_task(log, 'x')\n"
        ),
        # a factory defined here returns the task
        Valid(
            "from fastapi import BackgroundTasks\ndef make(m):\n    def task():\n        print(m)\n    return task\n"
            "def r(tasks: BackgroundTasks):\n    tasks.add_task(make('x'))\n"
        ),
        # partial() and imported callables are callables as far as we know
        Valid(
            "from functools import partial\nfrom fastapi import BackgroundTasks\nfrom .jobs import job_for\n"
            "def log(m): ...\ndef r(tasks: BackgroundTasks):\n    tasks.add_task(partial(log, 'x'))\n"
            "    tasks.add_task(job_for('x'))\n"
        ),
        # not a BackgroundTasks receiver
        Valid("def log(m): ...\ndef r(queue):\n    queue.add_task(log('x'))\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import BackgroundTasks\nasync def send(to, body=''): ...\n"
            "async def r(tasks: BackgroundTasks):\n    tasks.add_task(send('a', body='b'))\n",
            line=4,
            column=20,
            expected_fix="from fastapi import BackgroundTasks\nasync def send(to, body=''): ...\n"
            "async def r(tasks: BackgroundTasks):\n    tasks.add_task(send, 'a', body='b')\n",
        ),
        # aliased import, APIRouter, Annotated, a sync function with no arguments
        Invalid(
            "from typing import Annotated\nimport fastapi as fa\nrouter = fa.APIRouter()\ndef cleanup(): ...\n"
            "def build():\n    @router.post('/')\n    def r(bg: Annotated[fa.BackgroundTasks, 'x']):\n"
            "        bg.add_task(cleanup())\n    return router\n",
            line=8,
            expected_fix="from typing import Annotated\nimport fastapi as fa\nrouter = fa.APIRouter()\n"
            "def cleanup(): ...\ndef build():\n    @router.post('/')\n"
            "    def r(bg: Annotated[fa.BackgroundTasks, 'x']):\n        bg.add_task(cleanup)\n    return router\n",
        ),
        # BackgroundTasks built in the function; more arguments: reported without a fix
        Invalid(
            "from starlette.background import BackgroundTasks\ndef log(m, n): ...\ndef r():\n"
            "    tasks = BackgroundTasks()\n    tasks.add_task(log(1), 2)\n",
            line=5,
        ),
        Invalid(
            "from starlette.background import BackgroundTask\nasync def notify(u): ...\n"
            "def r(u):\n    return JSONResponse({}, background=BackgroundTask(notify(u)))\n",
            line=4,
            expected_fix="from starlette.background import BackgroundTask\nasync def notify(u): ...\n"
            "def r(u):\n    return JSONResponse({}, background=BackgroundTask(notify, u))\n",
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "add_task":
            if self.context.type_of(func.value) not in _TASKS:
                return
        elif not self.context.refers_to(func, _TASK):
            return
        target = node.args[0] if node.args else None
        if not isinstance(target, ast.Call) or not self._is_task_function(target.func):
            return
        edits = []
        if len(node.args) == 1 and not node.keywords:
            source = self.context.source
            parts = [
                source.segment(target.func),
                *map(source.segment, target.args),
                *map(source.segment, target.keywords),
            ]
            edits.append(source.replace(target, ", ".join(parts)))
        self.report(target, edits=edits)

    def _is_task_function(self, func: ast.expr) -> bool:
        """A function of this module (not a factory that returns a function) called by its name."""
        index = self.context.index
        if not isinstance(func, ast.Name) or func.id not in index.module_definitions:
            return False
        if any(func.id in index.function_locals(scope) for scope in self.context.scopes):
            return False
        function = next(
            (s for s in index.tree.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == func.id),
            None,
        )
        if function is None:
            return False
        returns = any(
            isinstance(n, ast.Return) and isinstance(n.value, ast.Name | ast.Lambda) for n in index.own_nodes(function)
        )
        inner = any(
            isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) for n in index.own_nodes(function)
        )
        return not (returns and inner)
