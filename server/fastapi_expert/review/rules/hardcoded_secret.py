"""FE007: a secret written in the code — a literal key, password or token, a settings default, an env fallback."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import dotted_name
from fastapi_expert.review.rule import Invalid, Rule, Valid
from fastapi_expert.review.secret_names import hardcodable_secret, name_words

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["HardcodedSecret"]

_SETTINGS = frozenset(
    {"pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings", "pydantic.BaseSettings"}
    | {"pydantic.v1.BaseSettings", "pydantic.env_settings.BaseSettings"}
)
_ENUMS = frozenset({f"enum.{name}" for name in ("Enum", "StrEnum", "IntEnum", "Flag", "IntFlag")})
_FIELDS = frozenset({"pydantic.Field", "pydantic.fields.Field", "sqlmodel.Field", "dataclasses.field"})
_SECRET_TYPES = frozenset({"pydantic.SecretStr", "pydantic.SecretBytes", "pydantic.types.SecretStr"})
#: Calls whose first argument or ``default=`` is the value of the field (or secret) they define.
_FIELD_CALLS = _FIELDS | _SECRET_TYPES
_JWT = frozenset({"jwt.encode", "jwt.decode", "jwt.api_jwt.encode", "jwt.api_jwt.decode"})
_JWT |= {"jose.jwt.encode", "jose.jwt.decode"}
#: ``getenv("SECRET_KEY", "fallback")``: the name first, the fallback second or as ``default=``.
_LOOKUPS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "decouple.config", "environs.Env"})
_CONFIGS = frozenset({"starlette.config.Config", "decouple.AutoConfig", "decouple.Config"})
_USED_WHEN_UNSET = "a hard-coded secret: it is used whenever the environment lacks it"
#: Values that are not secrets whatever they are assigned to: flags, references, names of keys, known sentinels.
_NOT_SECRETS = re.compile(
    r"^(?i:true|false|yes|no|on|off|none|null|0|1|x-oauth-basic)$"  # flags and GitHub's token-auth password
    r"|^\$\{?[A-Za-z_]"  # "$generate", "${SECRET_KEY}": a reference or a sentinel
    r"|^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$"  # "AWS_SECRET_ACCESS_KEY": the name of a variable or key
)


class HardcodedSecret(Rule):
    """## What it does
    Flags a string literal used as a secret: assigned to a secret-like name (`SECRET_KEY = "…"`,
    `self.api_key = "…"`, `DB_PASSWORD = "…"`), the default of a `BaseSettings` field (`secret_key: str = "…"`, also
    through `Field(default="…")`), the fallback of an environment lookup (`os.getenv("SECRET_KEY", "dev")`), a
    parameter default, a secret keyword argument, or the key of `jwt.encode`/`jwt.decode`.

    ## Why is this bad?
    Whoever reads the code — every developer, CI job, fork, leaked backup — holds the secret, and it cannot be
    rotated without a release. With a JWT signing key that means anyone can mint tokens for any user. A settings
    default or an env fallback is worse than it looks: when the deployment forgets the variable, the app starts
    happily with the published value instead of failing. A placeholder such as `"changeme"` is still a secret in
    the code: it is the one production ends up running with.

    Compared with ruff's S105-S107 this rule judges names by what they end with (`secret_name`, `token_type`,
    `PASSWORD_FIELD` and `SECRET_KEY_ENV = "SECRET_KEY"` are not secrets), skips enum members and test files, and
    knows settings classes, `Field(default=…)`, env fallbacks and JWT keys.

    ## Example
    ```python
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        secret_key: str = "insecure-dev-key"
        algorithm: str = "HS256"
    ```

    ## Use instead
    Declare the field without a default, so a deployment without `SECRET_KEY` fails at start-up:
    ```python
    from pydantic import SecretStr
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        secret_key: SecretStr
        algorithm: str = "HS256"
    ```

    ## Known problems
    Test files (`tests/`, `test_*.py`, `conftest.py`) and `Test*` settings classes are skipped. Values that cannot be
    secrets are not reported: a name equal to its value (`PASSWORD = "password"`, a label), flags (`"true"`), masks
    (`"********"`), messages (text with spaces), references (`"${SECRET_KEY}"`) and names of variables or keys
    (`secret_key="AWS_SECRET_ACCESS_KEY"`).

    ## References
    - [FastAPI: Settings and environment variables](https://fastapi.tiangolo.com/advanced/settings/)
    - [FastAPI: OAuth2 with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/)
    """

    CODE = "FE007"
    MESSAGE = "a hard-coded secret: everyone who can read the code can use it"
    SEVERITY = Severity.ERROR
    OVERLAPS = ("S105", "S106", "S107")
    # ruff's S105-S107 flag any literal bound to a name like *token*/*password* (`token_type="bearer"` in FastAPI's own
    # OAuth2 tutorial); this rule knows which values cannot be secrets, so it replaces them while selected.
    REPLACES = ("S105", "S106", "S107")
    TRIGGERS = ("ecret", "ECRET", "assw", "ASSW", "hrase", "HRASE", "key", "KEY", "Key", "oken", "OKEN", "pwd", "PWD")

    VALID: ClassVar = [
        Valid("import os\nSECRET_KEY = os.environ['SECRET_KEY']\nALGORITHM = 'HS256'\n"),
        # names of variables, headers and fields are not secrets
        Valid("SECRET_KEY_ENV = 'SECRET_KEY'\nAPI_KEY_HEADER = 'X-API-Key'\nPASSWORD_FIELD = 'password'\n"),
        Valid("token_type = 'bearer'\nsecret_name = 'Spider-Boy'\npassword_changed_at = '2024-01-01'\n"),
        Valid("SECRET_KEY = ''\nDB_PASSWORD: str = ''\n"),
        # a hash is not the secret, an enum member is a label
        Valid("from enum import Enum\nclass Auth(str, Enum):\n    API_KEY = 'api-key'\n    PASSWORD = 'pwd'\n"),
        Valid("hashed_password = '$argon2id$v=19$m=65536,t=3,p=4$abc'\n"),
        # a settings field without a default, and one reading the environment
        Valid(
            "from pydantic_settings import BaseSettings\nfrom pydantic import Field\n"
            "class Settings(BaseSettings):\n    secret_key: str\n    api_key: str = Field(alias='MY_API_KEY')\n"
        ),
        Valid("import jwt\nfrom app.config import settings\ndef f(p):\n    return jwt.encode(p, settings.key)\n"),
        Valid("import os\nKEY = os.getenv('SECRET_KEY')\nDEBUG = os.getenv('DEBUG', 'false')\n"),
        # flags, sentinels and key names are not secrets; a Test* settings class holds fixtures
        Valid(
            "from pydantic_settings import BaseSettings\nparams = {}\nparams['enrich_owner_access_key'] = 'true'\n"
            "generate_access_key = '$generate'\nshown_password = '********'\n"
            "error = {}\nerror['api_key'] = 'Set an API key to use this model.'\nerror[key] = 'x'\n"
            "factory()('SECRET_KEY', 'fallback')\n"
            "def connect(host='localhost', password=None, *, api_key: str = API_KEY_DEFAULT): ...\n"
            "def mount(set_env):\n    set_env('AWS', secret_key='AWS_SECRET_ACCESS_KEY')\n"
            "class TestSettings(BaseSettings):\n    secret_key: str = 'test-secret'\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid("SECRET_KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7'\n", line=1, column=14),
        Invalid(
            "from pydantic_settings import BaseSettings as Base\nclass Settings(Base):\n"
            "    jwt_secret: str = 'changeme'\n",
            line=3,
            message="`jwt_secret` defaults to a hard-coded secret: it is used whenever the environment lacks it",
        ),
        # through a settings base class of the module and Field(default=...)
        Invalid(
            "from pydantic import Field\nfrom pydantic_settings import BaseSettings\n"
            "class Common(BaseSettings):\n    debug: bool = False\n"
            "class Settings(Common):\n    stripe_api_key: str = Field(default='sk_live_abc')\n",
            line=6,
        ),
        Invalid(
            "import os\nSECRET_KEY = os.getenv('SECRET_KEY', 'dev-secret')\n",
            line=2,
            message="`SECRET_KEY` falls back to a hard-coded secret: it is used whenever the environment lacks it",
        ),
        Invalid(
            "import jwt as pyjwt\ndef token(sub):\n    return pyjwt.encode({'sub': sub}, 'k3y', algorithm='HS256')\n",
            message="the JWT key is a string literal: anyone who reads it can forge tokens",
        ),
        Invalid("class Client:\n    def __init__(self):\n        self.api_key = 'sk-abc'\n", line=3),
        Invalid("import os\nos.environ['OPENAI_API_KEY'] = 'sk-proj-abc'\n", line=2),
        # bare getenv, SecretStr("..."), tuple assignment
        Invalid("from os import getenv\nAPI_KEY = getenv('API_KEY', 'sk-test-123')\n", line=2),
        Invalid(
            "from pydantic import BaseModel, SecretStr\nclass C(BaseModel):\n    api_key: SecretStr = SecretStr('sk')\n"
        ),
        Invalid("user, password = 'admin', 'hunter2'\n", line=1, column=27),
        Invalid("def connect(user, password='hunter2'): ...\n", line=1),
        Invalid(
            "from fastapi import FastAPI\nfrom starlette.middleware.sessions import SessionMiddleware\n"
            "app = FastAPI()\napp.add_middleware(SessionMiddleware, secret_key='s3cr3t')\n",
            line=4,
        ),
        Invalid("def check(x):\n    correct_password_bytes = b'swordfish'\n    return x == correct_password_bytes\n"),
        Invalid(
            "from starlette.config import Config\nconfig = Config('.env')\n"
            "SECRET_KEY = config('SECRET_KEY', default='not-secret')\n",
            line=3,
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self.skipped = context.source.is_test

    # -- assignments -------------------------------------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                for element, value in zip(target.elts, node.value.elts, strict=False):  # user, password = "a", "b"
                    self._assigned(element, value)
            else:
                self._assigned(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node.target, node.value)

    def _assigned(self, target: ast.expr, value: ast.expr) -> None:
        name = _target_name(target)
        if name is None or not hardcodable_secret(name):
            return
        literal = self._literal(value)
        if literal is None or _is_label(name, literal):
            return
        owner = self._class_body()
        if owner is not None and (self._is_enum(owner) or owner.name.startswith("Test")):
            return  # an enum member is a label; a ``TestSettings`` class holds fixtures
        if owner is not None and self._is_settings(owner):
            self._flag(literal, f"`{name}` defaults to {_USED_WHEN_UNSET}")
        else:
            self._flag(literal, self.MESSAGE)

    def _flag(self, literal: ast.Constant, message: str) -> None:
        if not self.skipped:
            self.report(literal, message)

    def _literal(self, value: ast.expr) -> ast.Constant | None:
        """The non-empty string literal ``value`` is, or wraps (``Field("x")``, ``SecretStr("x")``)."""
        if isinstance(value, ast.Call):
            if self.context.refers_to(value.func, _FIELD_CALLS):
                inner = next((k.value for k in value.keywords if k.arg == "default"), None)
                if inner is None and value.args:
                    inner = value.args[0]
                return self._literal(inner) if inner is not None else None
            return None
        if isinstance(value, ast.Constant) and isinstance(value.value, str | bytes) and value.value.strip():
            text = value.value.decode(errors="replace") if isinstance(value.value, bytes) else value.value
            # "********" and ":****" are masks; "Set the API key first" is a message
            masked = not any(character.isalnum() for character in text) or " " in text.strip()
            return None if masked or _NOT_SECRETS.search(text.strip()) else value
        return None

    def _class_body(self) -> ast.ClassDef | None:
        parent = self.context.stack[-1] if self.context.stack else None
        return parent if isinstance(parent, ast.ClassDef) else None

    def _is_settings(self, node: ast.ClassDef) -> bool:
        return node.name in self.context.index.subclasses_of(_SETTINGS)

    def _is_enum(self, node: ast.ClassDef) -> bool:
        return node.name in self.context.index.subclasses_of(_ENUMS)

    # -- parameters and calls ----------------------------------------------------------------------------------------

    def visit_arguments(self, node: ast.arguments) -> None:
        positional = [*node.posonlyargs, *node.args]
        pairs = list(zip(positional[len(positional) - len(node.defaults) :], node.defaults, strict=True))
        pairs += [(a, d) for a, d in zip(node.kwonlyargs, node.kw_defaults, strict=True) if d is not None]
        for argument, default in pairs:
            if hardcodable_secret(argument.arg):
                literal = self._literal(default)
                if literal is not None and not _is_label(argument.arg, literal):
                    self._flag(literal, f"parameter `{argument.arg}` defaults to a hard-coded secret")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if self.context.may_refer_to(func, _JWT) and self.context.refers_to(func, _JWT):
            key = next((k.value for k in node.keywords if k.arg == "key"), node.args[1] if len(node.args) > 1 else None)
            literal = self._literal(key) if key is not None else None
            if literal is not None:
                self._flag(literal, "the JWT key is a string literal: anyone who reads it can forge tokens")
            return
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and self._is_lookup(node):
            fallback = next((k.value for k in node.keywords if k.arg == "default"), None)
            if fallback is None and len(node.args) > 1:
                fallback = node.args[1]
            literal = self._literal(fallback) if fallback is not None else None
            if literal is not None and hardcodable_secret(first.value) and not _is_label(first.value, literal):
                self._flag(literal, f"`{first.value}` falls back to {_USED_WHEN_UNSET}")
            return
        secrets = [k for k in node.keywords if k.arg is not None and hardcodable_secret(k.arg)]
        if not secrets or self.context.refers_to(func, _FIELD_CALLS):
            return  # a Field(...) is judged with the field it defines
        for keyword in secrets:
            literal = self._literal(keyword.value)
            if literal is not None and not _is_label(keyword.arg or "", literal):
                self._flag(literal, f"`{keyword.arg}=` is given a hard-coded secret")

    def _is_lookup(self, node: ast.Call) -> bool:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in {"getenv", "get", "setdefault", "config", "Env"}:
            return self.context.refers_to(func, _LOOKUPS)
        # getenv(...); config = Config(".env"); config("SECRET_KEY", default=...)
        bound = self.context.constant(func) if isinstance(func, ast.Name) else None
        return self.context.refers_to(func, _LOOKUPS) or (
            isinstance(bound, ast.Call) and self.context.refers_to(bound.func, _CONFIGS)
        )


def _target_name(target: ast.expr) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        # os.environ["SECRET_KEY"] = ..., app.config["SECRET_KEY"] = ... (not errors["api_key"] = "message")
        container = (dotted_name(target.value) or "").rsplit(".", 1)[-1].lower()
        key = target.slice.value
        return key if isinstance(key, str) and container.endswith(("environ", "env", "config", "settings")) else None
    return None


def _is_label(name: str, literal: ast.Constant) -> bool:
    """``PASSWORD = "password"``, ``API_KEY = "X-API-Key"``: the value names the thing instead of being it."""
    value = literal.value.decode(errors="replace") if isinstance(literal.value, bytes) else str(literal.value)
    words, value_words = name_words(name), name_words(value)
    return bool(value_words) and value_words[-len(words) :] == words
