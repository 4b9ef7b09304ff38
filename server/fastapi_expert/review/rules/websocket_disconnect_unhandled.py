"""FE016: a websocket handler that loops on ``receive_*`` and never handles ``WebSocketDisconnect``."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, fastapi_names, walk
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["WebsocketDisconnectUnhandled"]

_WEBSOCKETS = fastapi_names("WebSocket") | {"fastapi.websockets.WebSocket", "starlette.websockets.WebSocket"}
_HANDLERS = (
    fastapi_names("WebSocketDisconnect")
    | {"fastapi.websockets.WebSocketDisconnect", "starlette.websockets.WebSocketDisconnect"}
    | {"builtins.Exception", "builtins.BaseException"}
)
_SUPPRESS = frozenset({"contextlib.suppress"})
_RECEIVE = frozenset({"receive_text", "receive_bytes", "receive_json"})


class WebsocketDisconnectUnhandled(Rule):
    """## What it does
    Flags a websocket route that calls `receive_text()`, `receive_bytes()` or `receive_json()` in a loop and has no
    `except WebSocketDisconnect` (nor `except Exception`, a bare `except` or `contextlib.suppress(...)` of it).

    ## Why is this bad?
    When the client goes away, the next `receive_*()` raises `WebSocketDisconnect`. Unhandled, it escapes the
    handler: the server logs an "Exception in ASGI application" traceback for every closed tab, and the cleanup the
    handler should do — removing the connection from a manager, telling the other clients — never happens, so later
    broadcasts write to dead sockets.

    ## Example
    ```python
    from fastapi import FastAPI, WebSocket

    app = FastAPI()


    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            data = await websocket.receive_text()
            await websocket.send_text(data)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, WebSocket, WebSocketDisconnect

    app = FastAPI()


    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                data = await websocket.receive_text()
                await websocket.send_text(data)
        except WebSocketDisconnect:
            pass
    ```

    `async for data in websocket.iter_text():` is fine as it is: the iterator ends quietly on disconnect.

    ## Known problems
    A handler that delegates its loop to a helper function is not followed; the disconnect may be handled there.

    ## References
    - [FastAPI: WebSockets — handling disconnections](https://fastapi.tiangolo.com/advanced/websockets/#handling-disconnections-and-multiple-clients)
    """

    CODE = "FE016"
    MESSAGE = "the websocket handler loops on `receive_*()` but never handles `WebSocketDisconnect`"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("receive_",)

    VALID: ClassVar = [
        Valid(
            "from fastapi import FastAPI, WebSocket, WebSocketDisconnect as Gone\napp = FastAPI()\n"
            "@app.websocket('/ws')\nasync def ws(websocket: WebSocket):\n    try:\n        while True:\n"
            "            await websocket.receive_text()\n    except (ValueError, Gone):\n        pass\n"
        ),
        # iter_text() ends on disconnect
        Valid(
            "from fastapi import FastAPI, WebSocket\napp = FastAPI()\n@app.websocket('/ws')\n"
            "async def ws(websocket: WebSocket):\n    async for m in websocket.iter_text():\n"
            "        await websocket.send_text(m)\n"
        ),
        # one message, no loop
        Valid(
            "from fastapi import FastAPI, WebSocket\napp = FastAPI()\n@app.websocket('/ws')\n"
            "async def ws(websocket: WebSocket):\n    await websocket.accept()\n"
            "    data = await websocket.receive_json()\n    await websocket.close()\n"
        ),
        # suppress() and except Exception handle it too
        Valid(
            "import contextlib\nimport starlette.websockets as sw\nfrom fastapi import APIRouter\n"
            "router = APIRouter()\n@router.websocket('/ws')\nasync def ws(websocket: sw.WebSocket):\n"
            "    with contextlib.suppress(sw.WebSocketDisconnect):\n        while True:\n"
            "            await websocket.receive_bytes()\n"
        ),
        # not a websocket route
        Valid(
            "from fastapi import WebSocket\nasync def pump(websocket: WebSocket):\n    while True:\n"
            "        await websocket.receive_text()\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI, WebSocket\napp = FastAPI()\n@app.websocket('/ws')\n"
            "async def ws(websocket: WebSocket):\n    await websocket.accept()\n    while True:\n"
            "        data = await websocket.receive_text()\n        await websocket.send_text(data)\n",
            line=7,
            column=22,
        ),
        # APIRouter, alias, another exception handled
        Invalid(
            "import fastapi as fa\nrouter = fa.APIRouter()\n@router.websocket('/ws')\n"
            "async def ws(sock: fa.WebSocket):\n    try:\n        for _ in range(10):\n"
            "            await sock.receive_json()\n    except ValueError:\n        pass\n",
            line=7,
        ),
        # a route inside a function, Annotated-style parameter
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\n"
            "from starlette.websockets import WebSocket\ndef build():\n    app = FastAPI()\n"
            "    @app.websocket('/ws')\n    async def ws(websocket: WebSocket, user: Annotated[str, Depends(u)]):\n"
            "        while True:\n            await websocket.receive_bytes()\n    return app\n",
            line=9,
        ),
    ]

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check(node)

    def _check(self, function: FunctionNode) -> None:
        route = self.context.route_of(function)
        if route is None or not route.is_websocket:
            return
        index = self.context.index
        scopes = (*self.context.scopes, function)
        types = index.local_types(function)
        nodes = index.own_nodes(function)
        own = {id(node) for node in nodes}
        receive: ast.Call | None = None
        for node in nodes:
            if isinstance(node, ast.ExceptHandler) and self._handles(node.type, scopes):
                return
            if isinstance(node, ast.With | ast.AsyncWith) and any(
                isinstance(item.context_expr, ast.Call)
                and index.resolve(item.context_expr.func, scopes) in _SUPPRESS
                and any(self._handles(arg, scopes) for arg in item.context_expr.args)
                for item in node.items
            ):
                return
            if receive is None and isinstance(node, ast.While | ast.For | ast.AsyncFor):
                receive = self._receive_in(node, types, own)
        if receive is not None:
            self.report(receive)

    def _handles(self, kind: ast.expr | None, scopes: tuple[FunctionNode | ast.Lambda, ...]) -> bool:
        if kind is None:
            return True
        if isinstance(kind, ast.Tuple):
            return any(self._handles(element, scopes) for element in kind.elts)
        return self.context.index.resolve(kind, scopes) in _HANDLERS

    @staticmethod
    def _receive_in(loop: ast.stmt, types: dict[str, str], own: set[int]) -> ast.Call | None:
        for node in walk(loop):
            if (
                isinstance(node, ast.Call)
                and id(node) in own
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _RECEIVE
                and isinstance(node.func.value, ast.Name)
                and types.get(node.func.value.id) in _WEBSOCKETS
            ):
                return node
        return None
