"""FE053: a route that takes a JSON body model together with ``Form``/``File`` fields."""

from __future__ import annotations

from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import path_parameters
from fastapi_expert.review.rule import ROUTES, Invalid, Rule, Valid

__all__ = ["JsonBodyWithForm"]


class JsonBodyWithForm(Rule):
    """## What it does
    Flags a route parameter read from a JSON body — a pydantic model or dataclass of the module, or a `dict`, with
    no marker or with `Body()` — in a route that also takes `Form()` or `File()` fields or an `UploadFile`.

    ## Why is this bad?
    One request has one body. With a form or file field FastAPI parses the body as
    `application/x-www-form-urlencoded` or `multipart/form-data`, and looks for the model among the form fields:
    a form field holds a string, never a JSON object, so every request fails with 422 and the route cannot be
    called at all. This is HTTP, not a FastAPI limitation.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import FastAPI, Form, UploadFile
    from pydantic import BaseModel

    app = FastAPI()


    class Meta(BaseModel):
        title: str


    @app.post("/documents/")
    async def upload(file: UploadFile, meta: Meta) -> dict[str, str]:
        return {"title": meta.title}
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import FastAPI, Form, UploadFile
    from pydantic import BaseModel

    app = FastAPI()


    class Meta(BaseModel):
        title: str


    @app.post("/documents/")
    async def upload(file: UploadFile, meta: Annotated[Meta, Form()]) -> dict[str, str]:
        return {"title": meta.title}
    ```

    ## References
    - [FastAPI: Request forms and files](https://fastapi.tiangolo.com/tutorial/request-forms-and-files/)
    - [FastAPI: Form models](https://fastapi.tiangolo.com/tutorial/request-form-models/)
    """

    CODE = "FE053"
    MESSAGE = "a JSON body parameter next to form fields can never be sent"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("Form", "File", "UploadFile")
    REQUIRES = ROUTES

    VALID: ClassVar = [
        # a form model
        Valid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Form, UploadFile\n"
            "from pydantic import BaseModel\nclass M(BaseModel):\n    a: str\napp = FastAPI()\n"
            "@app.post('/')\ndef r(f: UploadFile, m: Annotated[M, Form()]): ...\n"
        ),
        # a JSON body alone, a form alone
        Valid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Form\nfrom pydantic import BaseModel\n"
            "class M(BaseModel):\n    a: str\napp = FastAPI()\n@app.post('/a')\ndef a(m: M): ...\n"
            "@app.post('/b')\ndef b(name: Annotated[str, Form()]): ...\n"
        ),
        # a scalar Body() field is looked up among the form fields
        Valid(
            "from typing import Annotated\nfrom fastapi import Body, FastAPI, File\napp = FastAPI()\n"
            "@app.post('/')\ndef r(f: Annotated[bytes, File()], n: Annotated[int, Body()]): ...\n"
        ),
        # a model imported from elsewhere cannot be seen (it may be a form model through a dependency)
        Valid(
            "from fastapi import FastAPI, UploadFile\nfrom app.schemas import Meta\napp = FastAPI()\n"
            "@app.post('/')\ndef r(f: UploadFile, m: Meta): ...\n"
        ),
        # a wrapper below the route decorator may change the signature FastAPI sees
        Valid(
            "from fastapi import FastAPI, UploadFile\nfrom pydantic import BaseModel\nfrom app.deco import traced\n"
            "class M(BaseModel):\n    a: str\napp = FastAPI()\n@app.post('/')\n@traced\n"
            "def r(f: UploadFile, m: M): ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI, UploadFile\nfrom pydantic import BaseModel\nclass M(BaseModel):\n"
            "    a: str\napp = FastAPI()\n@app.post('/')\ndef r(f: UploadFile, m: M): ...\n",
            line=7,
            column=22,
            message="`m` is read from a JSON body, but `f` makes the request a form: `m` can never be sent",
        ),
        # Body() of a model; aliased import; a router
        Invalid(
            "from typing import Annotated\nimport fastapi as fa\nfrom pydantic import BaseModel\n"
            "class M(BaseModel):\n    a: str\nrouter = fa.APIRouter()\n@router.put('/')\n"
            "def r(name: Annotated[str, fa.Form()], m: M = fa.Body()): ...\n",
            line=8,
        ),
        # a dict body, inside a factory
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI, File\ndef make():\n    app = FastAPI()\n"
            "    @app.post('/')\n    def r(data: Annotated[bytes, File()], extra: dict): ...\n    return app\n",
            line=6,
        ),
    ]

    def finish(self) -> None:
        index = self.context.index
        for route in index.routes:
            if index.other_decorators(route.function):
                continue  # a wrapper may change the signature FastAPI sees
            parameters = index.parameters(route.function, path_parameters(route.full_path or ""))
            form = next((p for p in parameters if p.source in {"form", "file"}), None)
            if form is None:
                continue
            for parameter in parameters:
                if parameter.source == "body" and index.type_kind(parameter.type) in {"model", "mapping"}:
                    message = (
                        f"`{parameter.name}` is read from a JSON body, but `{form.name}` makes the request a form: "
                        f"`{parameter.name}` can never be sent"
                    )
                    self.report(parameter.node, message)
