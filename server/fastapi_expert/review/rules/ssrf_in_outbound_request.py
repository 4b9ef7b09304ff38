"""FE035: a route parameter deciding the host of an outbound HTTP request (server-side request forgery)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid
from fastapi_expert.review.taint import RequestData, request_data_here

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["SsrfInOutboundRequest"]

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
#: Module-level request functions: the URL is the first argument, or the second after the method.
_FUNCTIONS = frozenset(
    {f"{module}.{verb}" for module in ("requests", "httpx") for verb in _VERBS}
    | {"urllib.request.urlopen", "urllib.request.Request", "urllib3.request"}
)
_METHOD_FIRST = frozenset({"requests.request", "httpx.request", "httpx.stream", "aiohttp.request", "urllib3.request"})
_REQUESTERS = _FUNCTIONS | _METHOD_FIRST
_CLIENTS = frozenset(
    {"httpx.Client", "httpx.AsyncClient", "requests.Session", "requests.sessions.Session", "aiohttp.ClientSession"}
    | {"aiohttp.client.ClientSession", "urllib3.PoolManager"}
)
_CLIENT_METHODS = frozenset({*_VERBS, "request", "stream", "build_request", "urlopen", "ws_connect"})


class SsrfInOutboundRequest(Rule):
    """## What it does
    Flags an outbound HTTP request — `requests.get(...)`, `httpx.post(...)`, `urllib.request.urlopen(...)`, or a
    method of an `httpx.Client`/`AsyncClient`, `requests.Session` or `aiohttp.ClientSession` — whose URL *starts*
    with request data: the URL itself is a route parameter or body field, or the client's text comes before the end
    of the host (`f"https://{host}/api"`, `"http://internal:8000" + path`). Routes that test the URL or its host
    against something (an allow-list, `urlparse(url).hostname in ALLOWED`, `url.startswith(...)`, a `validate_url()`
    call) are trusted.

    ## Why is this bad?
    The server makes the request with its own network position and credentials: `http://169.254.169.254/` hands out
    the cloud instance's keys, `http://localhost:6379/` reaches Redis, `http://10.0.0.5/admin` the intranet. A
    fetch-this-URL feature without an allow-list is a proxy into your network.

    A URL whose host is fixed by the program (`f"https://api.example.com/users/{user_id}"`, a client with
    `base_url` and a relative path) is not reported.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/preview")
    async def preview(url: str) -> str:
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
        return response.text
    ```

    ## Use instead
    ```python
    from urllib.parse import urlparse

    import httpx
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}


    @app.get("/preview")
    async def preview(url: str) -> str:
        parsed = urlparse(url)
        if parsed.scheme != "https" or parsed.hostname not in ALLOWED_HOSTS:
            raise HTTPException(status_code=400, detail="URL not allowed")
        async with httpx.AsyncClient(follow_redirects=False) as client:
            response = await client.get(url)
        return response.text
    ```

    ## Known problems
    The taint is local to the route function, and any test of request data in it counts as the check. Clients are
    recognised by their construction or annotation in the function or module.

    ## References
    - [OWASP: Server-Side Request Forgery Prevention](https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html)
    - [HTTPX: Clients](https://www.python-httpx.org/advanced/clients/)
    """

    CODE = "FE035"
    MESSAGE = "request data decides where the server sends an HTTP request: it can reach internal services"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("httpx", "requests", "urllib", "aiohttp", "urllib3")

    VALID: ClassVar = [
        # the host is fixed, the client's data goes in the path
        Valid(
            "import httpx\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/users/{name}')\nasync def u(name: str):\n"
            "    return httpx.get(f'https://api.github.com/users/{name}').json()\n"
        ),
        # a module constant base URL, concatenated
        Valid(
            "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\nBASE = 'https://api.example.com/v1/'\n"
            "@app.get('/p')\ndef p(q: str):\n    return requests.get(BASE + q, params={'q': q}).json()\n"
        ),
        # checked against an allow-list
        Valid(
            "from urllib.parse import urlparse\nimport httpx\nfrom fastapi import FastAPI, HTTPException\n"
            "app = FastAPI()\nALLOWED = {'a.example'}\n@app.get('/f')\nasync def f(url: str):\n"
            "    if urlparse(url).hostname not in ALLOWED:\n        raise HTTPException(400)\n"
            "    async with httpx.AsyncClient() as c:\n        return (await c.get(url)).text\n"
        ),
        # a client with base_url and a relative path; a dependency's value
        Valid(
            "from typing import Annotated\nimport httpx\nfrom fastapi import APIRouter, Depends\n"
            "router = APIRouter()\nclient = httpx.AsyncClient(base_url='https://api.example.com')\n"
            "def target() -> str: ...\n"
            "@router.get('/items/{item_id}')\nasync def i(item_id: str, t: Annotated[str, Depends(target)]):\n"
            "    await client.get(t)\n    return (await client.get(f'/items/{item_id}')).json()\n"
        ),
        # not a route
        Valid("import requests\ndef fetch(url: str):\n    return requests.get(url)\n"),
        # an unknown object's get() is not an HTTP call
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\ncache = {}\n"
            "@app.get('/c')\ndef c(key: str):\n    return cache.get(key)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/fetch')\ndef fetch(url: str):\n    return requests.get(url=url, timeout=5).text\n",
            line=6,
            column=12,
        ),
        # the host of an f-string, httpx.AsyncClient from async with, APIRouter
        Invalid(
            "import httpx\nfrom fastapi import APIRouter\nrouter = APIRouter()\n"
            "@router.get('/tenants/{tenant}/status')\nasync def status(tenant: str):\n"
            "    async with httpx.AsyncClient() as client:\n"
            "        r = await client.get(f'https://{tenant}.internal.example/health')\n    return r.json()\n",
            line=7,
        ),
        # a pydantic HttpUrl field of the body, aliased import, through a variable
        Invalid(
            "import httpx as hx\nfrom fastapi import FastAPI\nfrom pydantic import BaseModel, HttpUrl\n"
            "app = FastAPI()\nclass Hook(BaseModel):\n    callback: HttpUrl\n    event: str\n"
            "@app.post('/hooks/test')\ndef test_hook(hook: Hook):\n    target = str(hook.callback)\n"
            "    hx.post(target, json={'event': hook.event})\n",
            line=11,
        ),
        # host:port prefix without a slash: '@evil.example' follows
        Invalid(
            "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "def build():\n    @app.get('/proxy/{rest:path}')\n    def proxy(rest: str):\n"
            "        return requests.request('GET', 'http://localhost:8000' + rest).content\n",
            line=7,
        ),
        # urlopen with a query parameter read from the Request
        Invalid(
            "from urllib.request import urlopen\nfrom fastapi import FastAPI, Request\napp = FastAPI()\n"
            "@app.get('/open')\ndef o(request: Request):\n    return urlopen(request.query_params['u']).read()\n",
            line=6,
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._data: dict[int, RequestData] = {}

    def visit_Call(self, node: ast.Call) -> None:
        url = self._url_of(node)
        if url is None:
            return
        data = request_data_here(self.context, self._data)
        if data is None or not data.controls_target(url) or data.checked():
            return
        self.report(node)

    def _url_of(self, node: ast.Call) -> ast.expr | None:
        func = node.func
        if not self.context.may_refer_to(func, _REQUESTERS) and not (
            isinstance(func, ast.Attribute) and func.attr in _CLIENT_METHODS
        ):
            return None
        qualified = self.context.qualified_name(func)
        if qualified in _REQUESTERS:
            position = 1 if qualified in _METHOD_FIRST else 0
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in _CLIENT_METHODS
            and self.context.type_of(func.value) in _CLIENTS
        ):
            position = 1 if func.attr in {"request", "stream", "build_request", "urlopen"} else 0
        else:
            return None
        keyword = next((k.value for k in node.keywords if k.arg == "url"), None)
        if keyword is not None:
            return keyword
        return node.args[position] if len(node.args) > position else None
