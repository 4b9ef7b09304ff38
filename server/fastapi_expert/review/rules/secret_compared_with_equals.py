"""FE041: a token, API key, password or signature checked with ``==`` instead of ``secrets.compare_digest``."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from fastapi_expert.models import Severity
from fastapi_expert.review.rule import Edit, Invalid, Rule, Valid
from fastapi_expert.review.secret_names import comparable_secret

__all__ = ["SecretComparedWithEquals"]

#: Functions, besides routes and dependencies, whose name says they check credentials.
_CHECKERS = re.compile(r"auth|verify|check|login|valid|credential|signature|permission", re.IGNORECASE)
#: Methods that keep what their receiver is (``api_key.strip()`` is still the key).
_KEEPING = frozenset({"encode", "decode", "strip", "lower", "upper", "hexdigest", "digest", "get_secret_value"})


class SecretComparedWithEquals(Rule):
    """## What it does
    Flags `==`/`!=` between a secret-named value — a token, API key, password (or its hash), secret, signature or
    digest, read from a name, attribute, dict key or header — and another string, in a route, a dependency, or a
    function named like a credential check (`verify_*`, `authenticate_*`, `check_*`...).

    ## Why is this bad?
    `==` on strings stops at the first differing character, so the time it takes tells an attacker how much of a
    guess was right; measured over many requests, that recovers an API key or HMAC signature one character at a
    time. `secrets.compare_digest` takes the same time whatever the inputs. FastAPI's HTTP Basic tutorial uses it for
    exactly this reason.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI, Header, HTTPException

    app = FastAPI()
    API_KEY = "read-from-settings"


    def require_api_key(x_api_key: Annotated[str, Header()]) -> None:
        if x_api_key != API_KEY:
            raise HTTPException(status_code=401)


    @app.get("/items/", dependencies=[Depends(require_api_key)])
    async def read_items() -> list[str]:
        return []
    ```

    ## Use instead
    ```python
    import secrets
    from typing import Annotated

    from fastapi import Depends, FastAPI, Header, HTTPException

    app = FastAPI()
    API_KEY = "read-from-settings"


    def require_api_key(x_api_key: Annotated[str, Header()]) -> None:
        if not secrets.compare_digest(x_api_key.encode(), API_KEY.encode()):
            raise HTTPException(status_code=401)


    @app.get("/items/", dependencies=[Depends(require_api_key)])
    async def read_items() -> list[str]:
        return []
    ```

    ## Known problems
    The timing difference is small and noisy over a network; the finding is informational. Assertions and test
    modules are skipped. Comparisons with a
    password hash computed by a real password hasher leak little, but the hasher's own `verify()` is the right
    call anyway.

    ## Fix safety
    Unsafe: `compare_digest` raises `TypeError` for `None`, for a `str` with non-ASCII characters and for a `str`
    compared with `bytes`; encode both sides when they may hold such values.

    ## References
    - [FastAPI: HTTP Basic Auth — timing attacks](https://fastapi.tiangolo.com/advanced/security/http-basic-auth/#timing-attacks)
    - [Python: secrets.compare_digest](https://docs.python.org/3/library/secrets.html#secrets.compare_digest)
    """

    CODE = "FE041"
    MESSAGE = "a secret compared with `==`: the time the comparison takes reveals how much of a guess was right"
    SEVERITY = Severity.INFO
    FIX_TITLE = "Compare with `secrets.compare_digest`"
    FIX_SAFETY = "unsafe"
    TRIGGERS = ("==", "!=")

    VALID: ClassVar = [
        Valid(
            "import secrets\nfrom fastapi import Depends, Header\ndef check(x_token: str = Header()):\n"
            "    if not secrets.compare_digest(x_token, 'abc'):\n        raise ValueError\n"
        ),
        # not secrets: a token type, a username, an empty check, None
        Valid(
            "def verify(payload: dict, username: str, token: str | None):\n"
            "    if payload['token_type'] != 'access' or payload['sub'] == username:\n        return False\n"
            "    return token == '' or token == None\n"
        ),
        # outside a route, dependency or check function
        Valid("def same(a_token: str, b_token: str) -> bool:\n    return a_token == b_token\n"),
        # an assertion is a test's expectation
        Valid("def check_login(resp, token):\n    assert resp.json()['access_token'] == token\n"),
        # membership and ordering are other comparisons
        Valid(
            "def check_token(x_token: str, tokens: set[str]) -> bool:\n"
            "    return x_token in tokens or x_token < 'a' or len(tokens) == 0\n"
        ),
        # a count, not the secret
        Valid("def check_password(password: str) -> bool:\n    return len(password) == 12\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import Depends, FastAPI, Header, HTTPException\napp = FastAPI()\nAPI_KEY = 'k'\n"
            "def key(x_api_key: str = Header()):\n    if x_api_key != API_KEY:\n        raise HTTPException(401)\n"
            "@app.get('/', dependencies=[Depends(key)])\ndef r(): ...\n",
            line=5,
            column=8,
            expected_fix=(
                "from secrets import compare_digest\n\nfrom fastapi import Depends, FastAPI, Header, HTTPException\n"
                "app = FastAPI()\nAPI_KEY = 'k'\n"
                "def key(x_api_key: str = Header()):\n    if not compare_digest(x_api_key, API_KEY):\n"
                "        raise HTTPException(401)\n"
                "@app.get('/', dependencies=[Depends(key)])\ndef r(): ...\n"
            ),
        ),
        # a webhook signature in an APIRouter route; `import secrets` already there
        Invalid(
            "import hmac, secrets\nfrom fastapi import APIRouter, Request\nrouter = APIRouter()\n"
            "@router.post('/hook')\nasync def hook(request: Request):\n"
            "    expected = hmac.new(b'k', await request.body(), 'sha256').hexdigest()\n"
            "    return request.headers.get('x-signature') == expected\n",
            expected_fix=(
                "import hmac, secrets\nfrom fastapi import APIRouter, Request\nrouter = APIRouter()\n"
                "@router.post('/hook')\nasync def hook(request: Request):\n"
                "    expected = hmac.new(b'k', await request.body(), 'sha256').hexdigest()\n"
                "    return secrets.compare_digest(request.headers.get('x-signature'), expected)\n"
            ),
        ),
        # compare_digest is already something else here: reported without a fix
        Invalid(
            "def compare_digest(a, b): ...\ndef verify(api_key: str, expected: str):\n    return api_key == expected\n",
            line=3,
        ),
        # a password hash in a check function, through .encode()
        Invalid(
            "def authenticate(user, hashed):\n    return user.hashed_password.encode() == hashed\n",
            line=2,
        ),
    ]

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq | ast.NotEq):
            return
        left, right = node.left, node.comparators[0]
        if not (self._is_secret(left) or self._is_secret(right)):
            return
        if not (self._is_text(left) and self._is_text(right)) or not self._in_a_check():
            return
        self.report(node, edits=self._fix(node, left, right))

    def _is_secret(self, node: ast.expr) -> bool:
        while (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _KEEPING
            and not node.args
        ):
            node = node.func.value
        name: str | None = None
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            name = node.slice.value if isinstance(node.slice.value, str) else None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            first = node.args[0] if node.args else None
            name = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        return name is not None and comparable_secret(name)

    def _is_text(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str | bytes) and len(node.value) > 0
        return isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call) and not (
            isinstance(node, ast.Call) and self.context.refers_to(node.func, {"builtins.len", "builtins.int"})
        )

    def _in_a_check(self) -> bool:
        function = self.context.enclosing_function()
        if function is None or self.context.source.is_test:
            return False
        if any(isinstance(node, ast.Assert) for node in self.context.stack):
            return False  # a test's expectation, not a credential check
        return (
            self.context.route_of(function) is not None
            or self.context.is_dependency(function)
            or bool(_CHECKERS.search(function.name))
        )

    def _fix(self, node: ast.Compare, left: ast.expr, right: ast.expr) -> list[Edit]:
        imported = self.context.import_name("secrets", "compare_digest")
        if imported is None:
            return []
        spelled, edits = imported
        source = self.context.source
        call = f"{spelled}({source.segment(left)}, {source.segment(right)})"
        text = f"not {call}" if isinstance(node.ops[0], ast.NotEq) else call
        return [*edits, source.replace(node, text)]
