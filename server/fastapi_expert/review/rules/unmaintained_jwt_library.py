"""FE009: imports of ``python-jose`` (``jose``) or ``passlib``, both unmaintained."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["UnmaintainedJwtLibrary"]

_REPLACEMENTS = {
    "jose": "`python-jose` is unmaintained and has had unpatched vulnerabilities; use PyJWT (`import jwt`)",
    "passlib": "`passlib` is unmaintained and breaks with current `bcrypt`; use `pwdlib` (Argon2)",
}


class UnmaintainedJwtLibrary(Rule):
    """## What it does
    Flags imports from `jose` (the `python-jose` package) and from `passlib`.

    ## Why is this bad?
    Both libraries were the ones FastAPI's security tutorial used, and both are abandoned. `python-jose` has gone
    years without releases while CVEs were filed against it (algorithm confusion, JWE "bombs"); `passlib` has had no
    release since 2020, fails on Python 3.13 (`crypt` was removed) and breaks with `bcrypt` 4.1+. FastAPI's
    documentation moved to PyJWT for tokens and `pwdlib` (Argon2) for password hashes.

    ## Example
    ```python
    from jose import jwt
    from passlib.context import CryptContext

    pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")


    def token(user: str) -> str:
        return jwt.encode({"sub": user}, "key", algorithm="HS256")
    ```

    ## Use instead
    ```python
    import jwt
    from pwdlib import PasswordHash

    password_hash = PasswordHash.recommended()


    def token(user: str, key: str) -> str:
        return jwt.encode({"sub": user}, key, algorithm="HS256")
    ```

    ## Known problems
    `pwdlib` verifies bcrypt hashes (with its `BcryptHasher`) but not every scheme `passlib` knows; plan a rehash on
    login for the others.

    ## References
    - [FastAPI: OAuth2 with Password (and hashing), Bearer with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/)
    - [PyJWT](https://pyjwt.readthedocs.io/) and [pwdlib](https://frankie567.github.io/pwdlib/)
    """

    CODE = "FE009"
    MESSAGE = "this library is unmaintained"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("jose", "passlib")

    VALID: ClassVar = [
        Valid("import jwt\nfrom pwdlib import PasswordHash\n"),
        # joserfc and authlib are maintained; "jose" must be the whole top-level name
        Valid("from joserfc import jwt\nfrom authlib.jose import JsonWebToken\nimport josepy\n"),
        # a relative import of a local module that happens to be called jose
        Valid("from .jose import decode\nfrom . import passlib\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from jose import JWTError, jwt\n",
            line=1,
            column=1,
            message=_REPLACEMENTS["jose"],
        ),
        Invalid("import passlib.hash\n", message=_REPLACEMENTS["passlib"]),
        Invalid("from passlib.context import CryptContext as Ctx\n", message=_REPLACEMENTS["passlib"]),
        # inside a function, aliased
        Invalid("def decode(t):\n    import jose.jwt as j\n    return j.get_unverified_claims(t)\n", line=2),
    ]

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self._check(node, node.module)

    def _check(self, node: ast.stmt, module: str) -> None:
        top = module.split(".", 1)[0]
        if top in _REPLACEMENTS:
            self.report(node, _REPLACEMENTS[top])
