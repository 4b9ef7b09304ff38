"""FE039: ``TrustedHostMiddleware`` that trusts every host."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["TrustedHostWildcard"]

_TRUSTED_HOST = frozenset(
    {"fastapi.middleware.trustedhost.TrustedHostMiddleware", "starlette.middleware.trustedhost.TrustedHostMiddleware"}
)
_MIDDLEWARE = frozenset({"fastapi.middleware.Middleware", "starlette.middleware.Middleware"})
_TRUSTED_HOST_OR_MIDDLEWARE = _TRUSTED_HOST | _MIDDLEWARE


class TrustedHostWildcard(Rule):
    """## What it does
    Flags `TrustedHostMiddleware` whose `allowed_hosts` contains `"*"`, or that is given no `allowed_hosts` at all
    (the default is `["*"]`).

    ## Why is this bad?
    The middleware exists to reject requests whose `Host` header is not one of yours. With `"*"` it accepts every
    host and does nothing, while the code reads as if Host-header attacks (poisoned password-reset links, cache
    poisoning through `request.url_for`, DNS rebinding) were handled.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.trustedhost import TrustedHostMiddleware

    app = FastAPI()
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["*"])
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.trustedhost import TrustedHostMiddleware

    app = FastAPI()
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "*.example.com"])
    ```

    ## Known problems
    Hosts read from configuration (`allowed_hosts=settings.hosts`) are not followed; only literals and module-level
    constants are judged.

    ## References
    - [FastAPI: TrustedHostMiddleware](https://fastapi.tiangolo.com/advanced/middleware/#trustedhostmiddleware)
    """

    CODE = "FE039"
    MESSAGE = '`TrustedHostMiddleware` trusts every host (`"*"`), so it rejects nothing'
    SEVERITY = Severity.WARNING
    TRIGGERS = ("TrustedHostMiddleware",)

    VALID: ClassVar = [
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.trustedhost import TrustedHostMiddleware\n"
            "app = FastAPI()\n"
            "app.add_middleware(TrustedHostMiddleware, allowed_hosts=['example.com', '*.example.com'])\n"
        ),
        # hosts from configuration: not judged
        Valid(
            "from fastapi import FastAPI\nfrom starlette.middleware.trustedhost import TrustedHostMiddleware\n"
            "from app.config import settings\napp = FastAPI()\n"
            "app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)\n"
        ),
        # a subdomain wildcard is fine
        Valid(
            "import fastapi\nfrom starlette.middleware import Middleware\n"
            "from starlette.middleware.trustedhost import TrustedHostMiddleware as THM\n"
            "app = fastapi.FastAPI(middleware=[Middleware(THM, allowed_hosts=['*.example.com'])])\n"
        ),
        # options from elsewhere
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.trustedhost import TrustedHostMiddleware\n"
            "from app.config import OPTIONS\napp = FastAPI()\napp.add_middleware(TrustedHostMiddleware, **OPTIONS)\n"
        ),
        # our own class of the same name
        Valid(
            "from fastapi import FastAPI\nclass TrustedHostMiddleware: ...\napp = FastAPI()\n"
            "app.add_middleware(TrustedHostMiddleware)\n"
        ),
        # the middleware keyword is another one's
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.gzip import GZipMiddleware\napp = FastAPI()\n"
            "app.add_middleware(GZipMiddleware, minimum_size=1000)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.trustedhost import TrustedHostMiddleware\n"
            "app = FastAPI()\napp.add_middleware(TrustedHostMiddleware, allowed_hosts=['*'])\n",
            line=4,
            column=57,
        ),
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.middleware.trustedhost import TrustedHostMiddleware\n"
            "HOSTS = ('example.com', '*')\napp = FastAPI()\n"
            "app.add_middleware(TrustedHostMiddleware, allowed_hosts=HOSTS)\n",
            line=5,
        ),
        # no allowed_hosts: the default is ["*"]
        Invalid(
            "import fastapi\nfrom starlette.middleware import Middleware\n"
            "from starlette.middleware.trustedhost import TrustedHostMiddleware as THM\n"
            "app = fastapi.FastAPI(middleware=[Middleware(THM)])\n",
            line=4,
            message="`TrustedHostMiddleware` without `allowed_hosts` trusts every host, so it rejects nothing",
        ),
        # wrapping the app, inside a factory
        Invalid(
            "from fastapi import FastAPI\nfrom starlette.middleware.trustedhost import TrustedHostMiddleware\n"
            "def create():\n    return TrustedHostMiddleware(FastAPI(), allowed_hosts=['*'])\n",
            line=4,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not self.context.may_refer_to(func, _TRUSTED_HOST_OR_MIDDLEWARE) and not (
            isinstance(func, ast.Attribute) and func.attr == "add_middleware"
        ):
            return
        direct = self.context.refers_to(func, _TRUSTED_HOST)  # TrustedHostMiddleware(app, allowed_hosts, ...)
        added = bool(node.args) and self.context.refers_to(node.args[0], _TRUSTED_HOST)  # add_middleware(THM, ...)
        if not direct and not added:
            return
        positional = node.args[1:]
        hosts = next(
            (k.value for k in node.keywords if k.arg == "allowed_hosts"), positional[0] if positional else None
        )
        if hosts is None and not any(k.arg is None for k in node.keywords):  # **options may hold the hosts
            self.report(
                node, "`TrustedHostMiddleware` without `allowed_hosts` trusts every host, so it rejects nothing"
            )
        if hosts is None:
            return
        value = self.context.constant(hosts)
        if isinstance(value, ast.List | ast.Tuple | ast.Set) and any(
            isinstance(e, ast.Constant) and e.value == "*" for e in value.elts
        ):
            self.report(hosts)
