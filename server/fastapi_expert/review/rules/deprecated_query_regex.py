"""FE002: ``regex=`` in FastAPI parameter functions and pydantic ``Field``."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import fastapi_names
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["DeprecatedQueryRegex"]

_FUNCTIONS = fastapi_names("Query", "Path", "Header", "Cookie", "Body", "Form", "File") | {
    "pydantic.Field",
    "pydantic.fields.Field",
}


class DeprecatedQueryRegex(Rule):
    """## What it does
    Flags `regex=` passed to `Query`, `Path`, `Header`, `Cookie`, `Body`, `Form`, `File` or pydantic's `Field`.

    ## Why is this bad?
    `regex=` was renamed `pattern=` in FastAPI 0.100 and Pydantic 2. The old name emits a deprecation warning on every
    import of the module and will be removed; `pattern=` is also what ends up in the OpenAPI schema.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import FastAPI, Query

    app = FastAPI()


    @app.get("/items/")
    async def read_items(q: Annotated[str | None, Query(regex="^fixed")] = None) -> dict[str, str | None]:
        return {"q": q}
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import FastAPI, Query

    app = FastAPI()


    @app.get("/items/")
    async def read_items(q: Annotated[str | None, Query(pattern="^fixed")] = None) -> dict[str, str | None]:
        return {"q": q}
    ```

    ## Fix safety
    Safe: `pattern=` takes the same regular expression with the same meaning.

    ## References
    - [FastAPI: Query parameters and string validations](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/)
    """

    CODE = "FE002"
    MESSAGE = "`regex=` is deprecated"
    SEVERITY = Severity.WARNING
    FIX_TITLE = "Rename `regex=` to `pattern=`"
    FIX_SAFETY = "safe"
    TRIGGERS = ("regex",)

    VALID: ClassVar = [
        Valid("from fastapi import Query\nq = Query(pattern='^a')\n"),
        # re.compile's keyword is not ours to judge
        Valid("import re\nfrom fastapi import Query\nx = re.compile('a')\ny = Query(default=None)\n"),
        # a local function that happens to be called Query
        Valid("def Query(**kw):\n    return kw\nq = Query(regex='^a')\n"),
        Valid("from pydantic import Field\nname: str = Field(pattern='^a')\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import Query\nq = Query(regex='^a')\n",
            line=2,
            column=11,
            expected_fix="from fastapi import Query\nq = Query(pattern='^a')\n",
        ),
        Invalid(
            "import fastapi as fa\nq = fa.Path(regex='^a', min_length=1)\n",
            expected_fix="import fastapi as fa\nq = fa.Path(pattern='^a', min_length=1)\n",
        ),
        Invalid(
            "from pydantic import BaseModel, Field\nclass M(BaseModel):\n    sku: str = Field(regex='^[A-Z]+$')\n",
            expected_fix=(
                "from pydantic import BaseModel, Field\nclass M(BaseModel):\n    sku: str = Field(pattern='^[A-Z]+$')\n"
            ),
        ),
        Invalid(
            "from typing import Annotated\nfrom fastapi import APIRouter, Header as H\nrouter = APIRouter()\n"
            "def make():\n    @router.get('/')\n    def r(x: Annotated[str, H(regex='^v1$')]): ...\n",
            line=6,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg == "regex" and self.context.refers_to(node.func, _FUNCTIONS):
                edit = self.context.source.replace(keyword, "pattern=" + self.context.source.segment(keyword.value))
                self.report(keyword, edits=[edit])
