"""FE036: request data deciding where a ``RedirectResponse`` sends the browser."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid
from fastapi_expert.review.taint import RequestData, request_data_here

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["OpenRedirect"]

_REDIRECTS = frozenset({"fastapi.responses.RedirectResponse", "starlette.responses.RedirectResponse"})


class OpenRedirect(Rule):
    """## What it does
    Flags a `RedirectResponse` whose URL starts with request data — a route parameter (`?next=`), a body field,
    `request.query_params[...]` — or a route declared with `response_class=RedirectResponse` that returns such a
    value, when the route function does not test it (an allow-list, `url.startswith("/")` and the like,
    `urlparse(url).netloc`, an `is_safe_url()` call).

    ## Why is this bad?
    `https://your.app/login?next=https://evil.example` sends users who trust your domain to a look-alike that asks
    for their password again, or receives their OAuth code. Even a leading `/` is not enough on its own:
    `//evil.example` and `/\\evil.example` are other hosts to a browser.

    A redirect to a fixed path with the client's data further on (`f"/items/{item_id}"`) is not reported.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.responses import RedirectResponse

    app = FastAPI()


    @app.get("/login/done")
    async def login_done(next: str = "/") -> RedirectResponse:
        return RedirectResponse(next)
    ```

    ## Use instead
    ```python
    from urllib.parse import urlparse

    from fastapi import FastAPI
    from fastapi.responses import RedirectResponse

    app = FastAPI()


    @app.get("/login/done")
    async def login_done(next: str = "/") -> RedirectResponse:
        target = urlparse(next)
        if target.scheme or target.netloc or not next.startswith("/") or next.startswith("//"):
            next = "/"
        return RedirectResponse(next)
    ```

    ## Known problems
    Any test of request data in the route counts as the check. Redirect URLs built in helper functions are not
    followed.

    ## References
    - [FastAPI: Custom Response - RedirectResponse](https://fastapi.tiangolo.com/advanced/custom-response/#redirectresponse)
    - [OWASP: Unvalidated Redirects and Forwards](https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html)
    """

    CODE = "FE036"
    MESSAGE = "request data decides where the redirect goes: anyone can send your users to another site"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("RedirectResponse",)

    VALID: ClassVar = [
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "@app.post('/items')\ndef create(name: str):\n"
            "    return RedirectResponse(f'/items/{name}', status_code=303)\n"
        ),
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "@app.get('/typer')\nasync def typer():\n    return RedirectResponse('https://typer.tiangolo.com')\n"
        ),
        # an allow-list
        Valid(
            "from fastapi import FastAPI\nfrom starlette.responses import RedirectResponse\napp = FastAPI()\n"
            "SAFE = {'/home', '/settings'}\n"
            "@app.get('/go')\ndef go(to: str):\n    return RedirectResponse(to if to in SAFE else '/home')\n"
        ),
        # response_class=RedirectResponse returning a constant; a redirect to request.url (not client text)
        Valid(
            "from fastapi import FastAPI, Request\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "@app.get('/docs-redirect', response_class=RedirectResponse)\ndef d(q: str):\n"
            "    return 'https://fastapi.tiangolo.com'\n"
            "@app.get('/https')\ndef h(request: Request):\n"
            "    return RedirectResponse(request.url.replace(scheme='https'))\n"
        ),
        # a URL shortener: the target is stored data found with the client's code, not the client's text
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "async def get_link(code: str): ...\n"
            "@app.get('/{code}')\nasync def follow(code: str):\n    link = await get_link(code)\n"
            "    return RedirectResponse(link.target_url)\n"
        ),
        # no URL here (it comes from **options)
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "@app.get('/o')\ndef o(options: dict):\n    return RedirectResponse(**options)\n"
        ),
        # outside a route
        Valid("from fastapi.responses import RedirectResponse\ndef to(url: str):\n    return RedirectResponse(url)\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "@app.get('/login/done')\nasync def done(next: str = '/'):\n    return RedirectResponse(next)\n",
            line=6,
            column=12,
        ),
        # from request.query_params, aliased import, APIRouter
        Invalid(
            "from fastapi import APIRouter, Request\nfrom starlette.responses import RedirectResponse as Go\n"
            "router = APIRouter()\n@router.get('/out')\ndef out(request: Request):\n"
            "    return Go(url=request.query_params.get('to', '/'))\n",
            line=6,
        ),
        # response_class=RedirectResponse and a string return
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "def build():\n    @app.get('/r', response_class=RedirectResponse)\n    def r(target: str):\n"
            "        return target\n",
            line=7,
        ),
        # a test against None is no check
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "@app.get('/redirect/')\nasync def redirect(url: str):\n    if url != None:\n"
            "        return RedirectResponse(url, status_code=303)\n    return False\n",
            line=7,
        ),
        # a lone '/' prefix: '//evil.example' is another host
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\napp = FastAPI()\n"
            "@app.get('/back/{page}')\ndef back(page: str):\n    return RedirectResponse('/' + page)\n",
            line=6,
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._data: dict[int, RequestData] = {}

    def visit_Call(self, node: ast.Call) -> None:
        if not self.context.may_refer_to(node.func, _REDIRECTS) or not self.context.refers_to(node.func, _REDIRECTS):
            return
        url = next((k.value for k in node.keywords if k.arg == "url"), node.args[0] if node.args else None)
        if url is not None:
            self._judge(node, url)

    def visit_Return(self, node: ast.Return) -> None:
        function = self.context.enclosing_function()
        route = self.context.route_of(function)
        if route is None or node.value is None:
            return
        response_class = next((k.value for k in route.decorator.keywords if k.arg == "response_class"), None)
        if response_class is not None and self.context.refers_to(response_class, _REDIRECTS):
            self._judge(node.value, node.value)

    def _judge(self, node: ast.expr, url: ast.expr) -> None:
        data = request_data_here(self.context, self._data)
        if data is not None and data.controls_target(url) and not data.checked():
            self.report(node)
