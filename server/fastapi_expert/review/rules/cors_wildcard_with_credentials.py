"""FE006: ``CORSMiddleware`` that lets every origin make credentialed requests."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["CorsWildcardWithCredentials"]

_CORS = frozenset({"fastapi.middleware.cors.CORSMiddleware", "starlette.middleware.cors.CORSMiddleware"})
_MIDDLEWARE = frozenset({"fastapi.middleware.Middleware", "starlette.middleware.Middleware"})
_CORS_OR_MIDDLEWARE = _CORS | _MIDDLEWARE
#: Origins no allow-list means to admit: if a regex takes both, it takes any.
_FOREIGN_ORIGINS = ("https://attacker.example", "http://evil.test:8080")


class CorsWildcardWithCredentials(Rule):
    """## What it does
    Flags `CORSMiddleware` configured with `allow_origins=["*"]` (or an `allow_origin_regex` such as `".*"` that
    matches any origin) together with `allow_credentials=True`, whether added with `app.add_middleware(...)`,
    `Middleware(CORSMiddleware, ...)` or by wrapping the app.

    ## Why is this bad?
    Browsers refuse `Access-Control-Allow-Origin: *` on credentialed requests, so Starlette does the next thing: it
    echoes back whatever `Origin` the request came from. Every website a logged-in user visits can then call your API
    with the user's cookies and read the answers — the same-origin policy is switched off for your users' sessions.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    ```

    ## Use instead
    List the front-ends that may call the API with credentials:
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://app.example.com"],
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    ```
    (A public API that needs no cookies keeps `allow_origins=["*"]` and drops `allow_credentials`.)

    ## References
    - [FastAPI: CORS (Cross-Origin Resource Sharing)](https://fastapi.tiangolo.com/tutorial/cors/)
    - [MDN: CORS requests with credentials](https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#requests_with_credentials)
    """

    CODE = "FE006"
    MESSAGE = "CORS admits every origin with credentials: any website can send requests with your users' cookies"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("CORSMiddleware",)

    VALID: ClassVar = [
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['*'])\n"
        ),
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['https://a.example'], allow_credentials=True)\n"
        ),
        # a regex pinned to one domain
        Valid(
            "from fastapi import FastAPI\nfrom starlette.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origin_regex=r'https://.*\\.example\\.com',"
            " allow_credentials=True)\n"
        ),
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=False)\n"
        ),
        # origins and a regex from configuration, an invalid regex, other middleware
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n"
            "from fastapi.middleware.gzip import GZipMiddleware\nfrom app.config import settings\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=settings.origins, allow_credentials=True)\n"
            "app.add_middleware(CORSMiddleware, allow_origin_regex=settings.regex, allow_credentials=True)\n"
            "app.add_middleware(CORSMiddleware, allow_origin_regex='(', allow_credentials=True)\n"
            "app.add_middleware(GZipMiddleware, minimum_size=1000)\n"
        ),
        # a class of our own that happens to share the name
        Valid(
            "from fastapi import FastAPI\nclass CORSMiddleware: ...\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)\n",
            line=4,
            column=50,
        ),
        # the origins come from a module constant; Middleware(...) in the constructor
        Invalid(
            "import fastapi\nfrom starlette.middleware import Middleware\n"
            "from starlette.middleware.cors import CORSMiddleware as Cors\nORIGINS = ['https://a.example', '*']\n"
            "app = fastapi.FastAPI(middleware=[Middleware(Cors, allow_origins=ORIGINS, allow_credentials=True)])\n",
            line=5,
        ),
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origin_regex='.*', allow_credentials=True)\n"
        ),
        # wrapping the app directly, inside a factory
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n"
            "def create():\n    app = FastAPI()\n"
            "    return CORSMiddleware(app, allow_origin_regex='https?://.*', allow_credentials=True)\n",
            line=5,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not self.context.may_refer_to(func, _CORS_OR_MIDDLEWARE) and not (
            isinstance(func, ast.Attribute) and func.attr == "add_middleware"
        ):
            return
        direct = self.context.refers_to(func, _CORS)  # CORSMiddleware(app, ...)
        added = bool(node.args) and self.context.refers_to(node.args[0], _CORS)  # add_middleware / Middleware
        if not direct and not added:
            return
        values = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg is not None}
        if not self._is_true(values.get("allow_credentials")):
            return
        origins, regex = values.get("allow_origins"), values.get("allow_origin_regex")
        if origins is not None and self._has_wildcard(origins):
            self.report(origins)
        elif regex is not None and self._matches_anything(regex):
            self.report(regex)

    def _is_true(self, node: ast.expr | None) -> bool:
        value = self.context.constant(node) if node is not None else None
        return isinstance(value, ast.Constant) and value.value is True

    def _has_wildcard(self, node: ast.expr) -> bool:
        value = self.context.constant(node)
        elements = value.elts if isinstance(value, ast.List | ast.Tuple | ast.Set) else []
        return any(isinstance(e, ast.Constant) and e.value == "*" for e in elements)

    def _matches_anything(self, node: ast.expr) -> bool:
        value = self.context.constant(node)
        text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
        try:
            pattern = re.compile(text) if text is not None else None
        except re.error:
            return False  # Starlette would fail at start-up anyway
        return pattern is not None and all(pattern.fullmatch(origin) for origin in _FOREIGN_ORIGINS)
