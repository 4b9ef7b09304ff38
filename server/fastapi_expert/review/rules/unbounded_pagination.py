"""FE013: a page-size query parameter (``limit``, ``page_size``...) with no upper bound."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, Parameter, path_parameters, walk
from fastapi_expert.review.rule import ROUTES_OR_DEPENDENCIES, Edit, Invalid, Rule, Valid

__all__ = ["UnboundedPagination"]

_NAMES = frozenset({"limit", "page_size", "per_page", "size", "pagesize", "page_limit", "pageSize", "perPage"})
_BOUND_KEYWORDS = frozenset({"le", "lt"})
_BOUND_CALLS = frozenset({"annotated_types.Le", "annotated_types.Lt", "annotated_types.Interval"})
#: Calls that do not fetch or allocate anything: passing the value to them is harmless.
_HARMLESS_CALLS = frozenset(
    f"builtins.{name}"
    for name in ("str", "int", "float", "bool", "repr", "print", "len", "dict", "list", "tuple", "set", "format", "abs")
)
_HARMLESS_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log", "format"})
_DEFAULT_LIMIT = 100


class UnboundedPagination(Rule):
    """## What it does
    Flags an `int` query parameter named `limit`, `page_size`, `per_page` or `size` (and their spellings) of a
    route or dependency that has no upper bound (`le=`/`lt=` in `Query()`, `Field()` or `annotated_types`) and that
    the function passes on to a call (a query's `.limit()`, a CRUD function, `range()`), with no clamp (`min()`) or
    comparison of its own.

    ## Why is this bad?
    Any client can send `?limit=10000000`: the database returns every row, the ORM builds every object, the
    response serializes them all. One request pins a worker and the database, and a few make a cheap
    denial of service. A bound also documents the maximum in the OpenAPI schema.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    def fetch_items(offset: int, limit: int) -> list[str]:
        return ["item"] * limit


    @app.get("/items/")
    async def read_items(offset: int = 0, limit: int = 10) -> list[str]:
        return fetch_items(offset, limit)
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import FastAPI, Query

    app = FastAPI()


    def fetch_items(offset: int, limit: int) -> list[str]:
        return ["item"] * limit


    @app.get("/items/")
    async def read_items(offset: int = 0, limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[str]:
        return fetch_items(offset, limit)
    ```

    ## Known problems
    A value that only slices a list already in memory, or that is only echoed back, is not flagged; neither is a
    dependency that returns the value for the route to use (the rule does not follow it there).

    ## Fix safety
    Unsafe: requests above the bound (or below 1) that used to succeed now get a 422. The bound is 100, or the
    default when that is larger.

    ## References
    - [FastAPI: Query parameters and number validations](https://fastapi.tiangolo.com/tutorial/path-params-numeric-validations/)
    - [FastAPI: SQL databases — read heroes with `Query(le=100)`](https://fastapi.tiangolo.com/tutorial/sql-databases/#read-heroes)
    """

    CODE = "FE013"
    MESSAGE = "a page-size query parameter has no upper bound"
    SEVERITY = Severity.WARNING
    FIX_TITLE = "Bound it with `Query(ge=1, le=100)`"
    FIX_SAFETY = "unsafe"
    TRIGGERS = ("limit", "size", "per_page", "perPage")
    REQUIRES = ROUTES_OR_DEPENDENCIES

    VALID: ClassVar = [
        Valid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(db, limit: Annotated[int, Query(le=100)] = 100):\n"
            "    return db.query().limit(limit)\n"
        ),
        # a clamp in the body, a comparison
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r(db, limit: int = 10):\n"
            "    return db.query().limit(min(limit, 100))\n"
            "@app.get('/b')\ndef s(db, per_page: int = 10):\n    if per_page > 50:\n        raise ValueError\n"
            "    return db.page(per_page)\n"
        ),
        # only slicing an in-memory list, only echoed back
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\nitems = []\n@app.get('/')\n"
            "def r(skip: int = 0, limit: int = 10):\n    return {'items': items[skip : skip + limit], 'limit': limit}\n"
        ),
        # a pydantic bound, a non-int, a path parameter
        Valid(
            "from typing import Annotated\nfrom fastapi import APIRouter\nfrom pydantic import Field\n"
            "router = APIRouter()\n@router.get('/{size}')\n"
            "def r(db, size: int, limit: Annotated[int, Field(lt=500)] = 10, page_size: str = 'a'):\n"
            "    return db.get(size, limit, page_size)\n"
        ),
        # not a route or dependency
        Valid("def fetch(db, limit: int = 10):\n    return db.query().limit(limit)\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n@app.get('/')\n"
            "def r(db, limit: Annotated[int, Query(ge=1)] = 10):\n    return db.query().limit(limit)\n",
            line=5,
            column=11,
            expected_fix="from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(db, limit: Annotated[int, Query(ge=1, le=100)] = 10):\n"
            "    return db.query().limit(limit)\n",
        ),
        # default style, aliased import
        Invalid(
            "import fastapi as fa\nrouter = fa.APIRouter()\n@router.get('/')\n"
            "async def r(db, page_size: int = fa.Query(500)):\n    return await db.fetch(page_size=page_size)\n",
            expected_fix="import fastapi as fa\nrouter = fa.APIRouter()\n@router.get('/')\n"
            "async def r(db, page_size: int = fa.Query(500, ge=1, le=500)):\n"
            "    return await db.fetch(page_size=page_size)\n",
        ),
        # a plain parameter: Annotated and Query are imported by the fix
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\n"
            "def r(db, per_page: int | None = None):\n    return list(range(per_page or 10))\n",
            expected_fix="from typing import Annotated\n\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(db, per_page: Annotated[int | None, Query(ge=1, le=100)] = None):\n"
            "    return list(range(per_page or 10))\n",
        ),
        # a dependency, a route inside a factory
        Invalid(
            "from fastapi import Depends, FastAPI\ndef page(db, limit: int = 50):\n    return db.scalars(limit)\n"
            "def make():\n    app = FastAPI()\n    @app.get('/')\n    def r(p=Depends(page)): ...\n    return app\n",
            line=2,
            message="`limit` has no upper bound: a client can ask for any number of rows at once",
        ),
        # arithmetic and an f-string hand it on; no fix: a pydantic constraint is there, `Query` is taken
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI\nfrom pydantic import Field\napp = FastAPI()\n"
            "@app.get('/')\ndef r(db, skip: int = 0, limit: Annotated[int, Field(ge=1)] = 10):\n"
            "    return db.fetch(skip + limit)\n",
            line=6,
        ),
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\nQuery = None\n@app.get('/')\n"
            "def r(db, size: int = 10):\n    return db.execute(f'SELECT * FROM t LIMIT {size}')\n",
            line=5,
        ),
    ]

    def finish(self) -> None:
        index = self.context.index
        functions: list[tuple[FunctionNode, tuple[str, ...]]] = [
            (route.function, path_parameters(route.full_path or "")) for route in index.routes
        ]
        functions += [
            (function, ())
            for name, function in index.functions.items()
            if name in index.dependency_functions and id(function) not in index.route_functions
        ]
        for function, path_names in functions:
            for parameter in index.parameters(function, path_names):
                if parameter.name in _NAMES and parameter.source == "query" and self._unbounded(parameter, function):
                    message = f"`{parameter.name}` has no upper bound: a client can ask for any number of rows at once"
                    self.report(parameter.node, message, edits=self._fix(parameter))

    def _unbounded(self, parameter: Parameter, function: FunctionNode) -> bool:
        index = self.context.index
        if (
            index.annotation_type(parameter.node.annotation) != "builtins.int"
            or index.type_kind(parameter.type) != "scalar"
        ):
            return False
        for item in (*parameter.metadata, parameter.marker):
            if isinstance(item, ast.Call) and (
                any(k.arg in _BOUND_KEYWORDS for k in item.keywords) or index.resolve(item.func) in _BOUND_CALLS
            ):
                return False
        return self._reaches_a_call(parameter.name, function)

    def _reaches_a_call(self, name: str, function: FunctionNode) -> bool:
        index = self.context.index
        reaches = False
        for node in index.own_nodes(function):
            if isinstance(node, ast.Compare) and any(_mentions(side, name) for side in (node.left, *node.comparators)):
                return False  # checked by hand
            if not isinstance(node, ast.Call):
                continue
            qualified = index.resolve(node.func, (function,))
            if qualified in {"builtins.min", "builtins.max"} and any(_mentions(arg, name) for arg in node.args):
                return False  # clamped
            harmless = qualified in _HARMLESS_CALLS or (
                isinstance(node.func, ast.Attribute) and node.func.attr in _HARMLESS_METHODS
            )
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if not harmless and any(_passes(argument, name) for argument in arguments):
                reaches = True
        return reaches

    def _fix(self, parameter: Parameter) -> list[Edit]:
        source, context = self.context.source, self.context
        default = parameter.default
        if isinstance(default, ast.Call) and default is parameter.marker:
            default = (
                default.args[0]
                if default.args
                else next((k.value for k in default.keywords if k.arg == "default"), None)
            )
        literal = default.value if isinstance(default, ast.Constant) and type(default.value) is int else None
        bound = f"le={max(_DEFAULT_LIMIT, literal or 0)}"
        marker = parameter.marker
        lower = "" if literal == 0 or (marker and any(k.arg in {"ge", "gt"} for k in marker.keywords)) else "ge=1, "
        if marker is not None:
            return [source.add_argument(marker, lower + bound)]
        annotation = parameter.node.annotation
        if parameter.metadata or annotation is None:
            return []
        annotated = context.import_name("typing", "Annotated")
        query = context.import_name("fastapi", "Query")
        if annotated is None or query is None:
            return []
        text = f"{annotated[0]}[{source.segment(annotation)}, {query[0]}({lower}{bound})]"
        return [*annotated[1], *query[1], source.replace(annotation, text)]


def _mentions(node: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in walk(node))


def _passes(node: ast.expr, name: str) -> bool:
    """Whether ``node`` hands the value of ``name`` on: the name itself, arithmetic on it, an f-string of it."""
    if isinstance(node, ast.Name):
        return node.id == name
    if isinstance(node, ast.BinOp):
        return _passes(node.left, name) or _passes(node.right, name)
    if isinstance(node, ast.BoolOp):
        return any(_passes(value, name) for value in node.values)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) and _passes(v.value, name) for v in node.values)
    return False
