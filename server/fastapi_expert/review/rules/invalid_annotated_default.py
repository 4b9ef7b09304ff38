"""FE057: parameter defaults FastAPI refuses with ``Annotated`` (``Query("x")`` inside it, or two markers)."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, Parameter, fastapi_names, path_parameters, walk
from fastapi_expert.review.rule import ROUTES_OR_DEPENDENCIES, Edit, Invalid, Rule, Valid

__all__ = ["InvalidAnnotatedDefault"]

_DEPENDS = fastapi_names("Depends", "Security")


class InvalidAnnotatedDefault(Rule):
    """## What it does
    Flags, in the parameters of routes and dependencies:
    - a default given *inside* `Annotated` — `Annotated[str, Query("x")]`, `Annotated[int, Body(default=1)]`;
    - a FastAPI marker both in `Annotated` and as the default — `Annotated[User, Depends(get_user)] = Depends(...)`;
    - a default on a path parameter declared with `Annotated[..., Path()]`.

    ## Why is this bad?
    FastAPI rejects all three when it builds the route: importing the module raises `AssertionError` ("`Query`
    default value cannot be set in `Annotated`...", "Cannot specify `Depends` in `Annotated` and default value
    together", "Path parameters cannot have default values") and the application does not start. With `Annotated`
    the default goes after `=`, like any Python default, and a path parameter is always required.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import FastAPI, Query

    app = FastAPI()


    @app.get("/items/")
    async def read_items(q: Annotated[str, Query("fixedquery", max_length=50)]) -> dict[str, str]:
        return {"q": q}
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import FastAPI, Query

    app = FastAPI()


    @app.get("/items/")
    async def read_items(q: Annotated[str, Query(max_length=50)] = "fixedquery") -> dict[str, str]:
        return {"q": q}
    ```

    ## Fix safety
    Safe: the default moves to after `=`, which is where FastAPI reads it, with the same value. It is offered for
    a default inside `Annotated` when the parameter has no `=` default yet and one keeps the signature valid.

    ## References
    - [FastAPI: Query parameters — Annotated and defaults](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/#alternative-old-query-as-the-default-value)
    - [FastAPI: Path parameters and numeric validations](https://fastapi.tiangolo.com/tutorial/path-params-numeric-validations/)
    """

    CODE = "FE057"
    MESSAGE = "FastAPI refuses this parameter's default and the app does not start"
    SEVERITY = Severity.ERROR
    FIX_TITLE = "Move the default after `=`"
    FIX_SAFETY = "safe"
    TRIGGERS = ("Annotated",)
    REQUIRES = ROUTES_OR_DEPENDENCIES

    VALID: ClassVar = [
        Valid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\n"
            "def r(q: Annotated[str, Query(max_length=5)] = 'x', p: Annotated[str, Query(...)] = 'y'): ...\n"
        ),
        # default-value style without Annotated
        Valid("import fastapi as fa\napp = fa.FastAPI()\n@app.get('/')\ndef r(q: str = fa.Query('x')): ...\n"),
        # a default factory is allowed
        Valid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(q: Annotated[list[str], Query(default_factory=list)]): ...\n"
        ),
        # not a route or dependency: pydantic's Field in a model
        Valid(
            "from typing import Annotated\nfrom pydantic import BaseModel, Field\n"
            "class M(BaseModel):\n    a: Annotated[int, Field(1)]\n"
        ),
        # a dependency in Annotated without a default
        Valid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\napp = FastAPI()\ndef user(): ...\n"
            "@app.get('/')\ndef r(u: Annotated[dict, Depends(user)]): ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(q: Annotated[str | None, Query(None, max_length=5)]): ...\n",
            line=5,
            column=38,
            message="`Query` default value cannot be set in `Annotated`: FastAPI refuses to start; use `= None`",
            expected_fix="from typing import Annotated\nfrom fastapi import FastAPI, Query\napp = FastAPI()\n"
            "@app.get('/')\ndef r(q: Annotated[str | None, Query(max_length=5)] = None): ...\n",
        ),
        # a keyword default; aliased import; a router; a dependency
        Invalid(
            "from typing import Annotated\nimport fastapi as fa\nrouter = fa.APIRouter()\n"
            "def page(size: Annotated[int, fa.Query(default=10)], *, q: str): ...\n"
            "@router.get('/')\ndef r(p=fa.Depends(page)): ...\n",
            expected_fix="from typing import Annotated\nimport fastapi as fa\nrouter = fa.APIRouter()\n"
            "def page(size: Annotated[int, fa.Query()] = 10, *, q: str): ...\n"
            "@router.get('/')\ndef r(p=fa.Depends(page)): ...\n",
        ),
        # Depends twice, in a factory
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\ndef user(): ...\n"
            "def make():\n    app = FastAPI()\n    @app.get('/')\n"
            "    def r(u: Annotated[dict, Depends(user)] = Depends(user)): ...\n    return app\n",
            line=7,
            message="a FastAPI marker is both in `Annotated` and the default: FastAPI refuses to start",
        ),
        # a path parameter with a default
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Path\napp = FastAPI()\n"
            "@app.get('/items/{item_id}')\ndef r(item_id: Annotated[int, Path(gt=0)] = 1): ...\n",
            line=5,
            message="a path parameter cannot have a default: FastAPI refuses to start",
        ),
        # a required parameter follows: reported, not fixed
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Header\napp = FastAPI()\n"
            "@app.get('/')\ndef r(h: Annotated[str, Header('x')], q: str): ...\n",
            line=5,
        ),
        Invalid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Cookie\napp = FastAPI()\n"
            "@app.get('/')\ndef r(c: Annotated[str, Cookie(alias='sid', default='')]): ...\n",
            expected_fix="from typing import Annotated\nfrom fastapi import FastAPI, Cookie\napp = FastAPI()\n"
            "@app.get('/')\ndef r(c: Annotated[str, Cookie(alias='sid')] = ''): ...\n",
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
            parameters = index.parameters(function, path_names)
            for position in range(len(parameters)):
                self._check(parameters, position, set(path_names))

    def _check(self, parameters: tuple[Parameter, ...], position: int, path_names: set[str]) -> None:
        index = self.context.index
        parameter = parameters[position]
        markers = [m for m in map(index.marker, parameter.metadata) if m is not None]
        if not markers:
            return
        annotated = markers[-1]
        if parameter.default is not None and index.marker(parameter.default) is not None:
            message = "a FastAPI marker is both in `Annotated` and the default: FastAPI refuses to start"
            self.report(parameter.default, message)
            return
        if index.resolve(annotated.func) in _DEPENDS:
            return
        if parameter.default is not None and parameter.name in path_names:
            self.report(parameter.default, "a path parameter cannot have a default: FastAPI refuses to start")
            return
        default = annotated.args[0] if annotated.args else None
        keyword = next((k for k in annotated.keywords if k.arg == "default"), None)
        value = default if default is not None else keyword.value if keyword is not None else None
        if value is None or (isinstance(value, ast.Constant) and value.value is Ellipsis):
            return
        text = self.context.source.segment(value)
        name = ast.unparse(annotated.func).rsplit(".", 1)[-1]
        message = f"`{name}` default value cannot be set in `Annotated`: FastAPI refuses to start; use `= {text}`"
        node: ast.AST = default if default is not None else keyword or value
        self.report(node, message, edits=self._fix(parameters, position, annotated, node, text))

    def _fix(
        self, parameters: tuple[Parameter, ...], position: int, call: ast.Call, node: ast.AST, text: str
    ) -> list[Edit]:
        parameter = parameters[position]
        annotation = parameter.node.annotation
        later = parameters[position + 1 :]
        inside = annotation is not None and any(n is call for n in walk(annotation))
        valid = parameter.keyword_only or all(p.default is not None or p.keyword_only for p in later)
        if parameter.default is not None or not inside or not valid or annotation is None:
            return []
        source = self.context.source
        arguments: list[ast.AST] = sorted([*call.args, *call.keywords], key=source.start)
        index = next(i for i, a in enumerate(arguments) if a is node)
        if index + 1 < len(arguments):
            start, end = source.start(node), source.start(arguments[index + 1])
        elif index > 0:
            start, end = source.end(arguments[index - 1]), source.end(node)
        else:
            start, end = source.start(node), source.end(node)
        return [Edit(*start, *end, ""), source.insert_after(annotation, f" = {text}")]
