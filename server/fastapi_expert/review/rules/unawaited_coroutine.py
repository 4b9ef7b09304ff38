"""FE019: a known coroutine method called without ``await``."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import ASYNC_SESSIONS, fastapi_names
from fastapi_expert.review.rule import Edit, Invalid, Rule, Valid

__all__ = ["UnawaitedCoroutine"]

_HTTP = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "aclose"})
_SESSION = frozenset(
    {"commit", "execute", "refresh", "get", "get_one", "scalars", "scalar", "delete", "flush", "close", "rollback"}
    | {"merge", "stream", "stream_scalars", "run_sync", "exec"}
)
_WEBSOCKET = frozenset(
    {"send", "send_text", "send_bytes", "send_json", "receive", "receive_text", "receive_bytes", "receive_json"}
    | {"accept", "close"}
)
_UPLOAD = frozenset({"read", "write", "seek", "close"})
_REQUEST = frozenset({"body", "json", "form"})


def _spellings(name: str, *modules: str) -> frozenset[str]:
    return fastapi_names(name) | {f"{module}.{name}" for module in modules}


#: Class (every spelling) -> its coroutine methods.
_COROUTINES: dict[str, frozenset[str]] = {
    **dict.fromkeys(ASYNC_SESSIONS, _SESSION),
    "httpx.AsyncClient": _HTTP,
    **dict.fromkeys(_spellings("WebSocket", "fastapi.websockets", "starlette.websockets"), _WEBSOCKET),
    **dict.fromkeys(_spellings("UploadFile", "fastapi.datastructures", "starlette.datastructures"), _UPLOAD),
    **dict.fromkeys(_spellings("Request", "fastapi.requests", "starlette.requests"), _REQUEST),
}

#: Every coroutine method name of those classes.
_METHODS = frozenset(method for methods in _COROUTINES.values() for method in methods)


class UnawaitedCoroutine(Rule):
    """## What it does
    Flags a coroutine method called without `await` inside an `async def`: `AsyncSession.commit/execute/refresh/get/
    scalars/scalar/delete/flush/close/rollback`, `httpx.AsyncClient.get/post/.../send`, `WebSocket.send_*/receive_*/
    accept/close`, `UploadFile.read/write/seek/close` and `Request.body/json/form`. The receiver's class must be known
    from a parameter annotation (`Annotated[AsyncSession, Depends(...)]` and module-level aliases such as
    `SessionDep` included) or from an assignment in the function. The call is flagged when its result is discarded,
    used at once (`session.execute(q).scalars()`, `for x in session.scalars(q)`), or assigned to a name that is only
    used that way.

    ## Why is this bad?
    Calling a coroutine function only creates a coroutine object; nothing runs until it is awaited. The commit never
    happens, the message is never sent, and Python prints "coroutine ... was never awaited" — or the next line fails
    with `AttributeError: 'coroutine' object has no attribute 'scalars'`. Tests that do not check the database often
    pass anyway, so the bug reaches production.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlalchemy.ext.asyncio import AsyncSession

    from .db import Item, get_session

    app = FastAPI()


    @app.post("/items/")
    async def create_item(name: str, session: Annotated[AsyncSession, Depends(get_session)]) -> dict[str, str]:
        session.add(Item(name=name))
        session.commit()
        return {"name": name}
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlalchemy.ext.asyncio import AsyncSession

    from .db import Item, get_session

    app = FastAPI()


    @app.post("/items/")
    async def create_item(name: str, session: Annotated[AsyncSession, Depends(get_session)]) -> dict[str, str]:
        session.add(Item(name=name))
        await session.commit()
        return {"name": name}
    ```

    ## Known problems
    A coroutine kept in a variable and handed on (`asyncio.wait_for(coro, 5)`, `create_task(coro)`) is legitimate and
    not flagged; neither is a call in a plain `def`, where there is nothing to await.

    ## Fix safety
    Safe: `await` makes the call do what it was written to do; the value used afterwards is the awaited result.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [SQLAlchemy: Asynchronous I/O (asyncio)](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html)
    """

    CODE = "FE019"
    MESSAGE = "a coroutine is called without `await`"
    SEVERITY = Severity.ERROR
    FIX_TITLE = "Add `await`"
    FIX_SAFETY = "safe"
    TRIGGERS = ("async def",)

    VALID: ClassVar = [
        Valid(
            "from sqlalchemy.ext.asyncio import AsyncSession\nasync def f(s: AsyncSession):\n    s.add(x)\n"
            "    await s.commit()\n    r = (await s.execute(q)).scalars()\n"
        ),
        # handed to asyncio: a coroutine object is what is wanted
        Valid(
            "import asyncio\nfrom fastapi import WebSocket\nasync def f(ws: WebSocket):\n"
            "    msg = await asyncio.wait_for(ws.receive_text(), 5)\n    coro = ws.receive_json()\n"
            "    task = asyncio.create_task(coro)\n"
        ),
        # a sync def: nothing to await (and FastAPI's sync Session is not a coroutine)
        Valid("from fastapi import UploadFile\ndef f(file: UploadFile):\n    return file.file.read()\n"),
        Valid("from sqlalchemy.orm import Session\nasync def f(s: Session):\n    s.commit()\n"),
        # unknown receiver type
        Valid("async def f(s):\n    s.commit()\n"),
        # async with request.form() is the context-manager form
        Valid(
            "from fastapi import Request\nasync def f(request: Request):\n"
            "    async with request.form() as form:\n        return form['a']\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from sqlalchemy.ext.asyncio import AsyncSession\nasync def f(s: AsyncSession):\n    s.commit()\n",
            line=3,
            column=5,
            message="`s.commit()` is a coroutine and is never awaited",
            expected_fix="from sqlalchemy.ext.asyncio import AsyncSession\nasync def f(s: AsyncSession):\n"
            "    await s.commit()\n",
        ),
        # a module-level Annotated alias; the result used at once
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends, APIRouter\n"
            "from sqlalchemy.ext.asyncio import AsyncSession as AS\nSessionDep = Annotated[AS, Depends(get_s)]\n"
            "router = APIRouter()\n@router.get('/')\nasync def r(session: SessionDep):\n"
            "    return session.execute(q).scalars().all()\n",
            line=8,
            expected_fix="from typing import Annotated\nfrom fastapi import Depends, APIRouter\n"
            "from sqlalchemy.ext.asyncio import AsyncSession as AS\nSessionDep = Annotated[AS, Depends(get_s)]\n"
            "router = APIRouter()\n@router.get('/')\nasync def r(session: SessionDep):\n"
            "    return (await session.execute(q)).scalars().all()\n",
        ),
        # a client built in the function; the result assigned and then used
        Invalid(
            "import httpx\nasync def f():\n    async with httpx.AsyncClient() as client:\n"
            "        response = client.get('https://example.com')\n        return response.json()\n",
            line=4,
            expected_fix="import httpx\nasync def f():\n    async with httpx.AsyncClient() as client:\n"
            "        response = await client.get('https://example.com')\n        return response.json()\n",
        ),
        # a websocket route inside a function; default-value style upload
        Invalid(
            "import fastapi\ndef build(app):\n    @app.websocket('/ws')\n"
            "    async def ws(websocket: fastapi.WebSocket):\n        websocket.accept()\n",
            line=5,
            expected_fix="import fastapi\ndef build(app):\n    @app.websocket('/ws')\n"
            "    async def ws(websocket: fastapi.WebSocket):\n        await websocket.accept()\n",
        ),
        Invalid(
            "from fastapi import File, UploadFile\nasync def r(file: UploadFile = File()):\n"
            "    for line in file.read().splitlines():\n        print(line)\n",
            line=3,
        ),
        Invalid(
            "from starlette.requests import Request\nasync def r(request: Request):\n    data = request.json()\n"
            "    return data['a']\n",
            line=3,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        scopes = self.context.scopes
        if not scopes or not isinstance(scopes[-1], ast.AsyncFunctionDef):
            return
        func = node.func
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name) or func.attr not in _METHODS:
            return
        kind = self.context.type_of(func.value)
        if kind is None or func.attr not in _COROUTINES.get(kind, ()):
            return
        parent = self.context.stack[-1]
        text = self.context.source.segment(node)
        edit: Edit | None = None
        if isinstance(parent, ast.Expr | ast.For) or (isinstance(parent, ast.Assign) and self._used_as_result(parent)):
            edit = self.context.source.insert_before(node, "await ")
        elif isinstance(parent, ast.Attribute | ast.Subscript) and parent.value is node:
            edit = self.context.source.replace(node, f"(await {text})")
        if edit is not None:
            self.report(node, f"`{func.value.id}.{func.attr}()` is a coroutine and is never awaited", [edit])

    def _used_as_result(self, assign: ast.Assign) -> bool:
        """``x = coro()`` where ``x`` is only used as a result (``x.attr``, ``x[...]``), never awaited or passed."""
        if len(assign.targets) != 1 or not isinstance(assign.targets[0], ast.Name):
            return False
        function = self.context.scopes[-1]
        if not isinstance(function, ast.AsyncFunctionDef):
            return False
        name = assign.targets[0].id
        nodes = self.context.index.own_nodes(function)
        if sum(isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign) and _binds(n, name) for n in nodes) != 1:
            return False
        used = {
            id(n.value)
            for n in nodes
            if isinstance(n, ast.Attribute | ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == name
        }
        loads = [n for n in nodes if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
        return bool(loads) and all(id(n) in used for n in loads)


def _binds(node: ast.Assign | ast.AugAssign | ast.AnnAssign, name: str) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)
