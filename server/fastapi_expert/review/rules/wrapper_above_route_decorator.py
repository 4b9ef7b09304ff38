"""FE054: a wrapping decorator placed above the route decorator, so FastAPI registers the unwrapped function."""

from __future__ import annotations

import ast
from functools import cached_property
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, walk
from fastapi_expert.review.rule import ROUTES, Invalid, Rule, Valid

__all__ = ["WrapperAboveRouteDecorator"]

_CACHES = frozenset({"functools.lru_cache", "functools.cache"})


class WrapperAboveRouteDecorator(Rule):
    """## What it does
    Flags a decorator written *above* a route decorator (`@app.get(...)`) when it wraps the function: a decorator
    of the module that returns an inner function (`def login_required(f): ... return wrapper`, or a factory such
    as `@require_role("admin")`), or `functools.lru_cache`/`cache`.

    ## Why is this bad?
    Decorators apply bottom-up. `@app.get` runs first: it registers the plain function and returns it; the
    decorator above then wraps it, but FastAPI already holds the unwrapped one. The wrapper never runs for a
    request: the authentication check, the rate limit, the cache or the logging it adds is silently skipped,
    while the code reads as if it applied.

    ## Example
    ```python
    import functools
    from collections.abc import Callable
    from typing import Any

    from fastapi import FastAPI, HTTPException

    app = FastAPI()


    def admin_only(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not kwargs.get("is_admin"):
                raise HTTPException(status_code=403)
            return await func(*args, **kwargs)

        return wrapper


    @admin_only
    @app.delete("/items/{item_id}")
    async def delete_item(item_id: int, is_admin: bool = False) -> None:
        return None
    ```

    ## Use instead
    ```python
    import functools
    from collections.abc import Callable
    from typing import Any

    from fastapi import FastAPI, HTTPException

    app = FastAPI()


    def admin_only(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not kwargs.get("is_admin"):
                raise HTTPException(status_code=403)
            return await func(*args, **kwargs)

        return wrapper


    @app.delete("/items/{item_id}")
    @admin_only
    async def delete_item(item_id: int, is_admin: bool = False) -> None:
        return None
    ```

    ## Known problems
    Decorators imported from other modules are not judged (a registration decorator, such as one that also
    exposes the function elsewhere, is fine above the route). For checks, a dependency
    (`dependencies=[Depends(require_admin)]`) is the FastAPI way and needs no decorator at all.

    ## References
    - [FastAPI: Dependencies in path operation decorators](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-in-path-operation-decorators/)
    - [Python: Function definitions — decorators](https://docs.python.org/3/reference/compound_stmts.html#function-definitions)
    """

    CODE = "FE054"
    MESSAGE = "a decorator above the route decorator never runs for requests"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("@",)
    REQUIRES = ROUTES

    VALID: ClassVar = [
        # below the route decorator
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\ndef logged(f):\n    def w(*a, **k):\n"
            "        return f(*a, **k)\n    return w\n@app.get('/')\n@logged\ndef r(): ...\n"
        ),
        # two routes stacked; a registering decorator that returns the function itself
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\nREGISTRY = []\ndef register(f):\n"
            "    REGISTRY.append(f)\n    return f\n@register\n@app.get('/a')\n@app.get('/b')\ndef r(): ...\n"
        ),
        # an imported decorator cannot be judged
        Valid(
            "from fastapi import FastAPI\nfrom mcp import tool\napp = FastAPI()\n@tool()\n@app.get('/')\ndef r(): ...\n"
        ),
        # not a route
        Valid("def logged(f):\n    def w():\n        return f()\n    return w\n@logged\ndef r(): ...\n"),
        # a local decorator that is not a function of this module
        Valid(
            "from fastapi import FastAPI\nfrom app.limits import Limiter\napp = FastAPI()\nlimit = Limiter()\n"
            "@limit\n@app.get('/')\ndef r(): ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\ndef logged(f):\n    def w(*a, **k):\n"
            "        return f(*a, **k)\n    return w\n@logged\n@app.get('/')\ndef r(): ...\n",
            line=7,
            column=2,
            message="`@logged` is above the route decorator: FastAPI registered the undecorated function, so "
            "`logged` never runs for requests",
        ),
        # a decorator factory; aliased import; a router
        Invalid(
            "import fastapi as fa\nrouter = fa.APIRouter()\ndef require(role):\n    def deco(f):\n"
            "        async def w(*a, **k):\n            return await f(*a, **k)\n        return w\n"
            "    return deco\n@require('admin')\n@router.delete('/x')\nasync def r(): ...\n",
            line=9,
        ),
        # functools caching; inside a factory
        Invalid(
            "from functools import lru_cache\nfrom fastapi import FastAPI\ndef make():\n    app = FastAPI()\n"
            "    @lru_cache\n    @app.get('/config')\n    def r(): ...\n    return app\n",
            line=5,
        ),
    ]

    def visit_FunctionDef(self, node: FunctionNode) -> None:
        routes = self.route_decorators.get(id(node))
        if not routes:
            return
        positions = [i for i, decorator in enumerate(node.decorator_list) if id(decorator) in routes]
        for decorator in node.decorator_list[: max(positions)]:
            if id(decorator) in routes:
                continue
            name = self._wrapper_name(decorator)
            if name is not None:
                message = (
                    f"`@{name}` is above the route decorator: FastAPI registered the undecorated function, "
                    f"so `{name}` never runs for requests"
                )
                self.report(decorator, message)

    visit_AsyncFunctionDef = visit_FunctionDef

    @cached_property
    def route_decorators(self) -> dict[int, set[int]]:
        """``id()`` of each route function -> ``id()`` of its route decorators."""
        found: dict[int, set[int]] = {}
        for route in self.context.index.routes:
            found.setdefault(id(route.function), set()).add(id(route.decorator))
        return found

    def _wrapper_name(self, decorator: ast.expr) -> str | None:
        """The decorator's name when it wraps the function it decorates (``None`` when unknown or it does not)."""
        index = self.context.index
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        qualified = self.context.qualified_name(target) or ""
        if qualified in _CACHES:
            return ast.unparse(target)
        if not isinstance(target, ast.Name) or qualified != f"<local>.{target.id}":
            return None
        function = index.functions.get(target.id)
        if function is None:
            return None
        if isinstance(decorator, ast.Call):  # a factory: it returns the decorator, which returns the wrapper
            inner = _returned_function(function)
            return target.id if inner is not None and _returned_function(inner) is not None else None
        return target.id if _returned_function(function) is not None else None


def _returned_function(function: FunctionNode) -> FunctionNode | None:
    """The function defined directly in ``function``'s body that ``function`` returns, if any."""
    inner = {s.name: s for s in function.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
    for node in walk(function):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in inner:
            return inner[node.value.id]
    return None
