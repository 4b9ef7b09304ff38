"""FE008: ``jwt.decode`` that does not pin the signing algorithms, allows ``none``, or skips the signature."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["JwtDecodeWithoutAlgorithms"]

_DECODE = frozenset({"jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode", "jwt.PyJWT.decode"})

_MISSING = "`jwt.decode` without `algorithms=`: the token's own header picks how it is verified"
_NONE = "`jwt.decode` accepts the `none` algorithm: unsigned tokens pass"
_UNVERIFIED = "`jwt.decode` with signature verification turned off: any forged token passes"


class JwtDecodeWithoutAlgorithms(Rule):
    """## What it does
    Flags `jwt.decode(...)` calls of PyJWT and python-jose that do not pass `algorithms=`, that list `"none"` among
    them, or that turn signature verification off (`options={"verify_signature": False}`, PyJWT 1's `verify=False`).

    ## Why is this bad?
    A JWT says in its own header which algorithm signed it. Unless the server pins the algorithms it accepts, an
    attacker chooses: `alg: none` (no signature at all) or, with an RSA public key, `HS256` keyed with that public key
    (algorithm confusion). PyJWT 2 refuses to decode without `algorithms=` (every call fails at runtime), python-jose
    silently accepts whatever the header says. Turning verification off accepts any forged token.

    ## Example
    ```python
    import jwt

    SECRET = "read-from-settings"


    def user_of(token: str) -> str:
        return jwt.decode(token, SECRET)["sub"]
    ```

    ## Use instead
    ```python
    import jwt

    SECRET = "read-from-settings"


    def user_of(token: str) -> str:
        return jwt.decode(token, SECRET, algorithms=["HS256"])["sub"]
    ```

    ## Known problems
    `algorithms=` given through `**kwargs` is not followed, so such calls are not reported. Reading the claims of a
    token *before* verifying it (to pick a key by `iss`) should use `jwt.decode_complete`/`get_unverified_header`
    and is still reported when written with `verify_signature: False`.

    ## References
    - [FastAPI: OAuth2 with Password (and hashing), Bearer with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/)
    - [PyJWT: usage](https://pyjwt.readthedocs.io/en/stable/usage.html)
    """

    CODE = "FE008"
    MESSAGE = _MISSING
    SEVERITY = Severity.ERROR
    TRIGGERS = ("decode",)

    VALID: ClassVar = [
        Valid("import jwt\ndef f(t, k):\n    return jwt.decode(t, k, algorithms=['HS256'])\n"),
        # algorithms passed positionally, from a constant
        Valid("from jose import jwt\nALGS = ['RS256']\ndef f(t, k):\n    return jwt.decode(t, k, ALGS)\n"),
        # verification options that keep the signature check
        Valid(
            "import jwt\ndef f(t, k):\n"
            "    return jwt.decode(t, k, algorithms=['HS256'], options={'verify_aud': False})\n"
        ),
        # someone else's decode
        Valid("import base64\ndef f(t):\n    return base64.b64decode(t)\n"),
        Valid("def decode(t, k):\n    return t\nx = decode('a', 'b')\n"),
        # kwargs may carry the algorithms
        Valid("import jwt\ndef f(t, k, **kw):\n    return jwt.decode(t, k, **kw)\n"),
        # authlib's jwt.decode has no algorithms parameter (its key set pins them)
        Valid("from authlib.jose import jwt\ndef f(t, k):\n    return jwt.decode(t, k)\n"),
    ]
    INVALID: ClassVar = [
        Invalid("import jwt\ndef f(t, k):\n    return jwt.decode(t, k)\n", line=3, column=12),
        Invalid(
            "from jose import jwt as jose_jwt\ndef f(t, k):\n    return jose_jwt.decode(t, k, algorithms=None)\n",
            line=3,
        ),
        Invalid(
            "import jwt\ndef f(t, k):\n    return jwt.decode(t, k, algorithms=['HS256', 'none'])\n",
            message=_NONE,
        ),
        Invalid(
            "from jwt import decode\ndef f(t):\n"
            "    return decode(t, options={'verify_signature': False}, algorithms=['HS256'])\n",
            message=_UNVERIFIED,
        ),
        # inside a dependency, PyJWT 1's verify=False
        Invalid(
            "from fastapi import Depends, FastAPI\nimport jwt\napp = FastAPI()\n"
            "def user(token: str):\n    return jwt.decode(token, 'k', verify=False, algorithms=['HS256'])\n"
            "@app.get('/')\ndef r(u=Depends(user)): ...\n",
            line=5,
            message=_UNVERIFIED,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        if not self.context.may_refer_to(node.func, _DECODE) or not self.context.refers_to(node.func, _DECODE):
            return
        keywords = {k.arg: k.value for k in node.keywords}
        if self._verification_off(keywords):
            self.report(node, _UNVERIFIED)
            return
        algorithms = keywords.get("algorithms", node.args[2] if len(node.args) > 2 else None)
        if algorithms is None:
            if None not in keywords and not any(isinstance(a, ast.Starred) for a in node.args):
                self.report(node, _MISSING)
            return
        value = self.context.constant(algorithms)
        if isinstance(value, ast.Constant) and value.value is None:
            self.report(node, _MISSING)
        elif isinstance(value, ast.List | ast.Tuple | ast.Set) and any(
            isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value.lower() == "none" for e in value.elts
        ):
            self.report(node, _NONE)

    def _verification_off(self, keywords: dict[str | None, ast.expr]) -> bool:
        verify = keywords.get("verify")
        if isinstance(verify, ast.Constant) and verify.value is False:
            return True
        options = keywords.get("options")
        options = self.context.constant(options) if options is not None else None
        if not isinstance(options, ast.Dict):
            return False
        return any(
            isinstance(key, ast.Constant)
            and key.value == "verify_signature"
            and isinstance(value, ast.Constant)
            and value.value is False
            for key, value in zip(options.keys, options.values, strict=True)
        )
