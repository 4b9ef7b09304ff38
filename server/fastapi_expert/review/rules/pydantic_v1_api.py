"""FE004: Pydantic 1 API on Pydantic 2 models (``@validator``, ``class Config``, ``.dict()``, ``pydantic.v1``...)."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Edit, Invalid, Rule, Valid

__all__ = ["PydanticV1Api"]

_VALIDATORS = {
    f"{module}.{name}": name
    for module in ("pydantic", "pydantic.class_validators", "pydantic.deprecated.class_validators")
    for name in ("validator", "root_validator")
}
_REPLACEMENT = {"validator": "@field_validator", "root_validator": "@model_validator"}
_FIELDS = frozenset({"pydantic.Field", "pydantic.fields.Field"})
_CONFIG_DICTS = frozenset({"pydantic.ConfigDict", "pydantic.config.ConfigDict"})
#: Field keywords: their Pydantic 2 name where it is a plain rename, else what to do instead.
_FIELD_RENAMES = {"min_items": "min_length", "max_items": "max_length"}
_FIELD_GONE = {
    "const": "a `Literal[...]` type",
    "unique_items": "a `set` type",
    "allow_mutation": "`frozen=`",
}
#: Model methods: their Pydantic 2 name, and the keywords with which the rename is exact (None: not a plain rename).
_METHODS: dict[str, tuple[str, frozenset[str] | None]] = {
    "dict": (
        "model_dump",
        frozenset({"include", "exclude", "by_alias", "exclude_unset", "exclude_defaults", "exclude_none"}),
    ),
    "json": (
        "model_dump_json",
        frozenset({"include", "exclude", "by_alias", "exclude_unset", "exclude_defaults", "exclude_none"}),
    ),
    "parse_obj": ("model_validate", frozenset()),
    "schema": ("model_json_schema", frozenset({"by_alias", "ref_template"})),
    "construct": ("model_construct", frozenset({"_fields_set"})),
    "copy": ("model_copy", None),
    "parse_raw": ("model_validate_json", None),
    "parse_file": ("model_validate_json", None),
    "from_orm": ("model_validate", None),
    "schema_json": ("model_json_schema", None),
    "update_forward_refs": ("model_rebuild", None),
}
_POSITIONAL = {"parse_obj": 1}


class PydanticV1Api(Rule):
    """## What it does
    Flags Pydantic 1 API used with Pydantic 2: `@validator` and `@root_validator`, an inner `class Config` in a
    model, `orm_mode`, `Field(min_items=/max_items=/const=/unique_items=/allow_mutation=)`, imports of the
    `pydantic.v1` compatibility layer, and the methods `.dict()`, `.json()`, `.copy()`, `.parse_obj()`,
    `.parse_raw()`, `.parse_file()`, `.from_orm()`, `.schema()`, `.schema_json()`, `.construct()`,
    `.update_forward_refs()` — the methods only where the receiver is known to be a model of the module: the class
    itself, `self`/`cls` in its methods, a parameter annotated with it, a name assigned from its constructor.
    (`Field(regex=)` is FE002's.)

    ## Why is this bad?
    Pydantic 2 keeps these names as deprecated shims: each call warns, some (`.json(indent=2)`, `const=`,
    `unique_items=`) fail outright, `from_orm` needs `from_attributes=True` that `orm_mode` no longer sets, and
    the shims will be removed in Pydantic 3. FastAPI itself only speaks Pydantic 2, and `pydantic.v1` models
    are no longer accepted as request or response models.

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.post("/items/")
    async def create_item(item: Item) -> dict[str, str]:
        return item.dict()
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.post("/items/")
    async def create_item(item: Item) -> dict[str, str]:
        return item.model_dump()
    ```

    ## Known problems
    `.dict()`/`.json()`/`.copy()` on a receiver whose class the module cannot see (a model imported from elsewhere,
    the result of a query) is not flagged: the same names exist on dicts and in other libraries.

    ## Fix safety
    Safe where Pydantic 2's name is a plain rename that Pydantic's own shim calls with the same arguments:
    `.dict()` -> `.model_dump()`, `.json()` -> `.model_dump_json()`, `.parse_obj()` -> `.model_validate()`,
    `.schema()` -> `.model_json_schema()`, `.construct()` -> `.model_construct()`, `min_items`/`max_items` ->
    `min_length`/`max_length`, `ConfigDict(orm_mode=...)` -> `from_attributes`. The rest (`@validator`, `class
    Config`, `.from_orm()`, `.copy()`, `.parse_raw()`...) changes signatures or behaviour and is reported without
    a fix.

    ## References
    - [Pydantic: Migration guide](https://docs.pydantic.dev/latest/migration/)
    - [FastAPI: Migrate from Pydantic v1 to Pydantic v2](https://fastapi.tiangolo.com/how-to/migrate-from-pydantic-v1-to-pydantic-v2/)
    """

    CODE = "FE004"
    MESSAGE = "Pydantic 1 API"
    SEVERITY = Severity.WARNING
    FIX_TITLE = "Use the Pydantic 2 name"
    FIX_SAFETY = "safe"
    TRIGGERS = ("pydantic", "sqlmodel")

    VALID: ClassVar = [
        Valid(
            "from pydantic import BaseModel, ConfigDict, field_validator\nclass M(BaseModel):\n"
            "    model_config = ConfigDict(from_attributes=True)\n    name: str\n"
            "    @field_validator('name')\n    @classmethod\n    def check(cls, v): return v\n"
            "def f(m: M):\n    return m.model_dump(), M.model_validate({})\n"
        ),
        # .dict()/.json()/.copy() on receivers that are not known models
        Valid(
            "import requests\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    name: str\n"
            "def f(data: dict, r=requests.get('x')):\n    return data.copy(), r.json(), {}.copy()\n"
        ),
        # a Config class in a plain class; a model defining its own `dict`
        Valid(
            "from pydantic import BaseModel\nclass Plain:\n    class Config:\n        orm_mode = True\n"
            "class M(BaseModel):\n    def dict(self, **kw): return {}\ndef f(m: M):\n    return m.dict()\n"
        ),
        # a local validator decorator; a local Field
        Valid(
            "def validator(*a):\n    return lambda f: f\nclass A:\n    @validator('x')\n    def v(self): ...\n"
            "def Field(**kw): ...\nx = Field(min_items=1)\n"
        ),
        # Pydantic 1 models of an imported module cannot be seen
        Valid("from app.models import Item\ndef f(item: Item):\n    return item.dict()\n"),
        # `self` outside a class; a method of a plain class; diamond bases of the module defining `json`
        Valid(
            "from pydantic import BaseModel\ndef f(self):\n    return self.dict()\nclass Plain:\n"
            "    def g(self):\n        return self.json()\nclass A(BaseModel):\n    def json(self): ...\n"
            "class B(A): ...\nclass C(A): ...\nclass D(B, C): ...\nD().json()\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from pydantic import BaseModel\nclass M(BaseModel):\n    a: int\ndef f(m: M):\n    return m.dict()\n",
            line=5,
            column=12,
            message="`.dict()` is Pydantic 1 API: use `.model_dump()`",
            expected_fix="from pydantic import BaseModel\nclass M(BaseModel):\n    a: int\ndef f(m: M):\n"
            "    return m.model_dump()\n",
        ),
        # constructed, through self, an aliased import, a class method; JSON with an argument the rename keeps
        Invalid(
            "import pydantic as pd\nclass M(pd.BaseModel):\n    a: int\n    def out(self):\n"
            "        return self.json(exclude_none=True)\n"
            "x = M(a=1).dict(by_alias=True)\ny = M.parse_obj({'a': 1})\nz = M.schema()\n",
            expected_fix="import pydantic as pd\nclass M(pd.BaseModel):\n    a: int\n    def out(self):\n"
            "        return self.model_dump_json(exclude_none=True)\n"
            "x = M(a=1).model_dump(by_alias=True)\ny = M.model_validate({'a': 1})\nz = M.model_json_schema()\n",
        ),
        Invalid(
            "from pydantic import BaseModel, validator\nclass M(BaseModel):\n    a: int\n"
            "    @validator('a')\n    def check(cls, v): return v\n",
            line=4,
            message="`@validator` is Pydantic 1 API: use `@field_validator`",
        ),
        Invalid(
            "from pydantic_settings import BaseSettings\nclass Base(BaseSettings): ...\nclass S(Base):\n"
            "    class Config:\n        env_file = '.env'\n",
            line=4,
            message="an inner `class Config` is Pydantic 1 API: use `model_config = ConfigDict(...)`",
        ),
        Invalid(
            "from typing import List\nfrom pydantic import BaseModel, Field, ConfigDict\nclass M(BaseModel):\n"
            "    model_config = ConfigDict(orm_mode=True)\n    tags: List[str] = Field(min_items=1, max_items=3)\n",
            expected_fix="from typing import List\nfrom pydantic import BaseModel, Field, ConfigDict\n"
            "class M(BaseModel):\n"
            "    model_config = ConfigDict(from_attributes=True)\n"
            "    tags: List[str] = Field(min_length=1, max_length=3)\n",
        ),
        Invalid("from pydantic.v1 import BaseModel\n", line=1, column=1),
        Invalid("from pydantic import v1 as pydantic_v1\n", line=1),
        # from_orm: no plain rename
        Invalid(
            "from fastapi import APIRouter\nfrom sqlmodel import SQLModel\nrouter = APIRouter()\n"
            "class UserOut(SQLModel):\n    id: int\n@router.get('/me')\ndef me(user=None):\n"
            "    return UserOut.from_orm(user)\n",
            line=8,
            message="`.from_orm()` is Pydantic 1 API: use `.model_validate()` (with `from_attributes=True` in the "
            "model's config)",
        ),
        Invalid(
            "from pydantic import BaseModel, Field\nclass M(BaseModel):\n    kind: str = Field('a', const=True)\n",
            message="`const=` is gone in Pydantic 2: use a `Literal[...]` type",
        ),
        Invalid("import pydantic.v1 as pv1\n", line=1, message="`pydantic.v1` is the Pydantic 1 compatibility layer"),
        Invalid(
            "from pydantic import BaseModel\nclass M(BaseModel):\n    class Config:\n        orm_mode = True\n",
            message="an inner `class Config` is Pydantic 1 API: use `model_config = ConfigDict(...)` (`orm_mode` is "
            "now `from_attributes`)",
        ),
    ]

    # -- imports -----------------------------------------------------------------------------------------------------

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and (
            module == "pydantic.v1"
            or module.startswith("pydantic.v1.")
            or (module == "pydantic" and any(alias.name == "v1" for alias in node.names))
        ):
            self.report(node, "`pydantic.v1` is the Pydantic 1 compatibility layer")

    def visit_Import(self, node: ast.Import) -> None:
        if any(alias.name == "pydantic.v1" or alias.name.startswith("pydantic.v1.") for alias in node.names):
            self.report(node, "`pydantic.v1` is the Pydantic 1 compatibility layer")

    # -- validators and configuration --------------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = _VALIDATORS.get(self.context.qualified_name(target) or "")
            if name is not None:
                self.report(decorator, f"`@{name}` is Pydantic 1 API: use `{_REPLACEMENT[name]}`")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if node.name not in self.context.index.model_classes:
            return
        for statement in node.body:
            if isinstance(statement, ast.ClassDef) and statement.name == "Config":
                message = "an inner `class Config` is Pydantic 1 API: use `model_config = ConfigDict(...)`"
                if any("orm_mode" in _bound(s) for s in statement.body):
                    message += " (`orm_mode` is now `from_attributes`)"
                self.report(statement, message)

    # -- calls -------------------------------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        context = self.context
        if node.keywords and context.refers_to(node.func, _FIELDS):
            self._field_keywords(node)
        elif node.keywords and context.refers_to(node.func, _CONFIG_DICTS):
            for keyword in node.keywords:
                if keyword.arg == "orm_mode":
                    edit = context.source.replace(keyword, "from_attributes=" + context.source.segment(keyword.value))
                    self.report(keyword, "`orm_mode` is Pydantic 1 API: use `from_attributes`", edits=[edit])
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS:
            self._method(node, node.func)

    def _field_keywords(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg in _FIELD_RENAMES:
                new = _FIELD_RENAMES[keyword.arg]
                edit = self.context.source.replace(keyword, f"{new}=" + self.context.source.segment(keyword.value))
                self.report(keyword, f"`{keyword.arg}=` is Pydantic 1 API: use `{new}=`", edits=[edit])
            elif keyword.arg in _FIELD_GONE:
                self.report(keyword, f"`{keyword.arg}=` is gone in Pydantic 2: use {_FIELD_GONE[keyword.arg]}")

    def _method(self, node: ast.Call, func: ast.Attribute) -> None:
        model = self._model_of(func.value)
        if model is None or self._defines(model, func.attr):
            return
        new, exact = _METHODS[func.attr]
        message = f"`.{func.attr}()` is Pydantic 1 API: use `.{new}()`"
        if func.attr == "from_orm":
            message += " (with `from_attributes=True` in the model's config)"
        edits: list[Edit] = []
        keywords = {k.arg for k in node.keywords}
        positional = len(node.args) == _POSITIONAL.get(func.attr, 0)
        if exact is not None and None not in keywords and keywords <= exact and positional:
            end_line, end_column = self.context.source.end(func)
            edits.append(Edit(end_line, end_column - len(func.attr), end_line, end_column, new))
        self.report(node, message, edits=edits)

    def _model_of(self, receiver: ast.expr) -> str | None:
        """The module model class ``receiver`` is (a class) or holds (an instance), if known."""
        context, index = self.context, self.context.index
        models = index.model_classes
        if isinstance(receiver, ast.Call):
            name = index.local_class(receiver.func)
            return name if name in models else None
        if not isinstance(receiver, ast.Name):
            return None
        if receiver.id in {"self", "cls"} and (owner := self._method_owner()) is not None:
            return owner if owner in models else None
        qualified = context.qualified_name(receiver) or ""
        if qualified.startswith("<local>.") and qualified.removeprefix("<local>.") in models:
            return qualified.removeprefix("<local>.")  # the class itself
        held = context.type_of(receiver) or ""
        if held.startswith("<local>.") and held.removeprefix("<local>.") in models:
            return held.removeprefix("<local>.")  # an instance
        return None

    def _method_owner(self) -> str | None:
        """The class whose method the current node is in (the function directly in a class body)."""
        stack = self.context.stack
        function = self.context.enclosing_function()
        parent = stack[stack.index(function) - 1] if function in stack else None
        return parent.name if isinstance(parent, ast.ClassDef) else None

    def _defines(self, class_name: str, method: str) -> bool:
        """Whether the class, or one of its bases in this module, defines ``method`` itself."""
        index = self.context.index
        pending, seen = [class_name], set()
        while pending:
            node = index.classes[pending.pop()]
            seen.add(node.name)
            if any(method in _bound(statement) for statement in node.body):
                return True
            pending += [base for base in map(index.local_class, node.bases) if base and base not in seen]
        return False


def _bound(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    targets = statement.targets if isinstance(statement, ast.Assign) else []
    if isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    return {t.id for t in targets if isinstance(t, ast.Name)}
