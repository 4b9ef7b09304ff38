"""FE052: a ``list[str]`` parameter of a GET route without ``Query()``, which FastAPI reads from the body."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import Parameter, path_parameters, walk
from fastapi_expert.review.rule import ROUTES, Edit, Invalid, Rule, Valid

__all__ = ["ListParameterWithoutQuery"]

#: Methods whose requests carry no body in practice (browsers and most clients cannot send one with GET).
_BODILESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


class ListParameterWithoutQuery(Rule):
    """## What it does
    Flags a parameter of a `GET`, `HEAD`, `DELETE` or `OPTIONS` route typed as a list, set or tuple of plain
    values (`list[str]`, `set[int] | None`...) with no `Query()` (nor `Body()`, `Header()`...) to say where it
    comes from.

    ## Why is this bad?
    FastAPI reads a plain scalar parameter from the query string, but a *list* without `Query()` from the request
    body. `?tags=a&tags=b` is silently ignored (the parameter stays at its default, or the request fails with 422
    when it has none), and the OpenAPI schema asks clients for a JSON body on a GET request, which browsers and
    most HTTP clients cannot send.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/")
    async def read_items(tags: list[str] | None = None) -> dict[str, list[str] | None]:
        return {"tags": tags}
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import FastAPI, Query

    app = FastAPI()


    @app.get("/items/")
    async def read_items(tags: Annotated[list[str] | None, Query()] = None) -> dict[str, list[str] | None]:
        return {"tags": tags}
    ```

    ## Fix safety
    Unsafe: the parameter moves from the body to the query string, which is what a GET route can receive, but a
    client that did send a JSON body must change.

    ## References
    - [FastAPI: Query parameter list / multiple values](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/#query-parameter-list-multiple-values)
    """

    CODE = "FE052"
    MESSAGE = "a list parameter without `Query()` is read from the request body"
    SEVERITY = Severity.ERROR
    FIX_TITLE = "Declare it with `Query()`"
    FIX_SAFETY = "unsafe"
    TRIGGERS = ("list", "List", "set", "Set", "tuple", "Tuple", "Sequence")
    REQUIRES = ROUTES

    VALID: ClassVar = [
        Valid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(q: Annotated[list[str] | None, Query()] = None): ...\n"
        ),
        # a body is what a POST expects
        Valid("from fastapi import FastAPI\napp = FastAPI()\n@app.post('/')\ndef r(ids: list[int]): ...\n"),
        # default-value style, a dependency, a header
        Valid(
            "from typing import List\nimport fastapi as fa\nrouter = fa.APIRouter()\ndef dep() -> list[str]: ...\n"
            "@router.get('/')\ndef r(q: List[str] = fa.Query([]), d: list[str] = fa.Depends(dep),\n"
            "      h: list[str] | None = fa.Header(None)): ...\n"
        ),
        # not a route
        Valid("def helper(tags: list[str]): ...\n"),
        # a wrapper below the route decorator; a model body on a GET (not this rule's)
        Valid(
            "from fastapi import FastAPI\nfrom pydantic import BaseModel\nfrom app.deco import traced\n"
            "app = FastAPI()\n"
            "class M(BaseModel):\n    a: str\n@app.get('/')\n@traced\ndef r(tags: list[str]): ...\n"
            "@app.get('/m')\ndef s(m: M, ms: list[M]): ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(tags: list[str] | None = None): ...\n",
            line=5,
            column=7,
            message="`tags` is a list without `Query()`: FastAPI reads it from the request body, which a GET request "
            "does not have",
            expected_fix="from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(tags: Annotated[list[str] | None, Query()] = None): ...\n",
        ),
        # typing.List, an aliased import, a router, a delete
        Invalid(
            "from typing import List, Optional\nimport fastapi as fa\nrouter = fa.APIRouter()\n"
            "@router.delete('/items')\nasync def r(ids: Optional[List[int]]): ...\n",
            expected_fix="from typing import List, Optional, Annotated\nimport fastapi as fa\nrouter = fa.APIRouter()\n"
            "@router.delete('/items')\nasync def r(ids: Annotated[Optional[List[int]], fa.Query()]): ...\n",
        ),
        # inside an application factory
        Invalid(
            "from fastapi import FastAPI\ndef make():\n    app = FastAPI()\n    @app.get('/')\n"
            "    def r(sizes: set[int]): ...\n    return app\n",
            line=5,
        ),
        # no fix: Annotated already there; `Query` is something else here
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/')\ndef r(tags: Annotated[list[str], 'the tags']): ...\n",
            line=5,
        ),
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\nQuery = None\n@app.get('/')\ndef r(tags: list[str]): ...\n",
            line=5,
        ),
    ]

    def finish(self) -> None:
        index = self.context.index
        for route in index.routes:
            if route.is_websocket or not route.methods or not set(route.methods) <= _BODILESS:
                continue
            if index.other_decorators(route.function):
                continue  # a wrapper may change the signature FastAPI sees
            for parameter in index.parameters(route.function, path_parameters(route.full_path or "")):
                if parameter.source == "body" and parameter.marker is None and self._scalar_sequence(parameter.type):
                    message = (
                        f"`{parameter.name}` is a list without `Query()`: FastAPI reads it from the request body, "
                        f"which a {route.methods[0]} request does not have"
                    )
                    self.report(parameter.node, message, edits=self._fix(parameter))

    def _scalar_sequence(self, annotation: ast.expr | None) -> bool:
        index = self.context.index
        if index.type_kind(annotation) != "sequence" or annotation is None:
            return False
        inner = [node for node in walk(annotation) if isinstance(node, ast.Subscript)]
        items = [
            item
            for node in inner
            for item in (node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice])
            if not isinstance(item, ast.Subscript | ast.Constant)
        ]
        return bool(items) and all(index.type_kind(item) == "scalar" for item in items)

    def _fix(self, parameter: Parameter) -> list[Edit]:
        annotation = parameter.node.annotation
        if annotation is None or parameter.metadata:
            return []
        annotated = self.context.import_name("typing", "Annotated")
        query = self.context.import_name("fastapi", "Query")
        if annotated is None or query is None:
            return []
        text = f"{annotated[0]}[{self.context.source.segment(annotation)}, {query[0]}()]"
        return [*annotated[1], *query[1], self.context.source.replace(annotation, text)]
