"""FE049: the same method and path registered twice on one app or router: the second route is dead."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import ModuleIndex, Route
from fastapi_expert.review.rule import ROUTES, Invalid, Rule, Valid

__all__ = ["DuplicateRoute"]

#: The nodes with lists of statements (``body``, ``orelse``, ``finalbody``, ``handlers``).
_BLOCK_HOLDERS = (
    *(ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor, ast.While, ast.If),
    *(ast.With, ast.AsyncWith, ast.Try, ast.TryStar, ast.ExceptHandler, ast.match_case),
)
_PARAMETER = re.compile(r"{[a-zA-Z_][a-zA-Z0-9_]*(:[a-zA-Z_][a-zA-Z0-9_]*)?}")


class DuplicateRoute(Rule):
    """## What it does
    Flags a route whose method and path (parameter names aside: `/items/{id}` and `/items/{item_id}` are the same
    path) were already registered on the same app or router, by a function defined in the same block of code.

    ## Why is this bad?
    Routes are matched in the order they were added, and the first match wins: the second function is never
    called. Usually it is a copy-paste left behind, or a new version of a handler that silently keeps serving the
    old behaviour; the OpenAPI schema shows only one of them.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/users")
    async def read_users() -> list[str]:
        return ["Rick", "Morty"]


    @app.get("/users")
    async def read_users_v2() -> list[str]:
        return ["Bean", "Elfo"]
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/users")
    async def read_users() -> list[str]:
        return ["Bean", "Elfo"]
    ```

    ## References
    - [FastAPI: Path parameters — order matters](https://fastapi.tiangolo.com/tutorial/path-params/#order-matters)
    """

    CODE = "FE049"
    MESSAGE = "this method and path are already registered: the route is never reached"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("@",)
    REQUIRES = ROUTES

    VALID: ClassVar = [
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/users')\ndef a(): ...\n"
            "@app.post('/users')\ndef b(): ...\n@app.get('/users/')\ndef c(): ...\n"
        ),
        # two owners
        Valid(
            "from fastapi import APIRouter, FastAPI\napp = FastAPI()\nrouter = APIRouter()\n"
            "@app.get('/x')\ndef a(): ...\n@router.get('/x')\ndef b(): ...\n"
        ),
        # alternatives in different branches
        Valid(
            "import os\nfrom fastapi import FastAPI\napp = FastAPI()\nif os.getenv('V2'):\n"
            "    @app.get('/x')\n    def a(): ...\nelse:\n    @app.get('/x')\n    def b(): ...\n"
        ),
        # different converters match different URLs
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/f/{p:path}')\ndef a(p: str): ...\n"
            "@app.get('/f/{p}')\ndef b(p: str): ...\n"
        ),
        # paths that are not literals
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\nPATH = '/x'\n@app.get(PATH)\ndef a(): ...\n"
            "@app.get(PATH)\ndef b(): ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/users')\ndef a(): ...\n"
            "@app.get('/users')\ndef b(): ...\n",
            line=5,
            column=2,
            message="`GET /users` is already registered by `a` (line 4): this route is never reached",
        ),
        # parameter names differ; aliased import; a router
        Invalid(
            "import fastapi as fa\nrouter = fa.APIRouter(prefix='/items')\n@router.put('/{id}')\ndef a(id: int): ...\n"
            "@router.put('/{item_id}')\ndef b(item_id: int): ...\n",
            message="`PUT /items/{item_id}` is already registered by `a` (line 4): this route is never reached",
        ),
        # inside an application factory; api_route with overlapping methods
        Invalid(
            "from fastapi import FastAPI\ndef make():\n    app = FastAPI()\n"
            "    @app.api_route('/x', methods=['GET', 'POST'])\n    def a(): ...\n"
            "    @app.post('/x')\n    def b(): ...\n    return app\n",
            line=6,
        ),
        Invalid(
            "from fastapi import FastAPI, WebSocket\napp = FastAPI()\n@app.websocket('/ws')\n"
            "async def a(ws: WebSocket): ...\n@app.websocket('/ws')\nasync def b(ws: WebSocket): ...\n",
            line=5,
        ),
    ]

    def finish(self) -> None:
        routes = self.context.index.routes
        if len(routes) < 2:
            return
        blocks = _blocks(self.context.index)
        seen: dict[tuple[str, int, str, str], Route] = {}
        for route in sorted(routes, key=lambda r: (r.decorator.lineno, r.decorator.col_offset)):
            if route.path is None:
                continue
            path = _PARAMETER.sub(lambda m: "{" + (m.group(1) or "") + "}", route.full_path or "")
            block = blocks.get(id(route.function), -1)
            for method in route.methods or ("WEBSOCKET",):
                key = (route.owner.name, block, method, path)
                first = seen.setdefault(key, route)
                if first is not route:
                    message = (
                        f"`{method} {route.full_path}` is already registered by `{first.function.name}` "
                        f"(line {first.function.lineno}): this route is never reached"
                    )
                    self.report(route.decorator, message)
                    break


def _blocks(index: ModuleIndex) -> dict[int, int]:
    """``id()`` of each statement -> an id of the statement list holding it."""
    found: dict[int, int] = {}
    for kind in _BLOCK_HOLDERS:
        for node in index.nodes_of(kind):
            for field in ("body", "orelse", "finalbody", "handlers"):
                statements = getattr(node, field, None)
                if isinstance(statements, list):
                    for statement in statements:
                        found[id(statement)] = id(statements)
    return found
