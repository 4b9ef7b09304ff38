"""FE046: ``await file.read()`` of an ``UploadFile`` with no size limit anywhere."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, walk
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["UploadReadWithoutSizeLimit"]

_UPLOADS = frozenset({"fastapi.UploadFile", "fastapi.datastructures.UploadFile", "starlette.datastructures.UploadFile"})
#: A module that configures a body limit (FastAPI's own, or a middleware) bounds every read.
_LIMITS = ("max_body_size", "BodyLimit", "BodySizeLimit", "ContentSizeLimit", "MAX_UPLOAD", "max_upload")


class UploadReadWithoutSizeLimit(Rule):
    """## What it does
    Flags `await file.read()` without a size, where `file` is an `UploadFile` (a parameter annotated with it, or
    an item of a `list[UploadFile]` parameter), when the function checks no size (`file.size`, `len(...)` in a
    comparison) and the module sets no body limit (`max_body_size=` on the app, a router or the route, a body
    size middleware).

    ## Why is this bad?
    `read()` with no argument copies the whole upload into memory. FastAPI sets no body limit by default, so one
    client sending a multi-gigabyte file (or a few sending large ones at once) exhausts the worker's memory and
    gets it killed, taking every in-flight request with it.

    ## Example
    ```python
    from fastapi import FastAPI, UploadFile

    app = FastAPI()


    @app.post("/files/")
    async def upload(file: UploadFile) -> dict[str, int]:
        data = await file.read()
        return {"size": len(data)}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, UploadFile

    app = FastAPI(max_body_size=10 * 1024 * 1024)


    @app.post("/files/")
    async def upload(file: UploadFile) -> dict[str, int]:
        data = await file.read()
        return {"size": len(data)}
    ```

    ## Known problems
    A limit set where another module creates the app, or by a proxy in front of it (`client_max_body_size`), is
    not seen: suppress the finding there, or read in chunks (`await file.read(1024 * 1024)`).

    ## References
    - [FastAPI: Request files](https://fastapi.tiangolo.com/tutorial/request-files/)
    - [FastAPI: Request body limits](https://fastapi.tiangolo.com/advanced/request-body-limits/)
    """

    CODE = "FE046"
    MESSAGE = "an upload is read whole into memory with no size limit"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("UploadFile",)

    VALID: ClassVar = [
        # read in chunks
        Valid(
            "from fastapi import FastAPI, UploadFile\napp = FastAPI()\n@app.post('/')\n"
            "async def r(file: UploadFile):\n    while chunk := await file.read(65536):\n        pass\n"
        ),
        # a size check
        Valid(
            "from fastapi import FastAPI, HTTPException, UploadFile\napp = FastAPI()\n@app.post('/')\n"
            "async def r(file: UploadFile):\n    if file.size and file.size > 10_000_000:\n"
            "        raise HTTPException(413)\n    return await file.read()\n"
        ),
        # a body limit on the router
        Valid(
            "from fastapi import APIRouter, UploadFile\nrouter = APIRouter(max_body_size=1_000_000)\n"
            "@router.post('/')\nasync def r(file: UploadFile):\n    return await file.read()\n"
        ),
        # another object's read()
        Valid(
            "import aiofiles\nfrom fastapi import FastAPI, UploadFile\napp = FastAPI()\n@app.post('/')\n"
            "async def r(file: UploadFile):\n    async with aiofiles.open('x') as f:\n        return await f.read()\n"
        ),
        # a local class called UploadFile
        Valid(
            "class UploadFile:\n    async def read(self): ...\nasync def r(file: UploadFile):\n    await file.read()\n"
        ),
        # the size is checked (after reading: the rule trusts the check)
        Valid(
            "from fastapi import FastAPI, UploadFile\napp = FastAPI()\n@app.post('/')\nasync def r(file: UploadFile):\n"
            "    data = await file.read()\n    if len(data) > 1_000_000:\n        raise ValueError\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI, UploadFile\napp = FastAPI()\n@app.post('/')\n"
            "async def r(file: UploadFile):\n    data = await file.read()\n",
            line=5,
            column=12,
            message="`await file.read()` loads the whole upload into memory, with no size limit",
        ),
        # aliased import, a router, an optional upload in Annotated
        Invalid(
            "from typing import Annotated\nimport fastapi as fa\nrouter = fa.APIRouter()\n@router.put('/')\n"
            "async def r(doc: Annotated[fa.UploadFile | None, fa.File()] = None):\n"
            "    return len(await doc.read()) if doc else 0\n",
            line=6,
        ),
        # every file of a list
        Invalid(
            "from fastapi import FastAPI, UploadFile\ndef make():\n    app = FastAPI()\n    @app.post('/')\n"
            "    async def r(files: list[UploadFile]):\n        for f in files:\n            await f.read()\n"
            "    return app\n",
            line=7,
        ),
        # a helper that takes the upload
        Invalid(
            "from starlette.datastructures import UploadFile\nasync def save(upload: UploadFile) -> bytes:\n"
            "    return await upload.read()\n",
            line=3,
        ),
    ]

    def visit_Await(self, node: ast.Await) -> None:
        call = node.value
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "read"
            and not call.args
            and not call.keywords
            and isinstance(call.func.value, ast.Name)
        ):
            return
        function = self.context.enclosing_function()
        receiver = call.func.value
        if function is None or not self._is_upload(receiver, function):
            return
        if any(limit in self.context.source.text for limit in _LIMITS) or self._checks_size(function):
            return
        self.report(node, f"`await {receiver.id}.read()` loads the whole upload into memory, with no size limit")

    def _is_upload(self, receiver: ast.Name, function: FunctionNode) -> bool:
        context, index = self.context, self.context.index
        if context.type_of(receiver) in _UPLOADS:
            return True
        # An item of a list[UploadFile] parameter: ``for f in files: await f.read()``.
        uploads = {
            p.name
            for p in index.parameters(function)
            if index.type_kind(p.type) == "upload" and index.annotation_type(p.node.annotation) not in _UPLOADS
        }
        return any(
            isinstance(node, ast.For | ast.AsyncFor)
            and isinstance(node.target, ast.Name)
            and node.target.id == receiver.id
            and isinstance(node.iter, ast.Name)
            and node.iter.id in uploads
            for node in index.own_nodes(function)
        )

    def _checks_size(self, function: FunctionNode) -> bool:
        for node in self.context.index.own_nodes(function):
            if isinstance(node, ast.Attribute) and node.attr == "size":
                return True
            if isinstance(node, ast.Compare) and any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len"
                for side in (node.left, *node.comparators)
                for n in walk(side)
            ):
                return True
        return False
