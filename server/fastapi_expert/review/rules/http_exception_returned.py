"""FE056: ``return HTTPException(...)`` in a route or dependency, where it must be raised."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import ROUTES_OR_DEPENDENCIES, Edit, Invalid, Rule, Valid

__all__ = ["HttpExceptionReturned"]

_EXCEPTIONS = frozenset(
    {
        "fastapi.HTTPException",
        "fastapi.exceptions.HTTPException",
        "starlette.exceptions.HTTPException",
        "fastapi.WebSocketException",
        "fastapi.exceptions.WebSocketException",
        "starlette.exceptions.WebSocketException",
    }
)


class HttpExceptionReturned(Rule):
    """## What it does
    Flags `return HTTPException(...)` (or `WebSocketException`, or a subclass of either defined in the module) in a
    route or in a dependency.

    ## Why is this bad?
    FastAPI turns an `HTTPException` into an error response only when it is *raised*. Returned, it is just a value:
    FastAPI serializes it like any other and answers `200 OK` with
    `{"status_code": 404, "detail": "...", "headers": null}`. The client sees success, the error handlers and
    logging never run, and in a dependency the route goes on with the exception object as the dependency's value.

    ## Example
    ```python
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    items = {"foo": "The Foo Wrestlers"}


    @app.get("/items/{item_id}")
    async def read_item(item_id: str) -> object:
        if item_id not in items:
            return HTTPException(status_code=404, detail="Item not found")
        return {"item": items[item_id]}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    items = {"foo": "The Foo Wrestlers"}


    @app.get("/items/{item_id}")
    async def read_item(item_id: str) -> object:
        if item_id not in items:
            raise HTTPException(status_code=404, detail="Item not found")
        return {"item": items[item_id]}
    ```

    ## Fix safety
    Unsafe: the request now fails with the exception's status code instead of answering 200, which is what the
    code means, but clients that relied on the 200 change behaviour.

    ## References
    - [FastAPI: Handling errors — raise an HTTPException](https://fastapi.tiangolo.com/tutorial/handling-errors/#use-httpexception)
    """

    CODE = "FE056"
    MESSAGE = "an `HTTPException` is returned instead of raised: the client gets 200"
    SEVERITY = Severity.ERROR
    FIX_TITLE = "Raise it"
    FIX_SAFETY = "unsafe"
    TRIGGERS = ("Exception",)
    REQUIRES = ROUTES_OR_DEPENDENCIES

    VALID: ClassVar = [
        Valid(
            "from fastapi import FastAPI, HTTPException\napp = FastAPI()\n@app.get('/')\ndef r():\n"
            "    raise HTTPException(404)\n"
        ),
        # a factory of exceptions, raised by its callers
        Valid(
            "from fastapi import HTTPException\ndef not_found(what: str) -> HTTPException:\n"
            "    return HTTPException(404, f'{what} not found')\n"
        ),
        # another exception type; a local class of the same name
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\nclass HTTPException:\n    pass\n"
            "@app.get('/')\ndef r():\n    return HTTPException()\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI, HTTPException\napp = FastAPI()\n@app.get('/')\ndef r():\n"
            "    return HTTPException(status_code=404)\n",
            line=5,
            column=5,
            expected_fix="from fastapi import FastAPI, HTTPException\napp = FastAPI()\n@app.get('/')\ndef r():\n"
            "    raise HTTPException(status_code=404)\n",
        ),
        # a dependency; aliased import; a subclass of the module
        Invalid(
            "import fastapi as fa\nclass Forbidden(fa.HTTPException): ...\ndef user(token: str = ''):\n"
            "    if not token:\n        return Forbidden(403)\n    return token\n"
            "router = fa.APIRouter()\n@router.get('/')\ndef r(u=fa.Depends(user)): ...\n",
            line=5,
        ),
        # inside an application factory; Starlette's exception
        Invalid(
            "from fastapi import FastAPI\nfrom starlette.exceptions import HTTPException as E\ndef make():\n"
            "    app = FastAPI()\n    @app.delete('/')\n    async def r():\n        return E(409)\n    return app\n",
            line=7,
        ),
    ]

    def visit_Return(self, node: ast.Return) -> None:
        value = node.value
        if not isinstance(value, ast.Call):
            return
        context, index = self.context, self.context.index
        function = context.enclosing_function()
        if context.route_of(function) is None and not context.is_dependency(function):
            return
        local = index.local_class(value.func)
        if not (context.refers_to(value.func, _EXCEPTIONS) or local in index.subclasses_of(_EXCEPTIONS)):
            return
        line, column = context.source.start(node)
        self.report(node, edits=[Edit(line, column, line, column + len("return"), "raise")])
