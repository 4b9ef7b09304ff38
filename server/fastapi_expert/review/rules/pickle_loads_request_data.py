"""FE037: ``pickle.loads`` (and friends) of what the client sent: remote code execution."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid
from fastapi_expert.review.taint import RequestData, request_data_here

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["PickleLoadsRequestData"]

_UNPICKLERS = frozenset(
    f"{module}.{function}"
    for module in ("pickle", "_pickle", "cPickle", "dill", "cloudpickle")
    for function in ("loads", "load", "Unpickler")
) | {"joblib.load", "pandas.read_pickle", "numpy.load", "torch.load", "jsonpickle.decode"}
_NUMPY = frozenset({"numpy.load"})
_TORCH = frozenset({"torch.load"})


class PickleLoadsRequestData(Rule):
    """## What it does
    Flags `pickle.loads`/`pickle.load`/`pickle.Unpickler` (and `dill`, `cloudpickle`, `joblib.load`,
    `pandas.read_pickle`, `jsonpickle.decode`, `numpy.load(..., allow_pickle=True)`, `torch.load(...,
    weights_only=False)`) applied to request data in a route: the body (`await request.body()`), an upload
    (`await file.read()`, `file.file`), a parameter, a websocket message — also after `base64` decoding.

    ## Why is this bad?
    Unpickling runs code: a pickle can name any callable with any arguments (`os.system("...")`), and it runs while
    loading, before your code sees the object. Unpickling what a client sent hands the server to the client. (ruff's
    S301 flags every `pickle` use; this rule reports the ones fed by the request, which are always exploitable.)

    ## Example
    ```python
    import pickle

    from fastapi import FastAPI, Request

    app = FastAPI()


    @app.post("/jobs")
    async def submit(request: Request) -> dict[str, str]:
        job = pickle.loads(await request.body())
        return {"queued": str(job)}
    ```

    ## Use instead
    Accept a declared JSON body, which pydantic validates:
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Job(BaseModel):
        name: str
        arguments: list[str]


    @app.post("/jobs")
    async def submit(job: Job) -> dict[str, str]:
        return {"queued": job.name}
    ```

    ## Known problems
    Data passed to helper functions that unpickle it is not followed.

    ## References
    - [Python: pickle — the warning at the top](https://docs.python.org/3/library/pickle.html)
    - [FastAPI: Request Body](https://fastapi.tiangolo.com/tutorial/body/)
    """

    CODE = "FE037"
    MESSAGE = "request data is unpickled: a crafted pickle runs any code on the server"
    SEVERITY = Severity.ERROR
    OVERLAPS = ("S301",)
    TRIGGERS = ("pickle", "joblib", "numpy", "torch")

    VALID: ClassVar = [
        # a file of our own
        Valid(
            "import pickle\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/model')\ndef m(name: str):\n    with open('model.pkl', 'rb') as f:\n"
            "        return str(pickle.load(f))\n"
        ),
        Valid(
            "import json\nfrom fastapi import FastAPI, Request\napp = FastAPI()\n"
            "@app.post('/j')\nasync def j(request: Request):\n    return json.loads(await request.body())\n"
        ),
        # our own loads()
        Valid(
            "import pickle\nfrom fastapi import FastAPI, Request\napp = FastAPI()\ndef loads(data: bytes): ...\n"
            "@app.post('/l')\nasync def l(request: Request):\n    return loads(await request.body())\n"
        ),
        # numpy without allow_pickle, torch with weights_only
        Valid(
            "import io\nimport numpy as np\nimport torch\nfrom fastapi import FastAPI, UploadFile\napp = FastAPI()\n"
            "@app.post('/arr')\nasync def arr(file: UploadFile):\n    data = io.BytesIO(await file.read())\n"
            "    return np.load(data).shape, torch.load(data, weights_only=True)\n"
        ),
        # pickle of a dependency's value, outside a route
        Valid(
            "import pickle\nfrom typing import Annotated\nfrom fastapi import FastAPI, Depends\napp = FastAPI()\n"
            "def cached() -> bytes: ...\n@app.get('/c')\ndef c(blob: Annotated[bytes, Depends(cached)]):\n"
            "    return pickle.loads(blob)\ndef helper(b: bytes):\n    return pickle.loads(b)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "import pickle\nfrom fastapi import FastAPI, Request\napp = FastAPI()\n"
            "@app.post('/p')\nasync def p(request: Request):\n    return pickle.loads(await request.body())\n",
            line=6,
            column=12,
        ),
        # an upload, aliased, through base64
        Invalid(
            "import base64\nimport pickle as pk\nfrom fastapi import APIRouter, UploadFile\nrouter = APIRouter()\n"
            "@router.post('/state')\nasync def state(file: UploadFile):\n"
            "    raw = base64.b64decode(await file.read())\n    return pk.loads(raw)\n",
            line=8,
        ),
        Invalid(
            "from pickle import load\nfrom fastapi import FastAPI, UploadFile, File\napp = FastAPI()\n"
            "@app.post('/u')\ndef u(upload: UploadFile = File()):\n    return load(upload.file)\n",
            line=6,
        ),
        # a websocket message, numpy with allow_pickle=True
        Invalid(
            "import io\nimport numpy\nfrom fastapi import FastAPI, WebSocket\napp = FastAPI()\n"
            "@app.websocket('/ws')\nasync def ws(websocket: WebSocket):\n    await websocket.accept()\n"
            "    msg = await websocket.receive_bytes()\n    numpy.load(io.BytesIO(msg), allow_pickle=True)\n",
            line=9,
        ),
        # a base64 string in a query parameter
        Invalid(
            "import base64, pickle\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "def build():\n    @app.get('/restore')\n    def restore(state: str):\n"
            "        return pickle.loads(base64.urlsafe_b64decode(state))\n",
            line=7,
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._data: dict[int, RequestData] = {}

    def visit_Call(self, node: ast.Call) -> None:
        if not node.args or not self.context.may_refer_to(node.func, _UNPICKLERS):
            return
        qualified = self.context.qualified_name(node.func)
        if qualified not in _UNPICKLERS:
            return
        keywords = {k.arg: k.value for k in node.keywords}
        if qualified in _NUMPY and not _is_constant(keywords.get("allow_pickle"), True):
            return
        if qualified in _TORCH and not _is_constant(keywords.get("weights_only"), False):
            return
        data = request_data_here(self.context, self._data)
        if data is not None and data.carries(node.args[0]):
            self.report(node)


def _is_constant(node: ast.expr | None, value: bool) -> bool:
    return isinstance(node, ast.Constant) and node.value is value
