"""FE020: a ``POST`` route that creates something and answers ``200 OK``."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, Route
from fastapi_expert.review.rule import ROUTES, Invalid, Rule, Valid

__all__ = ["CreateWithout201"]

_CREATING_PREFIXES = ("create_", "add_", "register")
#: Token and login endpoints answer 200 (RFC 6749 §5.1), whatever their function is called.
_NOT_CREATING = ("token", "login", "auth")
_RESPONSE_MODULES = ("fastapi.responses.", "starlette.responses.")
_RESPONSES = frozenset({"fastapi.Response"})


class CreateWithout201(Rule):
    """## What it does
    Flags a `POST` route that creates a resource — its function is named `create_*`, `add_*` or `register*`, or it
    adds an object to a session (`db.add(item)`) and returns it — and declares no `status_code`.

    ## Why is this bad?
    FastAPI answers `200 OK` unless told otherwise. `201 Created` is what HTTP and client generators expect from a
    creation: it tells caches and clients that a new resource exists, and the OpenAPI schema documents it.

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.post("/items/")
    async def create_item(item: Item) -> Item:
        return item
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.post("/items/", status_code=201)
    async def create_item(item: Item) -> Item:
        return item
    ```

    ## Known problems
    A route that returns a `Response` itself, or takes a `Response` parameter to set the status, is left alone;
    token and login endpoints too (OAuth2 answers 200).

    ## Fix safety
    Safe: only the status code of successful responses (and the schema) changes, to the one a creation means.
    Clients or tests that assert `== 200` must be updated.

    ## References
    - [FastAPI: Response status code](https://fastapi.tiangolo.com/tutorial/response-status-code/)
    - [RFC 9110 §15.3.2: 201 Created](https://www.rfc-editor.org/rfc/rfc9110#name-201-created)
    """

    CODE = "FE020"
    MESSAGE = "a route that creates answers 200 instead of 201"
    SEVERITY = Severity.INFO
    FIX_TITLE = "Add `status_code=201`"
    FIX_SAFETY = "safe"
    TRIGGERS = ("post", "api_route")
    REQUIRES = ROUTES

    VALID: ClassVar = [
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.post('/items', status_code=201)\n"
            "def create_item(): ...\n"
        ),
        # not a POST; a POST that does not create
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.put('/items/{i}')\ndef create_item(i: int): ...\n"
            "@app.post('/search')\ndef search(q: str): ...\n"
        ),
        # a token endpoint, a route returning its own response
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import JSONResponse\nrouter = APIRouter()\n"
            "@router.post('/token')\ndef create_access_token(): ...\n"
            "@router.post('/items')\ndef create_item():\n    return JSONResponse({}, status_code=202)\n"
            "@router.post('/cookie')\ndef create_cookie():\n    response = JSONResponse({})\n    return response\n"
        ),
        # status set on a Response parameter
        Valid(
            "from fastapi import FastAPI, Response\napp = FastAPI()\n@app.post('/items')\n"
            "def add_item(response: Response):\n    response.status_code = 201\n"
        ),
        # not a route
        Valid("def create_item(): ...\n"),
        # a Response return annotation
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "@app.post('/items')\ndef create_item() -> RedirectResponse:\n"
            "    return RedirectResponse('/items/1', 303)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.post('/items')\ndef create_item(): ...\n",
            line=3,
            column=2,
            expected_fix=(
                "from fastapi import FastAPI\napp = FastAPI()\n@app.post('/items', status_code=201)\n"
                "def create_item(): ...\n"
            ),
        ),
        # returns what it added to the session; aliased import; a router
        Invalid(
            "import fastapi as fa\nrouter = fa.APIRouter()\n@router.post('/users', tags=['users'])\n"
            "async def signup(data: dict, db=fa.Depends(lambda: None)):\n    user = dict(data)\n    db.add(user)\n"
            "    return user\n",
            expected_fix="import fastapi as fa\nrouter = fa.APIRouter()\n"
            "@router.post('/users', tags=['users'], status_code=201)\n"
            "async def signup(data: dict, db=fa.Depends(lambda: None)):\n    user = dict(data)\n    db.add(user)\n"
            "    return user\n",
        ),
        # inside an application factory
        Invalid(
            "from fastapi import FastAPI\ndef make():\n    app = FastAPI()\n    @app.post('/users')\n"
            "    async def register_user(): ...\n    return app\n",
            line=4,
        ),
        Invalid(
            "from fastapi import APIRouter\nr = APIRouter()\n@r.api_route('/pets', methods=['POST'])\n"
            "def add_pet(): ...\n",
            expected_fix="from fastapi import APIRouter\nr = APIRouter()\n"
            "@r.api_route('/pets', methods=['POST'], status_code=201)\ndef add_pet(): ...\n",
        ),
    ]

    def finish(self) -> None:
        for route in self.context.index.routes:
            decorator = route.decorator
            if route.methods != ("POST",) or any(k.arg in {"status_code", None} for k in decorator.keywords):
                continue
            if self._creates(route.function) and not self._sets_its_own_status(route):
                self.report(decorator, edits=[self.context.source.add_argument(decorator, "status_code=201")])

    def _creates(self, function: FunctionNode) -> bool:
        name = function.name.lower()
        if any(word in name for word in _NOT_CREATING):
            return False
        if name.startswith(_CREATING_PREFIXES):
            return True
        index = self.context.index
        added = {
            node.args[0].id
            for node in index.own_nodes(function)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Name)
        }
        return any(
            isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in added
            for node in index.own_nodes(function)
        )

    def _sets_its_own_status(self, route: Route) -> bool:
        index = self.context.index
        function = route.function
        if self._is_response(function.returns):
            return True
        if any(p.source == "special" and self._is_response(p.type) for p in index.parameters(function)):
            return True
        types = index.local_types(function)
        for node in index.own_nodes(function):
            value = node.value if isinstance(node, ast.Return) else None
            if isinstance(value, ast.Call) and self._is_response(value.func):
                return True
            if isinstance(value, ast.Name) and _is_response_class(types.get(value.id)):
                return True
        return False

    def _is_response(self, node: ast.expr | None) -> bool:
        return _is_response_class(self.context.index.annotation_type(node) if node is not None else None)


def _is_response_class(qualified: str | None) -> bool:
    return qualified is not None and (qualified in _RESPONSES or qualified.startswith(_RESPONSE_MODULES))
