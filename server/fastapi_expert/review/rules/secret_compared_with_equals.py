"""FE041: a token, API key, password or signature checked with ``==`` instead of ``secrets.compare_digest``."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, ModuleIndex, walk
from fastapi_expert.review.rule import Edit, Invalid, Rule, Valid
from fastapi_expert.review.secret_names import comparable_secret, hardcodable_secret, spells_name

__all__ = ["SecretComparedWithEquals"]

#: Functions, besides routes and dependencies, whose name says they check credentials.
_CHECKERS = re.compile(r"auth|verify|check|login|valid|credential|signature|permission", re.IGNORECASE)
#: Methods that keep what their receiver is (``api_key.strip()`` is still the key).
_KEEPING = frozenset({"encode", "decode", "strip", "lower", "upper", "hexdigest", "digest", "get_secret_value"})
#: A media type (``image/png``) or a file extension (``.png``): what a table of file formats is keyed by.
_FORMAT = re.compile(r"[a-z]+/[a-z0-9][\w.+-]*|\.[a-z0-9]{1,8}", re.IGNORECASE)
#: ``hashlib`` constructors: without ``key=``, what they digest is content anyone holding it can hash too.
_HASHES = frozenset(
    f"hashlib.{name}"
    for name in (
        *("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512"),
        *("blake2b", "blake2s", "shake_128", "shake_256", "new", "file_digest"),
    )
)


class SecretComparedWithEquals(Rule):
    """## What it does
    Flags `==`/`!=` between a secret-named value — a token, API key, password (or its hash), secret, signature or
    digest, read from a name, attribute, dict key or header — and another string, in a route, a dependency, or a
    function named like a credential check (`verify_*`, `authenticate_*`, `check_*`...).

    Some secret-named values are not secrets:
    - a module constant whose text only spells words of its name is a label (`_HASH_PASSWORD = "hash-password"`,
      `GRANT_PASSWORD = "password"`);
    - a local assigned once from an unkeyed `hashlib` digest of non-secret content is a checksum
      (`digest = hashlib.sha256(data).hexdigest()`, directly or through a function of the module returning one);
    - a local assigned once from a module table of literals keyed by media type or file extension is a format's
      magic bytes (`signature = SIGNATURES.get(content_type)`).

    A keyed digest (`hmac.new(key, ...)`, `blake2b(..., key=key)`) and a hash of secret-named data
    (`sha256(secret_key + body)`) stay secrets.

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
        # module constants whose text spells their name are labels: a sub-command, an OAuth2 grant type
        Valid(
            "_HASH_PASSWORD = 'hash-password'\ndef check_target(args) -> bool:\n"
            "    return args.target == _HASH_PASSWORD\n"
        ),
        Valid(
            "from fastapi import APIRouter, Form\nrouter = APIRouter()\nGRANT_PASSWORD = 'password'\n"
            "@router.post('/token')\ndef token(grant_type: str = Form()):\n"
            "    if grant_type != GRANT_PASSWORD:\n        raise ValueError\n"
        ),
        # an unkeyed hash of file content, directly, through `update`, or through a helper of the module
        Valid(
            "import hashlib\ndef check_unchanged(path, expected):\n"
            "    digest = hashlib.sha256(path.read_bytes()).hexdigest()\n    return digest == expected\n"
        ),
        Valid(
            "import hashlib as hl\ndef check_file(data: bytes, expected: bytes):\n"
            "    h = hl.blake2b(digest_size=16)\n    h.update(data)\n    digest = h.digest()\n"
            "    return digest != expected\n"
        ),
        Valid(
            "import hashlib\ndef _sha256(data: bytes) -> str:\n    return hashlib.sha256(data).hexdigest()\n"
            "def check_unchanged(changes):\n    for change, target in changes:\n        try:\n"
            "            digest = _sha256(target.read_bytes())\n        except OSError:\n            continue\n"
            "        if digest != change.original_sha256:\n            return False\n"
        ),
        # a file format's magic bytes, looked up by media type or extension
        Valid(
            "from fastapi import FastAPI, UploadFile\napp = FastAPI()\n"
            "SIGNATURES = {'image/png': b'\\x89PNG\\r\\n\\x1a\\n', 'image/jpeg': b'\\xff\\xd8\\xff'}\n"
            "MAGIC = {'.gif': b'GIF8'}\n"
            "@app.post('/avatars')\nasync def upload(file: UploadFile):\n"
            "    signature = SIGNATURES.get(file.content_type or '')\n    head = await file.read(8)\n"
            "    other_signature = MAGIC['.gif']\n"
            "    return head != signature and head[:4] != other_signature\n"
        ),
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
        # near-misses of the label and content-hash exceptions
        # a constant holding a real-looking secret is no label
        Invalid(
            "from fastapi import Header\nAPI_KEY = 'sk_live_abc123'\ndef check_key(key: str = Header()):\n"
            "    return key == API_KEY\n",
            line=4,
        ),
        # a label shadowed by a parameter is the parameter
        Invalid(
            "_HASH_PASSWORD = 'hash-password'\ndef verify(_HASH_PASSWORD, given):\n    return given == _HASH_PASSWORD\n"
        ),
        # an HMAC is keyed: its digest is a signature
        Invalid(
            "import hashlib, hmac\nKEY = b'k'\ndef verify_webhook(body: bytes, sent: str):\n"
            "    digest = hmac.new(KEY, body, hashlib.sha256).hexdigest()\n    return digest == sent\n",
            line=5,
        ),
        # so is a blake2b with `key=`, and a hash over a secret
        Invalid(
            "import hashlib\ndef verify_webhook(body: bytes, sent: str, k: bytes):\n"
            "    digest = hashlib.blake2b(body, key=k).hexdigest()\n    return digest != sent\n",
            line=4,
        ),
        Invalid(
            "import hashlib\nfrom fastapi import Request\ndef check_signature(request: Request, secret_key: bytes):\n"
            "    digest = hashlib.sha256(secret_key + request.url.path.encode()).hexdigest()\n"
            "    return digest == request.query_params['sig']\n",
            line=5,
        ),
        # a table keyed by user names holds credentials, not file formats
        Invalid(
            "from fastapi import Header\nKEYS = {'alice': 'sk_live_abc123'}\n"
            "def check_key(user: str = Header(), key: str = Header()):\n"
            "    signature = KEYS.get(user)\n    return key == signature\n",
            line=5,
        ),
        # a digest bound twice may be anything
        Invalid(
            "import hashlib\ndef verify(data: bytes, given: str, mac):\n"
            "    digest = hashlib.sha256(data).hexdigest()\n    if mac:\n        digest = mac(data)\n"
            "    return given == digest\n",
            line=6,
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
        node = _kept(node)
        name: str | None = None
        if isinstance(node, ast.Name):
            if self._is_label(node) or self._is_content_hash(node) or self._is_file_signature(node):
                return False
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            name = node.slice.value if isinstance(node.slice.value, str) else None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            first = node.args[0] if node.args else None
            name = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        return name is not None and comparable_secret(name)

    def _is_label(self, name: ast.Name) -> bool:
        """A module constant whose text only spells its own name: ``_HASH_PASSWORD = "hash-password"``."""
        value = self.context.constant(name)
        return isinstance(value, ast.Constant) and isinstance(value.value, str) and spells_name(name.id, value.value)

    def _is_content_hash(self, name: ast.Name) -> bool:
        """A local of the enclosing function assigned once, from an unkeyed digest of non-secret content."""
        function = self.context.enclosing_function()
        if function is None or self.context.scopes[-1] is not function:
            return False
        value = _single_assignment(self.context.index, function, name.id)
        return value is not None and self._hashes_content(value, function, depth=0)

    def _is_file_signature(self, name: ast.Name) -> bool:
        """A local assigned once from a module table of literals keyed by media type or file extension: a format's
        magic bytes (``signature = SIGNATURES.get(content_type)`` with ``SIGNATURES = {"image/png": b"\\x89PNG"}``).
        """
        function = self.context.enclosing_function()
        if function is None or self.context.scopes[-1] is not function:
            return False
        value = _single_assignment(self.context.index, function, name.id)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get":
            table: ast.expr = value.func.value
        elif isinstance(value, ast.Subscript):
            table = value.value
        else:
            return False
        if not isinstance(table, ast.Name):
            return False
        table = self.context.constant(table)  # the comparison's scopes end with ``function``
        return (
            isinstance(table, ast.Dict)
            and bool(table.keys)
            and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) and _FORMAT.fullmatch(k.value)
                for k in table.keys
            )
            and all(isinstance(v, ast.Constant) and isinstance(v.value, bytes | str) for v in table.values)
        )

    def _hashes_content(self, node: ast.expr, function: FunctionNode, depth: int) -> bool:
        """Whether ``node``, in ``function``, is ``hashlib.X(data).hexdigest()``/``.digest()`` without ``key=``,
        hashing no secret-named value, or a call to a function of this module returning only such digests."""
        node = _kept(node, keeping=_KEEPING - {"hexdigest", "digest"})
        if depth > 2 or not isinstance(node, ast.Call) or _mentions_secret(node):
            return False
        index = self.context.index
        if isinstance(node.func, ast.Attribute) and node.func.attr in {"hexdigest", "digest"} and not node.args:
            made = node.func.value
            if isinstance(made, ast.Name) and made.id in index.function_locals(function):
                bound = _single_assignment(index, function, made.id)  # h = hashlib.sha256(); h.update(data)
                if bound is None or _mentions_secret_in_updates(index, function, made.id):
                    return False
                made = bound
            return (
                isinstance(made, ast.Call)
                and index.resolve(made.func, (function,)) in _HASHES
                and not any(keyword.arg == "key" for keyword in made.keywords)
                and not _mentions_secret(made)
            )
        if not isinstance(node.func, ast.Name) or index.resolve(node.func, (function,)) != f"<local>.{node.func.id}":
            return False
        helper = next(
            (s for s in self.context.tree.body if isinstance(s, ast.FunctionDef) and s.name == node.func.id), None
        )
        if helper is None or index.functions.get(helper.name) is not helper:
            return False
        returns = [n for n in index.own_nodes(helper) if isinstance(n, ast.Return)]
        return bool(returns) and all(
            r.value is not None and self._hashes_content(r.value, helper, depth + 1) for r in returns
        )

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


