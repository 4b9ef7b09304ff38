"""FE032: a dependency with ``yield`` whose ``except`` around the ``yield`` does not raise again."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["ExceptionSwallowedInYieldDependency"]

_NOT_FROM_ROUTE = frozenset({"builtins.GeneratorExit", "asyncio.CancelledError", "asyncio.exceptions.CancelledError"})


class ExceptionSwallowedInYieldDependency(Rule):
    """## What it does
    Flags an `except` clause of a `try` that wraps the `yield` of a dependency (a generator function passed to
    `Depends`) when the clause does not `raise` — neither the caught exception again nor a new one.

    ## Why is this bad?
    FastAPI throws the route's exception into the dependency at its `yield`. An `except` that handles it without
    raising swallows it: FastAPI can no longer tell that the request failed. The client still gets a
    500 Internal Server Error, but the server logs nothing — no traceback, no trace of which exception it was — and
    exception handlers registered for that exception never run. It is the FastAPI documentation's own warning:
    always raise again in dependencies with `yield` and `except`.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI

    app = FastAPI()


    class InternalError(Exception):
        pass


    def get_username():
        try:
            yield "Rick"
        except InternalError:
            print("Oops, we didn't raise again")


    @app.get("/items/{item_id}")
    def get_item(item_id: str, username: Annotated[str, Depends(get_username)]) -> str:
        if item_id == "portal-gun":
            raise InternalError(f"The portal gun is too dangerous to be owned by {username}")
        return item_id
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI

    app = FastAPI()


    class InternalError(Exception):
        pass


    def get_username():
        try:
            yield "Rick"
        except InternalError:
            print("We don't swallow the internal error here, we raise again 😎")
            raise


    @app.get("/items/{item_id}")
    def get_item(item_id: str, username: Annotated[str, Depends(get_username)]) -> str:
        if item_id == "portal-gun":
            raise InternalError(f"The portal gun is too dangerous to be owned by {username}")
        return item_id
    ```

    ## References
    - [FastAPI: Dependencies with yield and except](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/#dependencies-with-yield-and-except)
    """

    CODE = "FE032"
    MESSAGE = "the dependency swallows the route's exception: `except` around `yield` does not raise again"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("yield",)

    VALID: ClassVar = [
        Valid(
            "from fastapi import Depends\ndef get_db():\n    db = make()\n    try:\n        yield db\n"
            "    except Exception:\n        db.rollback()\n        raise\n    finally:\n        db.close()\n"
            "x = Depends(get_db)\n"
        ),
        # a new exception is raised
        Valid(
            "from fastapi import Depends, HTTPException\ndef owner():\n    try:\n        yield 'Rick'\n"
            "    except KeyError as e:\n        raise HTTPException(400) from e\nx = Depends(owner)\n"
        ),
        # the try does not wrap the yield
        Valid(
            "from fastapi import Depends\ndef settings():\n    try:\n        value = load()\n    except OSError:\n"
            "        value = None\n    yield value\nx = Depends(settings)\n"
        ),
        # not a dependency
        Valid("def gen():\n    try:\n        yield 1\n    except ValueError:\n        pass\n"),
        # cleanup on close, not a route exception
        Valid(
            "from fastapi import Depends\ndef dep():\n    try:\n        yield 1\n    except GeneratorExit:\n"
            "        cleanup()\nx = Depends(dep)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import Depends\ndef get_username():\n    try:\n        yield 'Rick'\n"
            "    except ValueError:\n        print('oops')\nx = Depends(get_username)\n",
            line=5,
            column=5,
        ),
        # async, Annotated alias, APIRouter, a bare except
        Invalid(
            "from typing import Annotated\nimport fastapi as fa\nasync def get_db():\n    async with S() as s:\n"
            "        try:\n            yield s\n        except:\n            await s.rollback()\n"
            "DB = Annotated[object, fa.Depends(get_db)]\nrouter = fa.APIRouter()\n@router.get('/')\n"
            "async def r(db: DB): ...\n",
            line=7,
        ),
        # the raise is only in a nested function, and the except with raise does not cover the other
        Invalid(
            "from fastapi import Security\ndef user():\n    try:\n        yield 1\n    except KeyError:\n"
            "        raise\n    except Exception:\n        def later():\n            raise\n"
            "x = Security(user)\n",
            line=7,
        ),
    ]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check(node)

    def _check(self, function: FunctionNode) -> None:
        if not self.context.is_dependency(function):
            return
        scopes = (*self.context.scopes, function)
        for node in self.context.index.own_nodes(function):
            if not isinstance(node, ast.Try | ast.TryStar):
                continue
            if not any(isinstance(n, ast.Yield | ast.YieldFrom) for n in _own(node.body)):
                continue
            for handler in node.handlers:
                kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if all(k is not None and self.context.index.resolve(k, scopes) in _NOT_FROM_ROUTE for k in kinds):
                    continue
                if not any(isinstance(n, ast.Raise) for n in _own(handler.body)):
                    self.report(handler)


def _own(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of ``body``, not inside nested functions, lambdas or classes."""
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            pending.extend(ast.iter_child_nodes(node))
