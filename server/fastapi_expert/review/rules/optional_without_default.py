"""FE024: an optional query parameter without a default, which FastAPI makes required."""

from __future__ import annotations

from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import Parameter, Route, path_parameters
from fastapi_expert.review.rule import ROUTES, Invalid, Rule, Valid

__all__ = ["OptionalWithoutDefault"]


class OptionalWithoutDefault(Rule):
    """## What it does
    Flags a query parameter of a route typed `X | None` (or `Optional[X]`, or `Annotated[X | None, Query()]`) that
    has no default value.

    ## Why is this bad?
    In FastAPI the *default* decides whether a parameter is required, not the type. Without one, `q: str | None` is
    a required query parameter: every request that leaves it out gets a 422, although the signature reads as
    "optional". And a query string cannot carry `None` anyway, so the `| None` only misleads.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/")
    async def read_items(q: str | None) -> dict[str, str | None]:
        return {"q": q}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/")
    async def read_items(q: str | None = None) -> dict[str, str | None]:
        return {"q": q}
    ```

    ## Fix safety
    Safe: the parameter becomes optional, as its type says. The fix is offered only where a default keeps the
    signature valid (no parameter without a default after it, unless it is keyword-only); elsewhere the finding
    comes without a fix.

    ## References
    - [FastAPI: Query parameters — required and optional](https://fastapi.tiangolo.com/tutorial/query-params/#required-query-parameters)
    - [FastAPI: Query parameters and string validations](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/)
    """

    CODE = "FE024"
    MESSAGE = "an optional query parameter without a default is required"
    SEVERITY = Severity.WARNING
    FIX_TITLE = "Add `= None`"
    FIX_SAFETY = "safe"
    TRIGGERS = ("None", "Optional")
    REQUIRES = ROUTES

    VALID: ClassVar = [
        Valid("from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r(q: str | None = None): ...\n"),
        # a path parameter, a body model, a dependency
        Valid(
            "from typing import Annotated, Optional\nfrom fastapi import APIRouter, Depends\n"
            "from pydantic import BaseModel\n"
            "router = APIRouter()\nclass Item(BaseModel):\n    name: str\ndef user() -> str | None: ...\n"
            "@router.put('/items/{item_id}')\n"
            "def r(item_id: Optional[int], item: Item | None, u: Annotated[str | None, Depends(user)]): ...\n"
        ),
        # a required, non-optional query parameter
        Valid("from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r(q: str): ...\n"),
        # not a route
        Valid("def helper(q: str | None): ...\n"),
        # a header is not a query parameter
        Valid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Header\napp = FastAPI()\n"
            "@app.get('/')\ndef r(x_token: Annotated[str | None, Header()]): ...\n"
        ),
        # a wrapper below the route decorator may change the signature FastAPI sees
        Valid(
            "from fastapi import FastAPI\nfrom app.deco import traced\napp = FastAPI()\n"
            "@app.get('/')\n@traced\ndef r(q: str | None): ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r(q: str | None): ...\n",
            line=4,
            column=7,
            expected_fix=(
                "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r(q: str | None = None): ...\n"
            ),
        ),
        Invalid(
            "from typing import Annotated, Optional\nimport fastapi as fa\nrouter = fa.APIRouter()\n"
            "@router.get('/')\nasync def r(q: Annotated[Optional[str], fa.Query(max_length=50)], *, n: int): ...\n",
            expected_fix="from typing import Annotated, Optional\nimport fastapi as fa\nrouter = fa.APIRouter()\n"
            "@router.get('/')\n"
            "async def r(q: Annotated[Optional[str], fa.Query(max_length=50)] = None, *, n: int): ...\n",
        ),
        # a required parameter follows: reported, not fixed
        Invalid(
            "from typing import Union\nfrom fastapi import FastAPI\ndef make():\n    app = FastAPI()\n"
            "    @app.get('/')\n    def r(q: Union[int, None], page: int): ...\n    return app\n",
            line=6,
        ),
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(tags: Annotated[list[str] | None, Query()]): ...\n",
            message="`tags` is typed optional but has no default: FastAPI makes it a required query parameter",
        ),
    ]

    def finish(self) -> None:
        index = self.context.index
        for route in index.routes:
            if index.other_decorators(route.function):
                continue  # a wrapper may change the signature FastAPI sees
            parameters = index.parameters(route.function, path_parameters(route.full_path or ""))
            for position, parameter in enumerate(parameters):
                if self._required_optional(parameter):
                    self._report(route, parameters, position)

    def _required_optional(self, parameter: Parameter) -> bool:
        index = self.context.index
        return (
            parameter.source == "query"
            and parameter.default is None
            and index.is_optional(parameter.node.annotation)
            and index.type_kind(parameter.type) in {"scalar", "sequence"}
        )

    def _report(self, route: Route, parameters: tuple[Parameter, ...], position: int) -> None:
        parameter = parameters[position]
        later = parameters[position + 1 :]
        fixable = parameter.keyword_only or all(p.default is not None or p.keyword_only for p in later)
        edits = []
        if fixable and parameter.node.annotation is not None:
            edits.append(self.context.source.insert_after(parameter.node.annotation, " = None"))
        message = (
            f"`{parameter.name}` is typed optional but has no default: FastAPI makes it a required query parameter"
        )
        self.report(parameter.node, message, edits=edits)
