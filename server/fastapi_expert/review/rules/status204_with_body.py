"""FE048: a ``status_code=204`` route that declares or returns a body."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import Route
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["Status204WithBody"]

_NO_CONTENT = frozenset(
    {"fastapi.status.HTTP_204_NO_CONTENT", "starlette.status.HTTP_204_NO_CONTENT", "http.HTTPStatus.NO_CONTENT"}
)
_RESPONSE_MODULES = ("fastapi.responses.", "starlette.responses.")
#: Annotations known not to be a ``Response``: they become the response model.
_DATA_MODULES = ("builtins.", "typing.", "typing_extensions.", "collections.abc.", "datetime.", "uuid.", "decimal.")
_DATA_LITERALS = (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.JoinedStr, ast.DictComp, ast.ListComp)


class Status204WithBody(Rule):
    """## What it does
    Flags a route declared with `status_code=204` (or `status.HTTP_204_NO_CONTENT`, `HTTPStatus.NO_CONTENT`) that
    declares a body — a `response_model=`, or a return annotation other than `None` or a `Response` — or that
    returns data (a dict, list, string or number literal, a model of the module).

    ## Why is this bad?
    A 204 response has no body by definition. FastAPI refuses to build such a route: importing the module raises
    `AssertionError: Status code 204 must not have a response body`, so the app does not start. Data returned
    from a 204 route without a declared model is silently dropped: the client never sees it.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.delete("/items/{item_id}", status_code=204)
    async def delete_item(item_id: int) -> dict[str, int]:
        return {"deleted": item_id}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.delete("/items/{item_id}", status_code=204)
    async def delete_item(item_id: int) -> None:
        return None
    ```

    ## References
    - [FastAPI: Response status code](https://fastapi.tiangolo.com/tutorial/response-status-code/)
    - [RFC 9110 §15.3.5: 204 No Content](https://www.rfc-editor.org/rfc/rfc9110#name-204-no-content)
    """

    CODE = "FE048"
    MESSAGE = "a 204 route has a response body"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("204", "NO_CONTENT")

    VALID: ClassVar = [
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.delete('/i', status_code=204)\n"
            "def r() -> None:\n    return None\n"
        ),
        # a Response of its own, response_model=None
        Valid(
            "from fastapi import FastAPI, Response, status\napp = FastAPI()\n"
            "@app.delete('/i', status_code=status.HTTP_204_NO_CONTENT)\ndef r() -> Response:\n"
            "    return Response(status_code=204)\n"
            "@app.delete('/j', status_code=204, response_model=None)\ndef s() -> dict:\n    return Response()\n"
        ),
        # another status code
        Valid("from fastapi import FastAPI\napp = FastAPI()\n@app.post('/i', status_code=201)\ndef r() -> dict: ...\n"),
        # an annotation this module cannot see (maybe a Response subclass)
        Valid(
            "from fastapi import FastAPI\nfrom app.responses import Empty\napp = FastAPI()\n"
            "@app.delete('/i', status_code=204)\ndef r() -> Empty: ...\n"
        ),
        # returns a name (maybe a Response); a route without status_code
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.delete('/i', status_code=204)\ndef r(db):\n"
            "    result = db.delete()\n    return result\n@app.get('/j')\ndef s() -> dict:\n    return {}\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.delete('/i', status_code=204)\n"
            "def r() -> dict[str, bool]:\n    return {}\n",
            line=4,
            column=12,
            message="a 204 route declares a response body: FastAPI refuses to start "
            "(`Status code 204 must not have a response body`)",
        ),
        # a response model; aliased imports; a router
        Invalid(
            "import fastapi as fa\nfrom fastapi import status as st\nfrom pydantic import BaseModel\n"
            "class Out(BaseModel):\n    ok: bool\nrouter = fa.APIRouter()\n"
            "@router.delete('/i', status_code=st.HTTP_204_NO_CONTENT, response_model=Out)\ndef r(): ...\n",
            line=7,
        ),
        # data returned and dropped
        Invalid(
            "from http import HTTPStatus\nfrom fastapi import FastAPI\ndef make():\n    app = FastAPI()\n"
            "    @app.put('/i', status_code=HTTPStatus.NO_CONTENT)\n    def r():\n        return {'saved': True}\n",
            line=7,
            message="a 204 route returns data: the body is dropped, the client never sees it",
        ),
    ]

    def finish(self) -> None:
        for route in self.context.index.routes:
            status = next((k.value for k in route.decorator.keywords if k.arg == "status_code"), None)
            if status is not None and self._is_204(status):
                self._check(route)

    def _is_204(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return node.value == 204
        return self.context.index.resolve(node) in _NO_CONTENT

    def _check(self, route: Route) -> None:
        index = self.context.index
        model = next((k.value for k in route.decorator.keywords if k.arg == "response_model"), None)
        declared = "a 204 route declares a response body: FastAPI refuses to start "
        declared += "(`Status code 204 must not have a response body`)"
        if model is not None:
            if not (isinstance(model, ast.Constant) and model.value is None):
                self.report(model, declared)
            return
        returns = route.function.returns
        if returns is not None and self._is_data(returns):
            self.report(returns, declared)
            return
        for node in index.own_nodes(route.function):
            if isinstance(node, ast.Return) and node.value is not None and self._returns_data(node.value):
                self.report(node.value, "a 204 route returns data: the body is dropped, the client never sees it")

    def _is_data(self, annotation: ast.expr) -> bool:
        """Whether an annotation is known to be a body type (not ``None``, not a ``Response``)."""
        index = self.context.index
        if isinstance(annotation, ast.Constant) and annotation.value in {None, "None"}:
            return False
        qualified = index.annotation_type(annotation) or ""
        if qualified.startswith(_RESPONSE_MODULES) or qualified == "fastapi.Response" or not qualified:
            return False
        local = qualified.removeprefix("<local>.")
        return qualified.startswith(_DATA_MODULES) or (
            qualified.startswith("<local>.") and local in index.model_classes
        )

    def _returns_data(self, value: ast.expr) -> bool:
        if isinstance(value, _DATA_LITERALS):
            return True
        if isinstance(value, ast.Constant):
            return value.value is not None
        if isinstance(value, ast.Call):
            return self.context.index.local_class(value.func) in self.context.index.model_classes
        return False
