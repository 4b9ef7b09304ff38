"""FE055: a pydantic model handed to ``JSONResponse`` as its content, which it cannot serialize."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["ModelPassedToJsonResponse"]

_JSON_RESPONSES = frozenset(
    {f"fastapi.responses.{name}" for name in ("JSONResponse", "ORJSONResponse", "UJSONResponse")}
    | {"starlette.responses.JSONResponse"}
)


class ModelPassedToJsonResponse(Rule):
    """## What it does
    Flags `JSONResponse(content=...)` (and `ORJSONResponse`, `UJSONResponse`) whose content is a pydantic model of
    the module, or a list, tuple or dict literal holding one: a model built right there, a parameter annotated
    with the model, or a name assigned from its constructor.

    ## Why is this bad?
    A `Response` returned directly skips FastAPI's serialization: `JSONResponse` calls `json.dumps` on the content
    as it is, and a pydantic model is not JSON serializable. Every call raises `TypeError: Object of type Item is
    not JSON serializable` and the client gets a 500.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.post("/items/")
    async def create_item(item: Item) -> JSONResponse:
        return JSONResponse(content=item, status_code=201)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.encoders import jsonable_encoder
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.post("/items/")
    async def create_item(item: Item) -> JSONResponse:
        return JSONResponse(content=jsonable_encoder(item), status_code=201)
    ```

    ## References
    - [FastAPI: Return a response directly](https://fastapi.tiangolo.com/advanced/response-directly/)
    - [FastAPI: JSON compatible encoder](https://fastapi.tiangolo.com/tutorial/encoder/)
    """

    CODE = "FE055"
    MESSAGE = "a pydantic model is passed to `JSONResponse`, which cannot serialize it"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("JSONResponse",)

    VALID: ClassVar = [
        Valid(
            "from fastapi.encoders import jsonable_encoder\nfrom fastapi.responses import JSONResponse\n"
            "from pydantic import BaseModel\nclass M(BaseModel):\n    a: int\n"
            "def r(m: M):\n    return JSONResponse(jsonable_encoder(m)), JSONResponse(content=m.model_dump())\n"
        ),
        # a model imported from elsewhere, a dict
        Valid(
            "from fastapi.responses import JSONResponse\nfrom app.schemas import M\n"
            "def r(m: M, d: dict):\n    return JSONResponse(m), JSONResponse(content=d)\n"
        ),
        # a local JSONResponse
        Valid(
            "from pydantic import BaseModel\nclass M(BaseModel):\n    a: int\n"
            "def JSONResponse(content): ...\nJSONResponse(M(a=1))\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi.responses import JSONResponse\nfrom pydantic import BaseModel\nclass M(BaseModel):\n"
            "    a: int\ndef r(m: M):\n    return JSONResponse(content=m)\n",
            line=6,
            column=33,
            message="a `M` model is passed to `JSONResponse`, which cannot serialize it: use `jsonable_encoder()`",
        ),
        # built in place; aliased import; positional content
        Invalid(
            "import fastapi.responses as fr\nfrom sqlmodel import SQLModel\nclass Hero(SQLModel):\n    name: str\n"
            "def r():\n    return fr.ORJSONResponse(Hero(name='x'))\n",
            line=6,
        ),
        # inside a list and a dict; a name assigned from the constructor
        Invalid(
            "from starlette.responses import JSONResponse\nfrom pydantic import BaseModel\nclass M(BaseModel):\n"
            "    a: int\ndef r():\n    m = M(a=1)\n    return JSONResponse({'items': [m], 'count': 1})\n",
            line=7,
        ),
        # a route of a router built in a factory, the model as a parameter
        Invalid(
            "from typing import Annotated\nfrom fastapi import APIRouter, Body\n"
            "from fastapi.responses import JSONResponse\n"
            "from pydantic import BaseModel\nclass M(BaseModel):\n    a: int\ndef make():\n    router = APIRouter()\n"
            "    @router.post('/')\n    def r(m: Annotated[M, Body()]):\n"
            "        return JSONResponse(m, status_code=201)\n"
            "    return router\n",
            line=11,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        content = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "content"), None)
        if content is None or not self.context.refers_to(node.func, _JSON_RESPONSES):
            return
        for value in _values(content):
            model = self._model_of(value)
            if model is not None:
                name = ast.unparse(node.func).rsplit(".", 1)[-1]
                message = (
                    f"a `{model}` model is passed to `{name}`, which cannot serialize it: use `jsonable_encoder()`"
                )
                self.report(value, message)
                return

    def _model_of(self, value: ast.expr) -> str | None:
        index = self.context.index
        if isinstance(value, ast.Call):
            name = index.local_class(value.func)
        elif isinstance(value, ast.Name):
            name = (self.context.type_of(value) or "").removeprefix("<local>.")
        else:
            return None
        return name if name in index.model_classes else None


def _values(content: ast.expr) -> list[ast.expr]:
    """``content`` and the items of the list, tuple, set and dict literals it is made of."""
    found = [content]
    pending = [content]
    while pending:
        node = pending.pop()
        items = node.elts if isinstance(node, ast.List | ast.Tuple | ast.Set) else []
        if isinstance(node, ast.Dict):
            items = node.values
        found += items
        pending += items
    return found