def _kept(node: ast.expr, keeping: frozenset[str] = _KEEPING) -> ast.expr:
    """``node`` without the argument-less calls that keep what it is: ``api_key.strip().encode()`` -> ``api_key``."""
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in keeping
        and not node.args
    ):
        node = node.func.value
    return node


def _single_assignment(index: ModuleIndex, function: FunctionNode, name: str) -> ast.expr | None:
    """The value ``name`` gets in ``function`` when it is bound there exactly once, by ``name = value`` (not a
    parameter, loop target, augmented assignment...)."""
    arguments = function.args
    parameters = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
    if any(parameter is not None and parameter.arg == name for parameter in parameters):
        return None
    stores = [
        n
        for n in index.own_nodes(function)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store | ast.Del)
    ]
    if len(stores) != 1:
        return None
    for statement in index.own_nodes(function):
        if isinstance(statement, ast.Assign) and statement.targets == [stores[0]]:
            return statement.value
        if isinstance(statement, ast.AnnAssign) and statement.target is stores[0] and statement.value is not None:
            return statement.value
    return None


def _mentions_secret(call: ast.Call) -> bool:
    """Whether a call's arguments read a secret-named value: ``sha256(secret_key + body)`` is a home-made MAC."""
    for argument in (*call.args, *(keyword.value for keyword in call.keywords)):
        for node in walk(argument):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            if name is not None and (hardcodable_secret(name) or comparable_secret(name)):
                return True
    return False


def _mentions_secret_in_updates(index: ModuleIndex, function: FunctionNode, name: str) -> bool:
    """Whether ``name.update(...)`` in ``function`` feeds it a secret-named value."""
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "update"
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == name
        and _mentions_secret(n)
        for n in index.own_nodes(function)
    )
