"""FE042: a session or token cookie set without ``httponly=True``."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid
from fastapi_expert.review.secret_names import comparable_secret, name_words

__all__ = ["AuthCookieWithoutHttponly"]

#: Last words of a cookie name that holds a credential (``session``, ``access_token``, ``sid``; ``auth_method`` no).
_SESSION_WORDS = frozenset({"session", "sessionid", "sid", "jwt", "auth", "token", "authorization"})
#: Double-submit CSRF tokens must be readable by the page's JavaScript.
_SCRIPT_READABLE = frozenset({"csrf", "xsrf", "csrftoken", "xsrftoken"})


def _is_auth_cookie(name: str) -> bool:
    words = name_words(name)
    if _SCRIPT_READABLE.intersection(words):
        return False
    return bool(words) and (words[-1] in _SESSION_WORDS or words[-2:] == ("session", "id") or comparable_secret(name))


class AuthCookieWithoutHttponly(Rule):
    """## What it does
    Flags `response.set_cookie(...)` for a cookie whose name says it holds a session or a token (`session`,
    `access_token`, `jwt`, `auth`, `sid`...) and whose value is computed (not a literal), when `httponly=True` is not
    passed. CSRF cookies (`csrftoken`, `XSRF-TOKEN`), which the page's JavaScript must read, are not reported.

    ## Why is this bad?
    Starlette's `set_cookie` defaults to `httponly=False`: any script running on the page — one XSS in a comment
    field, a compromised third-party widget — reads `document.cookie` and sends the session to an attacker, who is
    then logged in as the user. An `HttpOnly` cookie is still sent with every request but is invisible to scripts.
    (Add `secure=True` in production too, so the cookie never travels over plain HTTP.)

    ## Example
    ```python
    from fastapi import FastAPI, Response

    app = FastAPI()


    def new_session_id() -> str:
        return "..."


    @app.post("/login")
    def login(response: Response) -> dict[str, bool]:
        response.set_cookie("session", new_session_id())
        return {"ok": True}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, Response

    app = FastAPI()


    def new_session_id() -> str:
        return "..."


    @app.post("/login")
    def login(response: Response) -> dict[str, bool]:
        response.set_cookie("session", new_session_id(), httponly=True, secure=True, samesite="lax")
        return {"ok": True}
    ```

    ## Known problems
    Options passed through `**kwargs` are not followed, so such calls are not reported.

    ## References
    - [FastAPI: Response Cookies](https://fastapi.tiangolo.com/advanced/response-cookies/)
    - [Starlette: Set Cookie](https://www.starlette.io/responses/#set-cookie)
    - [OWASP: Session Management — Cookies](https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#cookies)
    """

    CODE = "FE042"
    MESSAGE = "the auth cookie is readable by JavaScript (no `httponly=True`): one XSS steals the session"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("set_cookie",)

    VALID: ClassVar = [
        Valid(
            "from fastapi import FastAPI, Response\napp = FastAPI()\n@app.post('/login')\n"
            "def login(response: Response, token: str):\n"
            "    response.set_cookie(key='access_token', value=token, httponly=True, secure=True)\n"
        ),
        # a literal value, a preference cookie, a CSRF cookie the page must read
        Valid(
            "from fastapi import FastAPI, Response\napp = FastAPI()\n@app.post('/cookie')\n"
            "def c(response: Response, theme: str, csrf: str):\n"
            "    response.set_cookie(key='fakesession', value='fake-cookie-session-value')\n"
            "    response.set_cookie('theme', theme)\n    response.set_cookie('XSRF-TOKEN', csrf)\n"
        ),
        # no value: deleting the cookie
        Valid("def logout(response):\n    response.set_cookie('session')\n    response.set_cookie('')\n"),
        # options from elsewhere
        Valid(
            "from fastapi import Response\nOPTS = {'httponly': True}\n"
            "def set_session(response: Response, sid: str):\n    response.set_cookie('sid', sid, **OPTS)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI, Response\napp = FastAPI()\n@app.post('/login')\n"
            "def login(response: Response, token: str):\n    response.set_cookie(key='access_token', value=token)\n",
            line=5,
            column=5,
        ),
        # httponly=False explicitly, on a JSONResponse built in an APIRouter route
        Invalid(
            "from fastapi import APIRouter\nfrom fastapi.responses import JSONResponse\nrouter = APIRouter()\n"
            "def make_jwt(): ...\n@router.post('/auth')\ndef auth():\n    r = JSONResponse({'ok': True})\n"
            "    r.set_cookie('jwt', make_jwt(), secure=True, httponly=False)\n    return r\n",
            line=8,
        ),
        # a helper outside any route
        Invalid(
            "def remember(response, session_id):\n"
            "    response.set_cookie('sessionid', f'{session_id}', max_age=3600)\n",
            line=2,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Attribute) or node.func.attr != "set_cookie":
            return
        keywords = {k.arg: k.value for k in node.keywords}
        if None in keywords:
            return
        key = keywords.get("key", node.args[0] if node.args else None)
        value = keywords.get("value", node.args[1] if len(node.args) > 1 else None)
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and _is_auth_cookie(key.value)):
            return
        if value is None or isinstance(value, ast.Constant):
            return  # no value, or a literal one: not a credential of this session
        httponly = keywords.get("httponly", node.args[7] if len(node.args) > 7 else None)
        if httponly is None or (isinstance(httponly, ast.Constant) and not httponly.value):
            self.report(node)
