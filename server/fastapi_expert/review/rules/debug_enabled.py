"""FE015: ``FastAPI(debug=True)`` or ``uvicorn.run(..., reload=True)`` in code that runs when deployed."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import fastapi_names
from fastapi_expert.review.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["DebugEnabled"]

_APPS = fastapi_names("FastAPI") | {"starlette.applications.Starlette", "starlette.Starlette"}
_RUN = frozenset({"uvicorn.run", "uvicorn.main.run"})
_TEST_FILE = re.compile(r"(^|[\\/])(tests?[\\/]|test_[^\\/]*\.py$|[^\\/]*_test\.py$|conftest\.py$)")


class DebugEnabled(Rule):
    """## What it does
    Flags `FastAPI(debug=True)` (or `Starlette(debug=True)`, or `app.debug = True`) anywhere but under an
    `if __name__ == "__main__":` guard, and a module-level `uvicorn.run(..., reload=True)` outside that guard.
    Test files (`test_*.py`, `*_test.py`, `conftest.py`, `tests/`) are left alone.

    ## Why is this bad?
    With `debug=True` every unhandled exception answers with the full traceback: source lines, local paths,
    sometimes secrets in the frames, to any client. `reload=True` at import time watches the file system and
    re-imports the app in a subprocess: in production it wastes CPU, restarts workers on any file change, and with
    an import string pointing back at the module it starts servers recursively. Both belong to a development
    entry point, not to the module a server imports.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI(debug=True)
    ```

    ## Use instead
    ```python
    import os

    from fastapi import FastAPI

    app = FastAPI(debug=os.environ.get("APP_DEBUG") == "1")
    ```

    ## References
    - [FastAPI: Debugging](https://fastapi.tiangolo.com/tutorial/debugging/)
    - [Starlette: Applications — debug](https://www.starlette.io/applications/)
    - [Uvicorn: Settings — reload](https://www.uvicorn.org/settings/#development)
    """

    CODE = "FE015"
    MESSAGE = "debug mode is enabled in code that runs when the app is deployed"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("debug", "reload")

    VALID: ClassVar = [
        Valid("import os\nfrom fastapi import FastAPI\napp = FastAPI(debug=os.getenv('DEBUG') == '1')\n"),
        Valid(
            "import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "if __name__ == '__main__':\n    uvicorn.run('main:app', reload=True)\n"
        ),
        # a dev entry point: runs only when called
        Valid("import uvicorn\ndef dev() -> None:\n    uvicorn.run('app.main:app', reload=True)\n"),
        Valid("from fastapi import FastAPI\napp = FastAPI(debug=False)\n"),
        # a local FastAPI, another run()
        Valid("class FastAPI:\n    def __init__(self, debug): ...\napp = FastAPI(debug=True)\n"),
        Valid("import asyncio\nasyncio.run(main(), debug=True)\n"),
        # a router has no debug mode; other assignments
        Valid("from fastapi import APIRouter\nrouter = APIRouter()\nrouter.debug = True\nflag = True\nx.y = True\n"),
    ]
    INVALID: ClassVar = [
        Invalid("from fastapi import FastAPI\napp = FastAPI(debug=True)\n", line=2, column=15),
        Invalid(
            "import uvicorn\nimport fastapi as fa\napp = fa.FastAPI()\nuvicorn.run(app, reload=True)\n",
            line=4,
            message="`reload=True` outside an `if __name__ == '__main__':` guard",
        ),
        # an application factory
        Invalid("from fastapi import FastAPI\ndef create_app():\n    return FastAPI(title='x', debug=True)\n", line=3),
        Invalid(
            "from starlette.applications import Starlette\napp = Starlette()\napp.debug = True\n",
            line=3,
        ),
        # an `if` that is not the main guard
        Invalid(
            "import os\nfrom uvicorn import run\nif os.getenv('DEV'):\n    run('main:app', reload=True)\n",
            line=4,
        ),
        Invalid(
            "import os\nimport uvicorn\nif os.environ['MODE'] == '__main__':\n    uvicorn.run('m:app', reload=True)\n",
            line=4,
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self.skip = bool(_TEST_FILE.search(self.context.source.path))

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip or self._guarded():
            return
        for keyword in node.keywords:
            if not (isinstance(keyword.value, ast.Constant) and keyword.value.value is True):
                continue
            if keyword.arg == "debug" and self.context.refers_to(node.func, _APPS):
                self.report(keyword, "`debug=True` sends tracebacks to clients")
            elif keyword.arg == "reload" and not self.context.scopes and self.context.refers_to(node.func, _RUN):
                self.report(keyword, "`reload=True` outside an `if __name__ == '__main__':` guard")

    def visit_Assign(self, node: ast.Assign) -> None:
        if self.skip or not (isinstance(node.value, ast.Constant) and node.value.value is True) or self._guarded():
            return
        owners = self.context.index.owners
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "debug" and isinstance(target.value, ast.Name):
                owner = owners.get(target.value.id)
                if (owner is not None and owner.kind == "app") or self._is_starlette(target.value):
                    self.report(target, "`debug = True` sends tracebacks to clients")

    def _is_starlette(self, name: ast.Name) -> bool:
        return any(
            isinstance(statement, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == name.id for target in statement.targets)
            and isinstance(statement.value, ast.Call)
            and self.context.refers_to(statement.value.func, _APPS)
            for statement in self.context.tree.body
        )

    def _guarded(self) -> bool:
        return any(isinstance(node, ast.If) and _is_main_guard(node.test) for node in self.context.stack)


def _is_main_guard(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = {_text(test.left), _text(test.comparators[0])}
    return sides == {"__name__", "'__main__'"}


def _text(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return repr(node.value)
    return ""
