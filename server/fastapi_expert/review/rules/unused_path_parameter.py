"""FE012: a ``{param}`` of the route path that neither the function nor its dependencies take."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, Route, fastapi_names
from fastapi_expert.review.rule import ROUTES, Invalid, Rule, Valid

__all__ = ["UnusedPathParameter"]

_MAX_DEPTH = 8
_DEPENDS = fastapi_names("Depends", "Security")


class UnusedPathParameter(Rule):
    """## What it does
    Flags a `{name}` in a route's path that no parameter of the route function takes, nor any of its dependencies
    (`Depends`/`Security` in defaults, in `Annotated`, through module-level aliases such as
    `ItemDep = Annotated[Item, Depends(get_item)]` or variables holding a `Depends(...)`, in the decorator's or the
    router's `dependencies=`), nor a `Path(alias=...)`.

    ## Why is this bad?
    FastAPI matches the URL, captures the value and drops it. The function usually meant to read it under another
    name (`{item_id}` in the path, `id: int` in the signature): that name then becomes a *required query parameter*,
    and every request to the route fails with 422, or the route silently serves the wrong resource.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    async def read_item(id: int) -> dict[str, int]:
        return {"id": id}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}
    ```

    ## Known problems
    The rule stays silent when it cannot see every parameter: a dependency or an annotation alias imported from
    another module, a dependency factory (`Depends(make_checker("x"))`), a route class of its own (`route_class=`),
    a `Request` parameter in a module that reads `path_params`, a decorator besides the route's (it may change the
    signature FastAPI sees) or a method of a class-based view. A dependency added to the router only where
    another module includes it (`include_router(router, dependencies=[...])`) is not seen. Only the decorator's own
    path is checked: the parameters of a router prefix are often taken by router-level dependencies.

    ## References
    - [FastAPI: Path parameters](https://fastapi.tiangolo.com/tutorial/path-params/)
    - [FastAPI: Dependencies in path operation decorators](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-in-path-operation-decorators/)
    """

    CODE = "FE012"
    MESSAGE = "a path parameter is not taken by the route function or its dependencies"
    SEVERITY = Severity.ERROR
    OVERLAPS = ("FAST003",)
    TRIGGERS = ("{",)
    REQUIRES = ROUTES

    VALID: ClassVar = [
        Valid("from fastapi import FastAPI\napp = FastAPI()\n@app.get('/items/{item_id}')\ndef r(item_id: int): ...\n"),
        # an Annotated alias of a dependency that takes it (ruff's FAST003 false positive)
        Valid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\napp = FastAPI()\n"
            "def get_item(item_id: int) -> dict: ...\nItemDep = Annotated[dict, Depends(get_item)]\n"
            "@app.get('/items/{item_id}')\ndef r(item: ItemDep): ...\n"
        ),
        # a Depends stored in a variable
        Valid(
            "from fastapi import Depends, FastAPI\napp = FastAPI()\ndef get_item(item_id: int) -> dict: ...\n"
            "item_dep = Depends(get_item)\n@app.get('/items/{item_id}')\ndef r(item: dict = item_dep): ...\n"
        ),
        # a sub-dependency of a class dependency, and a decorator dependency
        Valid(
            "from fastapi import Depends, APIRouter\nrouter = APIRouter()\n"
            "def check_owner(owner_id: str): ...\n"
            "class Finder:\n    def __init__(self, item_id: int, owner: None = Depends(check_owner)): ...\n"
            "@router.get('/{owner_id}/items/{item_id}', dependencies=[Depends(Finder)])\ndef r(): ...\n"
        ),
        # a Path alias, a path converter
        Valid(
            "from typing import Annotated\nimport fastapi as fa\napp = fa.FastAPI()\n"
            "@app.get('/files/{file_path:path}')\ndef r(p: Annotated[str, fa.Path(alias='file_path')]): ...\n"
        ),
        # imported dependencies and aliases cannot be seen: silent
        Valid(
            "from fastapi import Depends, FastAPI\nfrom app.deps import get_item, ItemDep\napp = FastAPI()\n"
            "@app.get('/items/{item_id}')\ndef r(item=Depends(get_item)): ...\n"
            "@app.get('/other/{item_id}')\ndef s(item: ItemDep): ...\n"
        ),
        # the request's path_params are read by hand
        Valid(
            "from fastapi import FastAPI, Request\napp = FastAPI()\n@app.get('/items/{item_id}')\n"
            "def r(request: Request):\n    return request.path_params['item_id']\n"
        ),
        # a router-level dependency takes it
        Valid(
            "from fastapi import APIRouter, Depends\ndef tenant(tenant_id: str): ...\n"
            "router = APIRouter(dependencies=[Depends(tenant)])\n@router.get('/{tenant_id}/items')\ndef r(): ...\n"
        ),
        # a wrapper below the route decorator, a class-based view: the signature FastAPI sees is not this one
        Valid(
            "from fastapi import APIRouter\nfrom app.cache import cached\nrouter = APIRouter()\n"
            "@router.get('/items/{item_id}')\n@cached(60)\ndef r(**kwargs): ...\n"
            "class View:\n    @router.get('/users/{user_id}')\n    def get(self): ...\n"
        ),
        # not a route: a format string of the same shape
        Valid("def f(item_id):\n    return '/items/{item_id}'.format(item_id=item_id)\n"),
        # a callable instance, a pydantic model dependency, an include_router dependency, an unseen decorator one
        Valid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\nfrom pydantic import BaseModel\n"
            "from app.auth import verify\napp = FastAPI()\nclass Checker:\n    def __call__(self, a: int): ...\n"
            "checker = Checker()\nclass Filter(BaseModel):\n    b: int\n"
            "@app.get('/{a}', dependencies=[Depends(checker)])\ndef r(): ...\n"
            "@app.get('/x/{b}')\ndef s(f: Annotated[Filter, Depends()]): ...\n"
            "@app.get('/y/{c}', dependencies=[Depends(verify)])\ndef t(): ...\n"
            "def tenant(d: str): ...\napp.include_router(app.router, dependencies=[Depends(tenant)])\n"
            "@app.get('/z/{d}')\ndef u(): ...\n"
        ),
        # a route class of its own; a dependency built by a factory call
        Valid(
            "from fastapi import APIRouter, Depends\nfrom app.routing import TenantRoute\n"
            "router = APIRouter(route_class=TenantRoute)\n@router.get('/{tenant}/items')\ndef r(): ...\n"
            "def make(): ...\ndep = make()\nother = APIRouter()\n"
            "@other.get('/{item_id}', dependencies=[Depends(dep)])\ndef s(): ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/items/{item_id}')\nasync def r(id: int): ...\n",
            line=3,
            column=10,
            message="path parameter `item_id` is not taken by `r` or its dependencies",
        ),
        Invalid(
            "import fastapi as fa\nrouter = fa.APIRouter(prefix='/users')\n"
            "@router.get('/{user_id}/items/{item_id}')\nasync def r(user_id: int): ...\n",
            message="path parameter `item_id` is not taken by `r` or its dependencies",
        ),
        # a route defined inside an application factory
        Invalid(
            "from fastapi import FastAPI\ndef create_app():\n    app = FastAPI()\n"
            "    @app.delete('/items/{item_id}')\n    def remove(item: int): ...\n    return app\n",
            line=4,
        ),
        # the dependency takes another name
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\napp = FastAPI()\n"
            "def get_user(user_id: int) -> dict: ...\nUserDep = Annotated[dict, Depends(get_user)]\n"
            "@app.get('/items/{item_id}')\ndef r(user: UserDep): ...\n",
            message="path parameter `item_id` is not taken by `r` or its dependencies",
        ),
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/files/{file_path:path}')\n"
            "def r(path: str): ...\n",
            message="path parameter `file_path` is not taken by `r` or its dependencies",
        ),
        Invalid(
            "from fastapi import FastAPI, WebSocket\napp = FastAPI()\n@app.websocket('/ws/{room}')\n"
            "async def ws(websocket: WebSocket): ...\n",
        ),
        # a class dependency whose method comes from an unseen base stays silent; a plain class takes nothing
        Invalid(
            "from fastapi import Depends, FastAPI\nfrom app.base import Base\napp = FastAPI()\n"
            "class Seen:\n    pass\nclass Unseen(Base):\n    pass\nclass Caller:\n    pass\ncaller = Caller()\n"
            "@app.get('/a/{x}')\ndef a(u=Depends(Unseen)): ...\n"
            "@app.get('/c/{x}')\ndef c(u=Depends(caller)): ...\n"
            "@app.get('/b/{y}')\ndef b(s=Depends(Seen)): ...\n",
            line=15,
            message="path parameter `y` is not taken by `b` or its dependencies",
        ),
    ]

    def finish(self) -> None:
        if "path_params" in self.context.source.text:
            return
        index = self.context.index
        # Dependencies that may apply to any route of the module: the apps' and those given to include_router.
        shared: list[ast.expr] = [dep for owner in index.owners.values() for dep in owner.dependencies]
        for node in index.nodes_of(ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "include_router":
                shared += [
                    e
                    for k in node.keywords
                    if k.arg == "dependencies" and isinstance(k.value, ast.List | ast.Tuple)
                    for e in k.value.elts
                ]
        for route in index.routes:
            if not route.path_parameters or any(k.arg == "route_class" for k in route.owner.call.keywords):
                continue
            arguments = route.function.args.posonlyargs + route.function.args.args
            if index.other_decorators(route.function) or (arguments and arguments[0].arg in {"self", "cls"}):
                continue  # a wrapper or a class-based view: the signature FastAPI sees is not this one
            self._check(route, shared)

    def _check(self, route: Route, shared: list[ast.expr]) -> None:
        names = set(route.path_parameters)
        taken = _Taken(self, names)
        found = taken.by_function(route.function)
        for dependency in route.dependencies:  # the decorator's and its router's: they may take it
            marker = self.context.index.marker(dependency)
            more = taken.by_marker(marker, None) if marker is not None else None
            if found is None or more is None:
                return
            found |= more
        if found is None:
            return
        for dependency in shared:  # app-wide ones apply to every route: one that cannot be seen is ignored
            marker = self.context.index.marker(dependency)
            found |= (taken.by_marker(marker, None) if marker is not None else None) or set()
        node = (
            route.decorator.args[0]
            if route.decorator.args
            else next((k.value for k in route.decorator.keywords if k.arg == "path"), route.decorator)
        )
        for name in route.path_parameters:
            if name not in found:
                self.report(
                    node, f"path parameter `{name}` is not taken by `{route.function.name}` or its dependencies"
                )


class _Taken:
    """The names a function and its dependencies take, or ``None`` where some cannot be seen."""

    def __init__(self, rule: UnusedPathParameter, path_names: set[str]) -> None:
        self.index = rule.context.index
        self.path_names = path_names
        self.seen: set[int] = set()

    def by_function(self, function: FunctionNode, depth: int = 0) -> set[str] | None:
        if depth > _MAX_DEPTH or id(function) in self.seen:
            return set()
        self.seen.add(id(function))
        names: set[str] = set()
        for parameter in self.index.parameters(function, self.path_names):
            names.add(parameter.name)
            if parameter.marker is not None:
                more = self.by_marker(parameter.marker, parameter.type, depth)
                if more is None:
                    return None
                names |= more
            elif parameter.source == "unknown" and self.index.local_class(parameter.type) is None:
                return None  # an imported type: maybe an Annotated alias of a dependency
        return names

    def by_marker(self, marker: ast.Call, annotation: ast.expr | None, depth: int = 0) -> set[str] | None:
        names = {
            k.value.value
            for k in marker.keywords
            if k.arg in {"alias", "validation_alias"}
            and isinstance(k.value, ast.Constant)
            and isinstance(k.value.value, str)
        }
        if self.index.resolve(marker.func) not in _DEPENDS:
            return names
        target = (
            marker.args[0]
            if marker.args
            else next((k.value for k in marker.keywords if k.arg == "dependency"), annotation)
        )
        more = self.by_dependency(target, depth + 1)
        return None if more is None else names | more

    def by_dependency(self, target: ast.expr | None, depth: int) -> set[str] | None:
        index = self.index
        if not isinstance(target, ast.Name) or index.resolve(target) != f"<local>.{target.id}":
            return None
        name = target.id
        if name in index.functions and name not in index.classes:
            return self.by_function(index.functions[name], depth)
        if name in index.classes:
            return self._by_class(name, "__init__", depth)
        instance = index.module_constants.get(name)
        if isinstance(instance, ast.Call) and isinstance(instance.func, ast.Name) and instance.func.id in index.classes:
            return self._by_class(instance.func.id, "__call__", depth)
        return None

    def _by_class(self, name: str, method: str, depth: int) -> set[str] | None:
        index = self.index
        node = index.classes[name]
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == method:
                return self.by_function(statement, depth)
        if node.bases and name not in index.model_classes:
            return None  # the method may come from a base this module does not define
        if method == "__call__":
            return None
        return {field for field, _ in index.class_fields(name)}
