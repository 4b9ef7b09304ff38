"""FE040: ``jwt.encode`` of a payload built in the same function with no ``exp`` claim."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["JwtWithoutExpiry"]

_ENCODE = frozenset({"jwt.encode", "jwt.api_jwt.encode", "jose.jwt.encode"})
_PAYLOAD = frozenset({"payload", "claims"})


class JwtWithoutExpiry(Rule):
    """## What it does
    Flags `jwt.encode(payload, ...)` (PyJWT, python-jose) when the payload is built in the same function — a dict
    literal, `dict(...)`, and the item assignments and `update()` calls on it — and never gets an `exp` claim.

    ## Why is this bad?
    A JWT is valid until its `exp`. Without one, a token copied from a log, a browser extension or a laptop works
    forever, and a bearer token cannot be revoked without rotating the signing key for every user. Access tokens
    should live minutes; anything else (refresh, e-mail confirmation) days at most.

    ## Example
    ```python
    import jwt


    def create_access_token(username: str, key: str) -> str:
        payload = {"sub": username}
        return jwt.encode(payload, key, algorithm="HS256")
    ```

    ## Use instead
    ```python
    from datetime import UTC, datetime, timedelta

    import jwt


    def create_access_token(username: str, key: str) -> str:
        payload = {"sub": username, "exp": datetime.now(UTC) + timedelta(minutes=15)}
        return jwt.encode(payload, key, algorithm="HS256")
    ```

    ## Known problems
    Payloads received as parameters or built by other functions (`data.copy()`, `model_dump()`) are not judged; nor
    are payloads that unpack another mapping (`{**claims}`) or are updated with one.

    ## References
    - [FastAPI: OAuth2 with Password (and hashing), Bearer with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/)
    - [RFC 7519 §4.1.4: "exp" (Expiration Time) Claim](https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4)
    """

    CODE = "FE040"
    MESSAGE = "the JWT has no `exp` claim: a leaked token works forever"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("jwt",)

    VALID: ClassVar = [
        Valid(
            "import jwt\nfrom datetime import datetime, timedelta, UTC\ndef t(sub, key):\n"
            "    return jwt.encode({'sub': sub, 'exp': datetime.now(UTC) + timedelta(minutes=5)}, key, 'HS256')\n"
        ),
        # FastAPI's tutorial: a copy of the caller's data, updated with exp
        Valid(
            "import jwt\ndef t(data: dict, key):\n    to_encode = data.copy()\n"
            "    to_encode.update({'exp': 1})\n    return jwt.encode(to_encode, key, algorithm='HS256')\n"
        ),
        # exp set by item assignment, or by dict(...)
        Valid(
            "from jose import jwt\ndef t(sub, key, exp):\n    claims = {'sub': sub}\n    claims['exp'] = exp\n"
            "    return jwt.encode(claims, key)\n"
            "def u(sub, key, exp):\n    return jwt.encode(dict(sub=sub, exp=exp), key)\n"
        ),
        # a payload from elsewhere, spread from another mapping, or handed to a helper first
        Valid(
            "import jwt\ndef t(payload, key):\n    return jwt.encode(payload, key)\n"
            "def u(extra, key):\n    return jwt.encode({'sub': 'a', **extra}, key)\n"
            "def v(key):\n    claims = {'sub': 'a'}\n    add_expiry(claims)\n    return jwt.encode(claims, key)\n"
        ),
        # bound by a loop, a with or unpacking; changed with a non-literal update or **kwargs; a global payload
        Valid(
            "import jwt\nCLAIMS = {'sub': 'a'}\ndef t(key, extra, items):\n"
            "    for claims in items:\n        jwt.encode(claims, key)\n"
            "    a, b = {'sub': 'a'}, {}\n    jwt.encode(b, key)\n"
            "    c = {'sub': 'a'}\n    c.update(extra)\n    jwt.encode(c, key)\n"
            "    d = {'sub': 'a'}\n    d.update(**extra)\n    jwt.encode(d, key)\n"
            "    e = {'sub': 'a'}\n    e[extra] = 1\n    jwt.encode(e, key)\n"
            "    f: dict = {'sub': 'a'}\n    f.setdefault('exp', 1)\n    jwt.encode(payload=f, key=key)\n"
            "    return jwt.encode(CLAIMS, key), jwt.encode(self_claims(), key), jwt.encode(key=key)\n"
        ),
        # authlib's jwt.encode(header, payload, key) is not judged
        Valid(
            "from authlib.jose import jwt\ndef t(key):\n    return jwt.encode({'alg': 'HS256'}, {'sub': 'a'}, key)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "import jwt\ndef t(sub, key):\n    return jwt.encode({'sub': sub}, key, algorithm='HS256')\n",
            line=3,
            column=12,
        ),
        # through a variable with item assignments and update(), python-jose, aliased
        Invalid(
            "from jose import jwt as j\ndef t(user, key):\n    claims = {'sub': user.id}\n"
            "    claims['scopes'] = user.scopes\n    claims.update({'iat': 0})\n    return j.encode(claims, key)\n",
            line=6,
        ),
        # update() with keywords, dict(**...) is unknown but here it is literal
        Invalid(
            "import jwt\ndef t(sub, key):\n    claims = dict(sub=sub)\n    claims.update(iss='me')\n"
            "    claims.update({'aud': 'you'})\n    return jwt.encode(claims, key)\n",
            line=6,
        ),
        # in a route
        Invalid(
            "import jwt\nfrom fastapi import APIRouter\nrouter = APIRouter()\n"
            "@router.post('/token')\ndef token(username: str):\n"
            "    return {'access_token': jwt.encode(dict(sub=username), 'k', algorithm='HS256')}\n",
            line=6,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        if not self.context.may_refer_to(node.func, _ENCODE) or not self.context.refers_to(node.func, _ENCODE):
            return
        payload = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in _PAYLOAD), None)
        claims = self._claims(payload) if payload is not None else None
        if claims is not None and "exp" not in claims:
            self.report(node)

    def _claims(self, payload: ast.expr) -> set[str] | None:
        """The claim names the payload surely has, or ``None`` when they cannot all be known."""
        if not isinstance(payload, ast.Name):
            return self._keys(payload)
        function = self.context.enclosing_function()
        if function is None or payload.id not in self.context.index.function_locals(function):
            return None
        arguments = function.args
        if payload.id in {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}:
            return None
        nodes = self.context.index.own_nodes(function)
        assigned = {  # the names bound by a plain ``claims = {...}``
            id(target): statement.value
            for statement in nodes
            if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None
            for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
        }
        claims: set[str] = set()
        for node in nodes:
            found = self._binding_claims(node, payload.id, assigned)
            if found is None:
                return None
            claims |= found
        return claims

    def _binding_claims(self, node: ast.AST, name: str, assigned: dict[int, ast.expr]) -> set[str] | None:
        """Claims ``node`` gives ``name``: ``None`` when it binds or changes it in a way that cannot be read."""
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            value = assigned.get(id(node))  # else bound by a loop, a with, unpacking, +=: unknown
            return self._keys(value) if value is not None else None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and _is_name(node.value, name):
            return _string_keys([node.slice])  # claims["exp"] = ...
        if not isinstance(node, ast.Call):
            return set()
        func = node.func
        if isinstance(func, ast.Attribute) and _is_name(func.value, name) and func.attr == "update":
            found = [self._keys(argument) for argument in node.args]
            if any(keys is None for keys in found) or any(k.arg is None for k in node.keywords):
                return None
            return {key for keys in found for key in keys or ()} | {k.arg for k in node.keywords if k.arg}
        if isinstance(func, ast.Attribute) and _is_name(func.value, name) and func.attr == "setdefault":
            return _string_keys(node.args[:1])
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if any(_is_name(argument, name) for argument in arguments) and not self.context.refers_to(func, _ENCODE):
            return None  # handed to a function that may add the claim
        return set()

    def _keys(self, node: ast.expr) -> set[str] | None:
        """Keys of ``{"a": 1}`` or ``dict(a=1)``; ``None`` for anything else or with ``**`` unpacking."""
        if isinstance(node, ast.Dict):
            return _string_keys(node.keys)
        if isinstance(node, ast.Call) and not node.args and self.context.refers_to(node.func, {"builtins.dict"}):
            return None if any(k.arg is None for k in node.keywords) else {k.arg for k in node.keywords if k.arg}
        return None


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _string_keys(keys: Sequence[ast.expr | None]) -> set[str] | None:
    strings = {k.value for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return strings if len(strings) == len(keys) else None
