"""FE050: a route path that does not start with ``/``."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import Owner
from fastapi_expert.review.rule import ROUTES, Edit, Invalid, Rule, Valid

__all__ = ["PathWithoutLeadingSlash"]

_OPENING = re.compile(r"[rRuU]*(\"\"\"|'''|\"|')")
_ADD_ROUTE = frozenset({"add_api_route", "add_api_websocket_route", "add_route", "add_websocket_route"})


class PathWithoutLeadingSlash(Rule):
    """## What it does
    Flags a route path that is not empty and does not start with `/`: `@app.get("items")`,
    `@router.get("{item_id}")`, `app.add_api_route("health", ...)`. OpenAPI callback routes, whose paths start with
    a runtime expression (`{$callback_url}/...`), are left alone.

    ## Why is this bad?
    FastAPI accepts the path without complaint, but URLs always start with `/`: on an app the route never matches
    and every request gets a 404. On a router the path is glued to the prefix, `prefix="/items"` plus `"{item_id}"`
    giving `/items{item_id}`, which answers `/items42` and not `/items/42`.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}
    ```

    ## Fix safety
    Unsafe: the route starts answering at the URL its path meant; on a router, the URL it used to answer by
    accident (`/items42`) stops working.

    ## References
    - [FastAPI: First steps — path](https://fastapi.tiangolo.com/tutorial/first-steps/#path)
    - [FastAPI: Bigger applications — APIRouter prefix](https://fastapi.tiangolo.com/tutorial/bigger-applications/#include-an-apirouter-with-a-custom-prefix-tags-responses-and-dependencies)
    """

    CODE = "FE050"
    MESSAGE = "the route path does not start with `/`"
    SEVERITY = Severity.ERROR
    FIX_TITLE = "Start the path with `/`"
    FIX_SAFETY = "unsafe"
    TRIGGERS = ("get", "post", "put", "patch", "delete", "route", "websocket", "head", "options")
    REQUIRES = ROUTES

    VALID: ClassVar = [
        Valid("from fastapi import FastAPI\napp = FastAPI()\n@app.get('/items')\ndef r(): ...\n"),
        # the empty path of a prefixed router
        Valid("from fastapi import APIRouter\nrouter = APIRouter(prefix='/items')\n@router.get('')\ndef r(): ...\n"),
        # an OpenAPI callback route
        Valid(
            "from fastapi import APIRouter\ncallbacks = APIRouter()\n"
            "@callbacks.post('{$callback_url}/invoices/{$request.body.id}')\ndef r(): ...\n"
        ),
        # not an app or router
        Valid("import requests\nrequests.get('example.com')\nclass C:\n    def get(self, p): ...\nC().get('x')\n"),
        # a path that is not a literal; add_api_route on something else
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\nPATH = 'x'\n@app.get(PATH)\ndef r(): ...\n"
            "registry.add_api_route('x', r)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('items')\ndef r(): ...\n",
            line=3,
            column=10,
            message="path `items` does not start with `/`: the route never matches",
            expected_fix="from fastapi import FastAPI\napp = FastAPI()\n@app.get('/items')\ndef r(): ...\n",
        ),
        Invalid(
            "import fastapi as fa\nrouter = fa.APIRouter(prefix='/items')\n@router.get(\"{item_id}\")\n"
            "def r(item_id: int): ...\n",
            message="path `{item_id}` does not start with `/`: joined to the prefix it is `/items{item_id}`",
            expected_fix="import fastapi as fa\nrouter = fa.APIRouter(prefix='/items')\n@router.get(\"/{item_id}\")\n"
            "def r(item_id: int): ...\n",
        ),
        # add_api_route; inside a factory; a websocket
        Invalid(
            "from fastapi import FastAPI\ndef make(health):\n    app = FastAPI()\n"
            "    app.add_api_route('health', health)\n    @app.websocket(path='ws')\n    async def ws(s): ...\n"
            "    return app\n",
            line=4,
            expected_fix="from fastapi import FastAPI\ndef make(health):\n    app = FastAPI()\n"
            "    app.add_api_route('/health', health)\n    @app.websocket(path='/ws')\n    async def ws(s): ...\n"
            "    return app\n",
        ),
        # a router without a prefix, a raw string
        Invalid(
            "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get(r'items')\ndef r(): ...\n",
            message="path `items` does not start with `/`: the route never matches, or is glued to a prefix",
            expected_fix="from fastapi import APIRouter\nrouter = APIRouter()\n@router.get(r'/items')\ndef r(): ...\n",
        ),
    ]

    def finish(self) -> None:
        index = self.context.index
        literal = (_path(route.decorator) for route in index.routes)
        paths = [(node, route.owner) for route, node in zip(index.routes, literal, strict=True) if node is not None]
        for call in index.nodes_of(ast.Call):
            if isinstance(call.func, ast.Attribute) and call.func.attr in _ADD_ROUTE and call.args:
                owner = index.owners.get(ast.unparse(call.func.value))
                if owner is not None:
                    paths.append((call.args[0], owner))
        for node, owner in sorted(paths, key=lambda pair: (pair[0].lineno, pair[0].col_offset)):
            self._check(node, owner)

    def _check(self, node: ast.expr, owner: Owner) -> None:
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            return
        path = node.value
        if not path or path.startswith(("/", "{$")):
            return
        if owner.prefix:
            message = f"path `{path}` does not start with `/`: joined to the prefix it is `{owner.prefix}{path}`"
        elif owner.kind == "app":
            message = f"path `{path}` does not start with `/`: the route never matches"
        else:
            message = f"path `{path}` does not start with `/`: the route never matches, or is glued to a prefix"
        self.report(node, message, edits=self._fix(node))

    def _fix(self, node: ast.Constant) -> list[Edit]:
        """Insert ``/`` after the opening quote (of the first piece of an implicit concatenation)."""
        text = self.context.source.segment(node)
        match = _OPENING.match(text)
        line, column = self.context.source.start(node)
        offset = column + (match.end() if match else 0)
        return [Edit(line, offset, line, offset, "/")]


def _path(call: ast.Call) -> ast.expr | None:
    return call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "path"), None)
