"""FE021: a password hashed with a fast digest (``hashlib.sha256(password)``) or with a fixed bcrypt salt."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import walk
from fastapi_expert.review.rule import Invalid, Rule, Valid
from fastapi_expert.review.secret_names import name_words

__all__ = ["WeakPasswordHash"]

_DIGESTS = frozenset(
    f"hashlib.{name}"
    for name in (
        "md5",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "sha3_224",
        "sha3_256",
        "sha3_384",
        "sha3_512",
        "blake2b",
        "blake2s",
    )
)
_NEW = frozenset({"hashlib.new"})
_BCRYPT = frozenset({"bcrypt.hashpw"})
_HASHERS = _DIGESTS | _NEW | _BCRYPT
_PASSWORD_WORDS = ("password", "passwd", "passphrase")
_CRACKED = "leaked hashes are cracked at billions of guesses per second"
#: A name with one of these words holds something derived from a password or about it, not the password.
_NOT_A_PASSWORD = frozenset({"hash", "hashed", "token", "reset", "salt", "policy", "length", "changed", "expires"})


def _is_password(name: str) -> bool:
    words = name_words(name)
    if not words or _NOT_A_PASSWORD.intersection(words):
        return False
    return any(word == "pwd" or word.endswith(_PASSWORD_WORDS) for word in words)


class WeakPasswordHash(Rule):
    """## What it does
    Flags a password-like value (a name containing `password`, `passwd`, `passphrase` or `pwd`) given to a fast
    digest — `hashlib.md5/sha1/sha256/sha512/sha3_*/blake2*`, `hashlib.new("sha256", ...)`, or a digest object's
    `.update(...)` — and `bcrypt.hashpw` with a fixed salt instead of `bcrypt.gensalt()`.

    ## Why is this bad?
    General-purpose digests are built to be fast: a single GPU tries billions of SHA-256 candidates per second, so a
    leaked table of SHA-256 password hashes is a table of passwords. Without a per-user random salt, equal passwords
    share a hash and precomputed tables apply. Password hashing needs a slow, salted, memory-hard function: Argon2id
    (`pwdlib`), scrypt or bcrypt with a fresh `gensalt()`. (ruff's S324 flags MD5 and SHA-1 everywhere; this rule
    flags any fast digest, SHA-256 included, where a password goes in.)

    ## Example
    ```python
    import hashlib


    def hash_password(password: str) -> str:
        return hashlib.sha256(password.encode()).hexdigest()
    ```

    ## Use instead
    ```python
    from pwdlib import PasswordHash

    password_hash = PasswordHash.recommended()


    def hash_password(password: str) -> str:
        return password_hash.hash(password)
    ```

    ## Known problems
    Only names tell what a value is: `hashlib.sha256(secret.encode())` with a password in `secret` is missed, and
    hashing a random reset *token* with SHA-256 (which is fine) is not reported.

    ## References
    - [FastAPI: OAuth2 with Password (and hashing), Bearer with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/#password-hashing)
    - [OWASP: Password Storage Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html)
    """

    CODE = "FE021"
    MESSAGE = "a password hashed with a fast digest: leaked hashes are cracked at billions of guesses per second"
    SEVERITY = Severity.ERROR
    OVERLAPS = ("S324",)
    TRIGGERS = ("hashlib", "bcrypt")

    VALID: ClassVar = [
        Valid("import hashlib\ndef etag(body: bytes) -> str:\n    return hashlib.sha256(body).hexdigest()\n"),
        # a random reset token hashed for storage: fine
        Valid(
            "import hashlib\ndef store(password_reset_token: str):\n"
            "    return hashlib.sha256(password_reset_token.encode()).hexdigest()\n"
        ),
        # pbkdf2 and scrypt are password hashes
        Valid(
            "import hashlib, os\ndef h(password: str):\n"
            "    return hashlib.pbkdf2_hmac('sha256', password.encode(), os.urandom(16), 600_000)\n"
        ),
        Valid("import bcrypt\ndef h(password: bytes):\n    return bcrypt.hashpw(password, bcrypt.gensalt())\n"),
        # checking against the stored hash (its salt is inside it)
        Valid(
            "import bcrypt\ndef ok(password: bytes, hashed: bytes):\n"
            "    return bcrypt.hashpw(password, hashed) == hashed\n"
        ),
        # an empty digest, another object's update(), an attribute receiver
        Valid(
            "import hashlib\nclass H:\n    def h(self, user_password: str, settings: dict):\n"
            "        d = hashlib.sha256()\n        settings.update(user_password)\n"
            "        e = hashlib.new('sha256')\n        f = make()\n        f.update(user_password)\n"
            "        self.state.update(user_password)\n        return d.hexdigest()\n"
        ),
        # our own sha256
        Valid("def sha256(x):\n    return x\ndef h(password):\n    return sha256(password)\n"),
        Valid(
            "import hashlib\ndef h(password_hash: str):\n    return hashlib.md5(password_hash.encode()).hexdigest()\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "import hashlib\ndef h(password: str):\n    return hashlib.sha256(password.encode()).hexdigest()\n",
            line=3,
            column=12,
            message="`hashlib.sha256` is a fast digest, not a password hash: leaked hashes are cracked at billions "
            "of guesses per second",
        ),
        # an attribute, aliased import, salt concatenated
        Invalid(
            "from hashlib import md5 as digest\ndef h(form, salt):\n"
            "    return digest((salt + form.password).encode()).hexdigest()\n",
            line=3,
        ),
        Invalid("import hashlib\ndef h(pwd: bytes):\n    return hashlib.new('sha512', pwd).hexdigest()\n", line=3),
        # .update() on a digest object
        Invalid(
            "import hashlib\ndef h(user_password: str):\n    d = hashlib.sha1()\n"
            "    d.update(user_password.encode())\n    return d.hexdigest()\n",
            line=4,
        ),
        Invalid(
            "import bcrypt\nSALT = b'$2b$12$abcdefghijklmnopqrstuu'\n"
            "def h(password: bytes):\n    return bcrypt.hashpw(password, SALT)\n",
            line=4,
            message="`bcrypt.hashpw` with a fixed salt: equal passwords get equal hashes; use `bcrypt.gensalt()`",
        ),
        # in a route, from the request body
        Invalid(
            "import hashlib\nfrom fastapi import APIRouter\nfrom pydantic import BaseModel\nrouter = APIRouter()\n"
            "class SignUp(BaseModel):\n    newPassword: str\n"
            "@router.post('/users')\ndef sign_up(body: SignUp):\n"
            "    return hashlib.sha512(body.newPassword.encode())\n",
            line=9,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        qualified = self.context.qualified_name(node.func) if self.context.may_refer_to(node.func, _HASHERS) else None
        if qualified in _DIGESTS:
            data = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "data"), None)
            if data is not None and self._has_password(data):
                self.report(node, self._message(qualified))
        elif qualified in _NEW:
            data = (
                node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "data"), None)
            )
            if data is not None and self._has_password(data):
                self.report(node, self._message("hashlib.new"))
        elif qualified in _BCRYPT and len(node.args) > 1:
            salt = self.context.constant(node.args[1])
            if isinstance(salt, ast.Constant) and isinstance(salt.value, str | bytes):
                self.report(
                    node, "`bcrypt.hashpw` with a fixed salt: equal passwords get equal hashes; use `bcrypt.gensalt()`"
                )
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and node.args
            and self._has_password(node.args[0])
        ):
            digest = self._digest_of(node.func.value)
            if digest is not None:
                self.report(node, self._message(digest))

    def _message(self, qualified: str) -> str:
        return f"`{qualified}` is a fast digest, not a password hash: {_CRACKED}"

    def _has_password(self, node: ast.expr) -> bool:
        for child in walk(node):
            if isinstance(child, ast.Name) and _is_password(child.id):
                return True
            if isinstance(child, ast.Attribute) and _is_password(child.attr) and not isinstance(child.ctx, ast.Store):
                # ``password.encode`` names the method; the password is its receiver
                return True
        return False

    def _digest_of(self, receiver: ast.expr) -> str | None:
        """``d`` in ``d = hashlib.sha256()`` ... ``d.update(password)``: the digest it was made by."""
        if not isinstance(receiver, ast.Name):
            return None
        function = self.context.enclosing_function()
        body = function.body if function is not None else self.context.tree.body
        for statement in body:
            for node in walk(statement):
                if (
                    isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == receiver.id for t in node.targets)
                    and isinstance(node.value, ast.Call)
                ):
                    qualified = self.context.qualified_name(node.value.func)
                    if qualified in _DIGESTS or qualified in _NEW:
                        return qualified
        return None
