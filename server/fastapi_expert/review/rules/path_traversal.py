"""FE034: a client-supplied path reaching ``FileResponse``/``open()``/``Path.read_*`` without a containment check."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import walk
from fastapi_expert.review.rule import ROUTES, Invalid, Rule, Valid
from fastapi_expert.review.taint import RequestData, request_data_here

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["PathTraversal"]

#: Calls whose first argument (or the keyword named) is a file system path.
_PATH_CALLS = {
    "fastapi.responses.FileResponse": "path",
    "starlette.responses.FileResponse": "path",
    "builtins.open": "file",
    "io.open": "file",
    "codecs.open": "filename",
    "aiofiles.open": "file",
    "anyio.open_file": "file",
    "os.open": "path",
    "os.remove": "path",
    "os.unlink": "path",
    "os.rmdir": "path",
    "os.removedirs": "name",
    "os.listdir": "path",
    "os.scandir": "path",
    "shutil.rmtree": "path",
    "shutil.copyfile": "src",
    "shutil.copy": "src",
    "shutil.move": "src",
}
_PATH_FUNCTIONS = frozenset(_PATH_CALLS)
#: Path methods that touch the file a (client-built) path names.
_PATH_METHODS = frozenset(
    {"read_text", "read_bytes", "write_text", "write_bytes", "open", "unlink", "rmdir", "iterdir", "touch", "glob"}
)
_CONTAINMENT = frozenset({"is_relative_to", "relative_to", "commonpath", "commonprefix"})
_CANONICAL = frozenset({"resolve", "realpath", "abspath", "absolute"})


class PathTraversal(Rule):
    """## What it does
    Flags a route parameter — a `{name:path}` path parameter, a query, header, cookie or form string, a string field
    of the request body, an upload's `filename` — that reaches a file system path (`FileResponse(...)`, `open(...)`,
    `aiofiles.open(...)`, `Path(...).read_text()`/`read_bytes()`/`write_*()`/`unlink()`, `os.remove(...)`,
    `shutil.rmtree(...)`) as a whole path component (`BASE / name`, `os.path.join(BASE, name)`,
    `f"uploads/{filename}"`, `name` itself), in a route whose function has no containment check (`resolve()` followed by
    `is_relative_to()`/`relative_to()`, `os.path.commonpath`, a `startswith` on a resolved path, an allow-list test)
    and does not reduce it to a file name (`os.path.basename`, `Path(x).name`, `secure_filename`).

    ## Why is this bad?
    `files/{name:path}` and query strings accept `../`: `GET /files/../../etc/passwd` or `?name=../../app/.env`
    reads any file the server process can, and a client-chosen upload `filename` writes anywhere. Joining with a
    base directory does not help — `Path("/srv/files") / "../../etc/passwd"` leaves it, and `Path("/srv") /
    "/etc/passwd"` *is* `/etc/passwd`.

    Plain `{name}` path parameters are not reported: Starlette's default converter does not match `/`.

    ## Example
    ```python
    from pathlib import Path

    from fastapi import FastAPI
    from fastapi.responses import FileResponse

    app = FastAPI()
    BASE = Path("/srv/files")


    @app.get("/files/{name:path}")
    async def download(name: str) -> FileResponse:
        return FileResponse(BASE / name)
    ```

    ## Use instead
    ```python
    from pathlib import Path

    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse

    app = FastAPI()
    BASE = Path("/srv/files").resolve()


    @app.get("/files/{name:path}")
    async def download(name: str) -> FileResponse:
        target = (BASE / name).resolve()
        if not target.is_relative_to(BASE) or not target.is_file():
            raise HTTPException(status_code=404)
        return FileResponse(target)
    ```

    ## Known problems
    The taint is local to the route function: paths built in helper functions are not followed, and any
    containment check in the function silences it (even one on another variable). Serving a directory is
    simpler with `StaticFiles`, which checks containment itself.

    ## References
    - [FastAPI: Custom Response - FileResponse](https://fastapi.tiangolo.com/advanced/custom-response/#fileresponse)
    - [FastAPI: Path parameters containing paths](https://fastapi.tiangolo.com/tutorial/path-params/#path-parameters-containing-paths)
    - [OWASP: Path Traversal](https://owasp.org/www-community/attacks/Path_Traversal)
    """

    CODE = "FE034"
    MESSAGE = "a client-supplied path reaches the file system without a containment check: `../` reaches any file"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("FileResponse", "open(", "read_", "write_", "unlink", "remove", "rmtree", "listdir", "copy", "move")
    REQUIRES = ROUTES

    VALID: ClassVar = [
        # plain {name}: no "/" can reach it
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.responses import FileResponse\napp = FastAPI()\n"
            "@app.get('/files/{name}')\ndef f(name: str):\n    return FileResponse(f'files/{name}')\n"
        ),
        # resolved and checked
        Valid(
            "from pathlib import Path\nfrom fastapi import FastAPI, HTTPException\n"
            "from fastapi.responses import FileResponse\napp = FastAPI()\nBASE = Path('files').resolve()\n"
            "@app.get('/files/{name:path}')\ndef f(name: str):\n    p = (BASE / name).resolve()\n"
            "    if not p.is_relative_to(BASE):\n        raise HTTPException(404)\n    return FileResponse(p)\n"
        ),
        # reduced to a file name, in place
        Valid(
            "import os\nfrom fastapi import APIRouter, UploadFile\nrouter = APIRouter()\n"
            "@router.post('/upload')\nasync def up(file: UploadFile):\n"
            "    name = os.path.basename(file.filename)\n"
            "    with open(os.path.join('uploads', name), 'wb') as out:\n        out.write(await file.read())\n"
        ),
        # an int, an enum, a pattern-constrained query, a dependency
        Valid(
            "from enum import Enum\nfrom typing import Annotated\nfrom fastapi import FastAPI, Query, Depends\n"
            "app = FastAPI()\nclass Kind(str, Enum):\n    a = 'a'\ndef get_dir() -> str: ...\n"
            "@app.get('/r')\ndef r(n: int, k: Kind, q: Annotated[str, Query(pattern='^[a-z]+$')],"
            " d: Annotated[str, Depends(get_dir)]):\n"
            "    return open(f'{d}/{k.value}/{n}/{q}.txt').read()\n"
        ),
        # an allow-list
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\nALLOWED = {'a.txt', 'b.txt'}\n"
            "@app.get('/doc')\ndef doc(name: str):\n    if name not in ALLOWED:\n        return None\n"
            "    return open(name).read()\n"
        ),
        # containment through the parents; a path looked up in the database with the client's id
        Valid(
            "from pathlib import Path\nfrom fastapi import FastAPI, HTTPException\n"
            "from fastapi.responses import FileResponse\napp = FastAPI()\nBASE = Path('/srv').resolve()\n"
            "def lookup(name: str): ...\n"
            "@app.get('/a/{name:path}')\ndef a(name: str):\n    p = (BASE / name).resolve()\n"
            "    if BASE not in p.parents:\n        raise HTTPException(404)\n    return FileResponse(p)\n"
            "@app.get('/b')\ndef b(name: str):\n    record = lookup(name)\n    return FileResponse(record.path)\n"
        ),
        # client text inside a file name, after a program-chosen part: `../` cannot climb from there
        Valid(
            "from uuid import UUID\nfrom fastapi import FastAPI\nfrom fastapi.responses import FileResponse\n"
            "app = FastAPI()\n@app.get('/img/{image_id}')\ndef img(image_id: UUID, fmt: str = 'png'):\n"
            "    return FileResponse(f'/data/{image_id}.{fmt}')\n"
        ),
        # a canonical path compared with the base; a hand-written ".." test
        Valid(
            "import os\nfrom fastapi import FastAPI\napp = FastAPI()\nBASE = '/srv/files'\n"
            "@app.get('/a')\ndef a(name: str):\n    assert not BASE.startswith('~')\n"
            "    full = os.path.realpath(os.path.join(BASE, name))\n"
            "    if not full.startswith(BASE + os.sep):\n        return None\n    return open(full).read()\n"
            "@app.get('/b')\ndef b(name: str):\n    if name.find('..') != -1:\n        return None\n"
            "    return open(name).read()\n"
            "@app.get('/c')\ndef c(name: str):\n    if os.path.commonpath([BASE, os.path.abspath(name)]) != BASE:\n"
            "        return None\n    return open(name).read()\n"
        ),
        # a class-based view: `self` is no query parameter
        Valid(
            "import shutil\nfrom fastapi import APIRouter\nrouter = APIRouter()\nclass Maintenance:\n"
            "    @router.post('/clean/temp')\n    def clean_temp(self):\n        shutil.rmtree(self.folders.TEMP_DIR)\n"
        ),
        # not a route: a helper's parameter is not request data
        Valid("def load(name: str):\n    return open(name).read()\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.responses import FileResponse\napp = FastAPI()\n"
            "@app.get('/files/{file_path:path}')\nasync def read_file(file_path: str):\n"
            "    return FileResponse(file_path)\n",
            line=6,
            column=12,
        ),
        # a query parameter joined to a base with pathlib, read with read_text()
        Invalid(
            "from pathlib import Path\nfrom fastapi import APIRouter\nrouter = APIRouter()\nBASE = Path('docs')\n"
            "@router.get('/doc')\ndef doc(name: str):\n    target = BASE / name\n    return target.read_text()\n",
            line=8,
        ),
        # an upload's filename, aliased import, inside a factory
        Invalid(
            "import fastapi as fa\nimport aiofiles\ndef build():\n    app = fa.FastAPI()\n"
            "    @app.post('/upload')\n    async def up(file: fa.UploadFile):\n"
            "        async with aiofiles.open(f'uploads/{file.filename}', 'wb') as out:\n"
            "            await out.write(await file.read())\n    return app\n",
            line=7,
        ),
        # a body model's string field, Annotated Query, os.remove
        Invalid(
            "import os\nfrom typing import Annotated\nfrom fastapi import FastAPI, Query\n"
            "from pydantic import BaseModel\napp = FastAPI()\nclass Delete(BaseModel):\n    path: str\n"
            "@app.delete('/files')\ndef rm(body: Delete, dry: Annotated[bool, Query()] = False):\n"
            "    os.remove(os.path.join('/data', body.path))\n",
            line=10,
        ),
        # a resolve() alone is no check
        Invalid(
            "from pathlib import Path\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/raw/{p:path}')\ndef raw(p: str):\n    return Path('/srv', p).resolve().read_bytes()\n",
            line=6,
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._data: dict[int, RequestData] = {}

    def visit_Call(self, node: ast.Call) -> None:
        path = self._path_of(node)
        if path is None:
            return
        data = request_data_here(self.context, self._data, segments=False)
        if data is None or not data.starts_component(path) or self._contained(data):
            return
        self.report(node)

    def _path_of(self, node: ast.Call) -> ast.expr | None:
        func = node.func
        qualified = self.context.qualified_name(func) if self.context.may_refer_to(func, _PATH_FUNCTIONS) else None
        if qualified in _PATH_CALLS:
            keyword = _PATH_CALLS[qualified]
            return node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == keyword), None)
        if isinstance(func, ast.Attribute) and func.attr in _PATH_METHODS:
            return func.value  # no str or bytes method has these names: the receiver is a path
        return None

    def _contained(self, data: RequestData) -> bool:
        for test in data.tests:
            if isinstance(test, ast.Call):
                name = test.func.attr if isinstance(test.func, ast.Attribute) else getattr(test.func, "id", "")
                if name in _CONTAINMENT:
                    return True
                if name == "startswith" and isinstance(test.func, ast.Attribute):
                    receiver = test.func.value
                    if data.carries(receiver) or any(
                        isinstance(n, ast.Attribute) and n.attr in _CANONICAL for n in walk(receiver)
                    ):
                        return True
            elif any(isinstance(op, ast.In | ast.NotIn) for op in test.ops) and any(
                data.carries(side) for side in (test.left, *test.comparators)
            ):
                return True  # an allow-list, or ``BASE in target.parents``
            elif any(isinstance(n, ast.Constant) and n.value == ".." for n in walk(test)):
                return True  # a hand-written ".." test
        return False
