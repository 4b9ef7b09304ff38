"""FE005: a response model with a password, password hash, private key or similar field."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import Route, walk
from fastapi_expert.review.rule import ROUTES, Invalid, Rule, Valid
from fastapi_expert.review.secret_names import SecretKind, response_secret

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["ResponseModelLeaksSecret"]

_HIDDEN_TYPES = frozenset(
    {"pydantic.SecretStr", "pydantic.SecretBytes", "pydantic.types.SecretStr", "pydantic.types.SecretBytes"}
    | {"typing.ClassVar", "typing_extensions.ClassVar"}
)
_FIELDS = frozenset({"pydantic.Field", "pydantic.fields.Field", "sqlmodel.Field"})
_NOT_FIELDS = frozenset({"pydantic.PrivateAttr", "sqlmodel.Relationship", "sqlalchemy.orm.relationship"})
_SERIALIZERS = frozenset({"pydantic.field_serializer", "pydantic.functional_serializers.field_serializer"})
_MODEL_SERIALIZERS = frozenset({"pydantic.model_serializer", "pydantic.functional_serializers.model_serializer"})
_RESPONSE_MODULES = ("fastapi.responses.", "starlette.responses.", "fastapi.Response")
#: Methods of routes that create a credential and may show it once.
_READS = frozenset({"GET", "HEAD"})
_KINDS: dict[SecretKind, str] = {
    "password": "a password",
    "hash": "a secret's hash",
    "key": "a private key",
    "credential": "a credential",
}


class ResponseModelLeaksSecret(Rule):
    """## What it does
    Flags a route whose response model — `response_model=` or, without it, the return annotation, through
    `list[...]`, `X | None`, `Page[...]` and nested models — has a field such as `password`, `hashed_password`,
    `password_hash`, `token_hash`, `secret_key` or `private_key`, followed through the module's classes and their
    bases. Credentials a client may be shown once when they are created (`api_key`, `secret`, `client_secret`) are
    flagged on `GET` routes only.

    ## Why is this bad?
    FastAPI serializes every field of the response model. Returning the database model (or the input model) sends
    the user's password hash — or the password itself — to the client, where it lands in browser caches, logs and
    proxies; a leaked hash is an offline cracking target. The response model is FastAPI's filter: it should list what
    the client may see.

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class User(BaseModel):
        username: str
        hashed_password: str


    @app.get("/users/{username}")
    async def read_user(username: str) -> User:
        return User(username=username, hashed_password="...")
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class UserPublic(BaseModel):
        username: str


    class UserInDB(UserPublic):
        hashed_password: str


    @app.get("/users/{username}", response_model=UserPublic)
    async def read_user(username: str) -> UserInDB:
        return UserInDB(username=username, hashed_password="...")
    ```

    ## Known problems
    Fields hidden by `Field(exclude=True)`, `SecretStr`, a `field_serializer` or a `model_serializer`, and routes with
    `response_model_exclude=`/`response_model_include=` that are not literal sets, are trusted. Models imported from
    other modules are not followed.

    ## References
    - [FastAPI: Response Model - Return Type](https://fastapi.tiangolo.com/tutorial/response-model/)
    - [FastAPI: Extra Models](https://fastapi.tiangolo.com/tutorial/extra-models/)
    """

    CODE = "FE005"
    MESSAGE = "the response model sends a secret to the client"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("assw", "ecret", "_key", "Key", "hash", "Hash", "pwd")
    REQUIRES = ROUTES

    VALID: ClassVar = [
        # response_model= filters the returned object
        Valid(
            "from fastapi import FastAPI\nfrom pydantic import BaseModel\napp = FastAPI()\n"
            "class UserOut(BaseModel):\n    username: str\n    password_changed_at: str\n"
            "class UserInDB(UserOut):\n    hashed_password: str\n"
            "@app.get('/me', response_model=UserOut)\ndef me() -> UserInDB: ...\n"
        ),
        # the input model carries the password, the output does not
        Valid(
            "from fastapi import APIRouter\nfrom pydantic import BaseModel\nrouter = APIRouter()\n"
            "class UserIn(BaseModel):\n    password: str\nclass UserOut(BaseModel):\n    name: str\n"
            "@router.post('/users')\nasync def create(user: UserIn) -> UserOut: ...\n"
        ),
        # hidden fields
        Valid(
            "from fastapi import FastAPI\nfrom pydantic import BaseModel, Field, SecretStr\napp = FastAPI()\n"
            "class User(BaseModel):\n    password: SecretStr\n    hashed_password: str = Field(exclude=True)\n"
            "    secret_name: str\n"
            "@app.get('/u')\ndef u() -> User: ...\n"
        ),
        # an API key shown once by the route that creates it
        Valid(
            "from fastapi import FastAPI\nfrom pydantic import BaseModel\napp = FastAPI()\n"
            "class ApiKeyCreated(BaseModel):\n    id: int\n    api_key: str\n"
            "@app.post('/keys', status_code=201)\ndef create_key() -> ApiKeyCreated: ...\n"
        ),
        # response_model=None turns the model off; excluded fields are not sent
        Valid(
            "from fastapi import FastAPI\nfrom pydantic import BaseModel\napp = FastAPI()\n"
            "class User(BaseModel):\n    name: str\n    password: str\n"
            "@app.get('/a', response_model=None)\ndef a() -> User: ...\n"
            "@app.get('/b', response_model=User, response_model_exclude={'password'})\ndef b(): ...\n"
        ),
        # a websocket, include/exclude this rule cannot read, serializers, relationships, recursive models
        Valid(
            "from typing import Optional\nfrom fastapi import FastAPI, WebSocket\n"
            "from pydantic import BaseModel, field_serializer, model_serializer\n"
            "from sqlmodel import Relationship, SQLModel\n"
            "app = FastAPI()\nFIELDS = {'password'}\n"
            "class User(BaseModel):\n    name: str\n    password: str\n"
            "    @field_serializer('password')\n    def hide(self, value: str) -> str:\n        return '***'\n"
            "    @property\n    def label(self) -> str:\n        return self.name\n"
            "class Account(BaseModel):\n    password: str\n    @model_serializer\n    def dump(self): ...\n"
            "class Credential(SQLModel, table=True):\n    password_hash: str\n"
            "class Owner(SQLModel, table=True):\n    credential: Optional[Credential] = Relationship()\n"
            "class Node(BaseModel):\n    child: 'Node | None' = None\n    parent: 'Node('\n"
            "@app.websocket('/ws')\nasync def ws(websocket: WebSocket) -> Account: ...\n"
            "@app.get('/a', response_model=Account, response_model_include={'name'})\ndef a(): ...\n"
            "@app.get('/b', response_model=Account, response_model_exclude=FIELDS)\ndef b(): ...\n"
            "@app.get('/c', response_model=Account, response_model_exclude={FIELDS})\ndef c(): ...\n"
            "@app.get('/d')\ndef d() -> User: ...\n@app.get('/e')\ndef e() -> Account: ...\n"
            "@app.get('/f')\ndef f() -> Owner: ...\n@app.get('/g')\ndef g() -> 'Node': ...\n"
        ),
        # a model of the same name in another module is not this one
        Valid(
            "from fastapi import FastAPI\nfrom app.schemas import User\napp = FastAPI()\n"
            "class Creds:\n    password: str\n"
            "@app.get('/u')\ndef u() -> User: ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\nfrom pydantic import BaseModel\napp = FastAPI()\n"
            "class UserIn(BaseModel):\n    username: str\n    password: str\n"
            "@app.post('/user/')\nasync def create_user(user: UserIn) -> UserIn:\n    return user\n",
            line=8,
            column=40,
            message="the response model `UserIn` sends a password (`password`) to the client",
        ),
        # through inheritance, response_model=list[...]
        Invalid(
            "from fastapi import APIRouter\nfrom sqlmodel import SQLModel, Field\nrouter = APIRouter()\n"
            "class UserBase(SQLModel):\n    email: str\n"
            "class User(UserBase, table=True):\n    id: int = Field(primary_key=True)\n    hashed_password: str\n"
            "@router.get('/users', response_model=list[User])\ndef users(): ...\n",
            line=9,
            message="the response model `User` sends a secret's hash (`hashed_password`) to the client",
        ),
        # nested model, Optional, Annotated fields
        Invalid(
            "from typing import Annotated, Optional\nfrom fastapi import FastAPI\n"
            "from pydantic import BaseModel, Field\napp = FastAPI()\n"
            "class Owner(BaseModel):\n    name: str\n    password_hash: Annotated[str, Field(min_length=1)]\n"
            "class Team(BaseModel):\n    owner: Owner\n"
            "@app.get('/team')\ndef team() -> Optional[Team]: ...\n",
            line=11,
            message="the response model `Team` sends a secret's hash (`owner.password_hash`) to the client",
        ),
        # a read route returning the API key, inside a factory, generic page
        Invalid(
            "import fastapi as fa\nfrom pydantic import BaseModel\n"
            "class Page(BaseModel):\n    total: int\n"
            "class Integration(BaseModel):\n    name: str\n    apiKey: str\n"
            "def build():\n    app = fa.FastAPI()\n"
            "    @app.get('/integrations', response_model=Page[Integration])\n    def lst(): ...\n    return app\n",
            line=10,
            message="the response model `Integration` sends a credential (`apiKey`) to the client",
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        #: By ``id()`` of the node (kept with it, so the id stays its own): what ``_classes_in``/``_hidden`` found.
        self._classes: dict[int, tuple[ast.expr, list[str]]] = {}
        self._hiding: dict[int, tuple[ast.AnnAssign, bool]] = {}

    def finish(self) -> None:
        secrets: dict[str, list[tuple[str, SecretKind]]] = {}  # by model: routes often share theirs
        for route in self.context.index.routes:
            if route.is_websocket:
                continue
            target, excluded = self._response_model(route)
            if target is None:
                continue
            for name in self._classes_in(target):
                if name not in secrets:
                    secrets[name] = self._secrets(name, "", set())
                leaks = [
                    (path, kind)
                    for path, kind in secrets[name]
                    if path not in excluded and (kind != "credential" or set(route.methods) <= _READS)
                ]
                if leaks:
                    fields = ", ".join(f"`{path}`" for path, _ in leaks)
                    kind = _KINDS[leaks[0][1]]
                    self.report(target, f"the response model `{name}` sends {kind} ({fields}) to the client")
                    break

    def _response_model(self, route: Route) -> tuple[ast.expr | None, frozenset[str]]:
        keywords = {k.arg: k.value for k in route.decorator.keywords}
        excluded: set[str] = set()
        for option in ("response_model_exclude", "response_model_include"):
            value = keywords.get(option)
            if value is None:
                continue
            if option == "response_model_include" or not isinstance(value, ast.Set | ast.List | ast.Tuple):
                return None, frozenset()
            elements = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len(elements) != len(value.elts):
                return None, frozenset()
            excluded.update(elements)
        if "response_model" in keywords:
            model = keywords["response_model"]
            return (None if isinstance(model, ast.Constant) and model.value is None else model), frozenset(excluded)
        return route.function.returns, frozenset(excluded)

    def _classes_in(self, annotation: ast.expr) -> list[str]:
        """Module classes named in an annotation, outermost first (``Page[Item]`` -> ``Page``, ``Item``)."""
        key = id(annotation)
        if key not in self._classes:
            self._classes[key] = (annotation, self._find_classes_in(annotation))
        return self._classes[key][1]

    def _find_classes_in(self, annotation: ast.expr) -> list[str]:
        found: list[str] = []
        for node in walk(annotation):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    parsed = ast.parse(node.value, mode="eval").body
                except SyntaxError:
                    continue
                found.extend(n.id for n in walk(parsed) if isinstance(n, ast.Name) and self._is_model(n.id))
            elif isinstance(node, ast.Name) and self._is_model(node.id):
                found.append(node.id)
        return found

    def _is_model(self, name: str) -> bool:
        node = self.context.index.classes.get(name)
        if node is None or self.context.index.resolve(ast.Name(id=name)) != f"<local>.{name}":
            return False
        return not any((self.context.index.resolve(b) or "").startswith(_RESPONSE_MODULES) for b in node.bases)

    def _secrets(self, name: str, prefix: str, seen: set[str]) -> list[tuple[str, SecretKind]]:
        if name in seen or len(seen) > 8:
            return []
        seen.add(name)
        node = self.context.index.classes[name]
        if self._has_model_serializer(node):
            return []
        serialized = self._custom_serialized(node)
        found: list[tuple[str, SecretKind]] = []
        for field, statement in self.context.index.class_fields(name):
            if field.startswith("_") or field in serialized or self._hidden(statement):
                continue
            kind = response_secret(field)
            if kind is not None:
                found.append((prefix + field, kind))
                continue
            for inner in self._classes_in(statement.annotation):
                found.extend(self._secrets(inner, f"{prefix}{field}.", seen))
        return found

    def _hidden(self, statement: ast.AnnAssign) -> bool:
        key = id(statement)
        if key not in self._hiding:
            self._hiding[key] = (statement, self._is_hidden(statement))
        return self._hiding[key][1]

    def _is_hidden(self, statement: ast.AnnAssign) -> bool:
        annotation = statement.annotation
        for node in walk(annotation):
            if isinstance(node, ast.Name | ast.Attribute) and self.context.index.resolve(node) in _HIDDEN_TYPES:
                return True
        calls = [n for n in (statement.value, *walk(annotation)) if isinstance(n, ast.Call)]
        for call in calls:
            qualified = self.context.index.resolve(call.func)
            if qualified in _NOT_FIELDS:
                return True
            if qualified in _FIELDS and any(
                k.arg == "exclude" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in call.keywords
            ):
                return True
        return False

    def _custom_serialized(self, node: ast.ClassDef) -> frozenset[str]:
        names: set[str] = set()
        for statement in node.body:
            if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in statement.decorator_list:
                if isinstance(decorator, ast.Call) and self.context.index.resolve(decorator.func) in _SERIALIZERS:
                    names.update(
                        a.value for a in decorator.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    )
        return frozenset(names)

    def _has_model_serializer(self, node: ast.ClassDef) -> bool:
        return any(
            self.context.index.resolve(d.func if isinstance(d, ast.Call) else d) in _MODEL_SERIALIZERS
            for statement in node.body
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef)
            for d in statement.decorator_list
        )
