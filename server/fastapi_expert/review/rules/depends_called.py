"""FE018: ``Depends(get_db())`` — the dependency called instead of passed."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import fastapi_names, walk
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["DependsCalled"]

_DEPENDS = fastapi_names("Depends", "Security")


class DependsCalled(Rule):
    """## What it does
    Flags `Depends(f())` and `Security(f())`: the dependency function is called where it should be passed.

    ## Why is this bad?
    FastAPI calls a dependency for every request, with the request's parameters, sub-dependencies and cleanup.
    `Depends(get_db())` calls `get_db` once, at import time, and hands FastAPI its *return value* (a generator, a
    session, a string) as the "dependency": requests then share one object, cleanup never runs, and FastAPI fails or
    tries to call a non-callable. (Dependency *factories* such as `Depends(require_role("admin"))` that return a
    callable are fine and are not flagged when the called function is defined in the module and returns a function.)

    ## Example
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI

    app = FastAPI()


    def get_token() -> str:
        return "token"


    @app.get("/")
    async def read(token: Annotated[str, Depends(get_token())]) -> str:
        return token
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI

    app = FastAPI()


    def get_token() -> str:
        return "token"


    @app.get("/")
    async def read(token: Annotated[str, Depends(get_token)]) -> str:
        return token
    ```

    ## Fix safety
    Safe when the call has no arguments: passing the function is what `Depends` expects. A call with arguments is
    reported without a fix (it may be a factory defined elsewhere).

    ## References
    - [FastAPI: Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/)
    """

    CODE = "FE018"
    MESSAGE = "the dependency is called instead of passed to `Depends`"
    SEVERITY = Severity.ERROR
    FIX_TITLE = "Pass the function itself"
    FIX_SAFETY = "safe"
    TRIGGERS = ("Depends", "Security")

    VALID: ClassVar = [
        Valid("from fastapi import Depends\ndef get_db(): ...\nx = Depends(get_db)\n"),
        # a factory defined here that returns a function
        Valid(
            "from fastapi import Depends\ndef require(role):\n    def check():\n        return role\n    return check\n"
            "x = Depends(require('admin'))\n"
        ),
        # a class instance is a callable dependency
        Valid("from fastapi import Depends\nclass Flag:\n    def __call__(self): ...\nx = Depends(Flag())\n"),
        Valid("def Depends(x):\n    return x\ndef f(): ...\nx = Depends(f())\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import Depends\ndef get_db(): ...\nx = Depends(get_db())\n",
            line=3,
            column=13,
            expected_fix="from fastapi import Depends\ndef get_db(): ...\nx = Depends(get_db)\n",
        ),
        Invalid(
            "import fastapi\ndef user(): ...\nx = fastapi.Security(user())\n",
            expected_fix="import fastapi\ndef user(): ...\nx = fastapi.Security(user)\n",
        ),
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends as D, APIRouter\nrouter = APIRouter()\n"
            "def get_db(): ...\n@router.get('/')\ndef r(db: Annotated[object, D(get_db())]): ...\n",
            line=6,
        ),
        # an imported function with arguments: reported, no fix
        Invalid("from fastapi import Depends\nfrom app.deps import get_db\nx = Depends(get_db(1))\n", line=3),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        target = node.args[0] if node.args else None
        if not isinstance(target, ast.Call) or not self.context.refers_to(node.func, _DEPENDS):
            return
        if self._is_factory(target):
            return
        edits = []
        if not target.args and not target.keywords:
            edits.append(self.context.source.replace(target, self.context.source.segment(target.func)))
        self.report(target, edits=edits)

    def _is_factory(self, call: ast.Call) -> bool:
        """A call to a class, or to a function of this module that returns a function defined inside it."""
        name = call.func.id if isinstance(call.func, ast.Name) else None
        if name is None:
            return False
        if name in self.context.index.classes:
            return True
        function = self.context.index.functions.get(name)
        if function is None:
            return False
        inner = {n.name for n in function.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        return any(
            isinstance(n, ast.Return) and isinstance(n.value, ast.Name | ast.Lambda) for n in walk(function)
        ) and bool(inner or any(isinstance(n, ast.Lambda) for n in walk(function)))
