"""FE001: a blocking call inside an ``async def`` route, dependency or websocket handler."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import SYNC_SESSIONS
from fastapi_expert.review.rule import ROUTES_OR_DEPENDENCIES, Edit, Invalid, Rule, Valid

__all__ = ["BlockingCallInAsyncEndpoint"]

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_BLOCKING = frozenset(
    {"time.sleep", "urllib.request.urlopen", "os.system"}
    | {f"requests.{verb}" for verb in _HTTP_VERBS}
    | {f"httpx.{verb}" for verb in (*_HTTP_VERBS, "stream")}
    | {f"subprocess.{name}" for name in ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")}
)
_BLOCKING_OR_OPEN = _BLOCKING | {"builtins.open"}
_SYNC_CLIENTS = frozenset({"httpx.Client", "requests.Session", "requests.sessions.Session"})
_CLIENT_METHODS = frozenset({*_HTTP_VERBS, "send", "stream"})
_SESSION_METHODS = frozenset(
    {"commit", "execute", "exec", "flush", "get", "merge", "query", "refresh", "rollback", "scalar", "scalars"}
)
_FILE_METHODS = frozenset({"read", "readline", "readlines", "write", "writelines"})


class BlockingCallInAsyncEndpoint(Rule):
    """## What it does
    Flags blocking calls inside an `async def` route, websocket handler or dependency: `time.sleep`, `requests.*`,
    `urllib.request.urlopen`, `httpx.get/post/...` and the methods of a sync `httpx.Client`/`requests.Session`,
    `subprocess.run/call/check_output`, `os.system`, the methods of a synchronous SQLAlchemy/SQLModel `Session`
    (when the receiver is known to be one from its annotation or assignment), and `open(...)` read or written in the
    function. A plain `def` route is fine: FastAPI runs it in a thread pool.

    ## Why is this bad?
    FastAPI runs `async def` endpoints directly on the event loop. A blocking call there freezes the whole worker:
    no other request, websocket message or background task makes progress until it returns. One slow upstream
    turns into a server-wide outage, and latency grows with concurrency instead of staying flat.

    ## Example
    ```python
    import time

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        time.sleep(1)
        return {"done": True}
    ```

    ## Use instead
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        await asyncio.sleep(1)
        return {"done": True}
    ```

    Use `httpx.AsyncClient`, `AsyncSession`, `asyncio.create_subprocess_exec`, or move the code to a `def` endpoint
    or into `await run_in_threadpool(...)` / `await asyncio.to_thread(...)`.

    ## Known problems
    Only the calls listed above are known to block; a blocking function of your own or of another library is not
    seen, and neither is blocking code in a helper that the endpoint calls.

    ## Fix safety
    Unsafe, and offered only for a `time.sleep(x)` statement: `await asyncio.sleep(x)` waits as long without
    blocking, but lets other tasks run meanwhile, which can change the order in which things happen. `import asyncio`
    is added after the module's imports when missing.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [FastAPI: Dependencies with yield and threads](https://fastapi.tiangolo.com/tutorial/dependencies/)
    """

    CODE = "FE001"
    MESSAGE = "blocking call in an `async def` endpoint"
    SEVERITY = Severity.ERROR
    FIX_TITLE = "Replace with `await asyncio.sleep(...)`"
    FIX_SAFETY = "unsafe"
    OVERLAPS = ("ASYNC210", "ASYNC212", "ASYNC220", "ASYNC221", "ASYNC222", "ASYNC230", "ASYNC251")
    TRIGGERS = ("async def",)
    REQUIRES = ROUTES_OR_DEPENDENCIES

    VALID: ClassVar = [
        # a sync route runs in the thread pool
        Valid(
            "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r():\n    time.sleep(1)\n"
        ),
        # not a route nor a dependency
        Valid("import time\nasync def job():\n    time.sleep(1)\n"),
        # a local function called sleep
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\ndef sleep(x): ...\n@app.get('/')\nasync def r():\n"
            "    sleep(1)\n"
        ),
        # handed to a thread: the blocking call happens in a nested sync function
        Valid(
            "import time\nfrom fastapi import FastAPI\nfrom starlette.concurrency import run_in_threadpool\n"
            "app = FastAPI()\n@app.get('/')\nasync def r():\n    def work():\n        time.sleep(1)\n"
            "    await run_in_threadpool(work)\n    await run_in_threadpool(lambda: time.sleep(1))\n"
        ),
        # an AsyncSession is not blocking; an unknown `db` is not judged
        Valid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\n"
            "from sqlalchemy.ext.asyncio import AsyncSession\napp = FastAPI()\n"
            "@app.get('/')\nasync def r(s: Annotated[AsyncSession, Depends(get_s)], db=Depends(get_db)):\n"
            "    await s.execute(q)\n    db.execute(q)\n"
        ),
        # the sync httpx client in a sync dependency
        Valid(
            "import httpx\nfrom fastapi import Depends, FastAPI\napp = FastAPI()\ndef dep():\n"
            "    return httpx.get('https://example.com')\n@app.get('/')\nasync def r(x=Depends(dep)): ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\nasync def r():\n"
            "    time.sleep(1)\n",
            line=6,
            column=5,
            message="`time.sleep` blocks the event loop in an `async def` route",
            expected_fix=(
                "import time\nfrom fastapi import FastAPI\nimport asyncio\napp = FastAPI()\n@app.get('/')\n"
                "async def r():\n    await asyncio.sleep(1)\n"
            ),
        ),
        # aliased import, APIRouter, asyncio already imported under another name
        Invalid(
            "import asyncio as aio\nfrom time import sleep as nap\nimport fastapi as fa\nrouter = fa.APIRouter()\n"
            "@router.post('/')\nasync def r(delay: float):\n    nap(delay)\n",
            line=7,
            expected_fix=(
                "import asyncio as aio\nfrom time import sleep as nap\nimport fastapi as fa\nrouter = fa.APIRouter()\n"
                "@router.post('/')\nasync def r(delay: float):\n    await aio.sleep(delay)\n"
            ),
        ),
        # a route defined inside a function; requests
        Invalid(
            "import requests\nfrom fastapi import FastAPI\ndef create():\n    app = FastAPI()\n"
            "    @app.get('/')\n    async def r():\n        return requests.get('https://example.com').json()\n"
            "    return app\n",
            line=7,
            message="`requests.get` blocks the event loop in an `async def` route",
        ),
        # an async dependency with a sync Session (default-value style)
        Invalid(
            "from fastapi import Depends, FastAPI\nfrom sqlalchemy.orm import Session\napp = FastAPI()\n"
            "async def current_user(db: Session = Depends(get_db)):\n    return db.get(User, 1)\n"
            "@app.get('/')\nasync def r(user=Depends(current_user)): ...\n",
            line=5,
            message="`Session.get` blocks the event loop in an `async def` dependency",
        ),
        # an Annotated alias of a SQLModel Session
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\nfrom sqlmodel import Session, select\n"
            "SessionDep = Annotated[Session, Depends(get_session)]\napp = FastAPI()\n"
            "@app.get('/')\nasync def r(session: SessionDep):\n    return session.exec(select(Hero)).all()\n",
            line=8,
        ),
        # a websocket handler with a sync httpx client and subprocess
        Invalid(
            "import subprocess\nimport httpx\nfrom fastapi import FastAPI, WebSocket\napp = FastAPI()\n"
            "@app.websocket('/ws')\nasync def ws(websocket: WebSocket):\n    client = httpx.Client()\n"
            "    client.get('https://example.com')\n",
            line=8,
            message="`httpx.Client.get` blocks the event loop in an `async def` websocket handler",
        ),
        Invalid(
            "import subprocess\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\nasync def r():\n"
            "    subprocess.run(['ls'])\n    return open('data.txt').read()\n",
            line=6,
        ),
        Invalid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\nasync def r():\n"
            "    with open('data.txt') as f:\n        return f.read()\n",
            line=5,
            message="`open` blocks the event loop in an `async def` route",
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        where = self._endpoint()
        if where is None:
            return
        blocking = self._blocking_name(node)
        if blocking is None:
            return
        edits: list[Edit] = []
        if blocking == "time.sleep":
            edits = self._sleep_fix(node)
        self.report(node, f"`{blocking}` blocks the event loop in an `async def` {where}", edits)

    def _endpoint(self) -> str | None:
        scopes = self.context.scopes
        function = scopes[-1] if scopes else None
        if not isinstance(function, ast.AsyncFunctionDef):
            return None
        route = self.context.route_of(function)
        if route is not None:
            return "websocket handler" if route.is_websocket else "route"
        return "dependency" if self.context.is_dependency(function) else None

    def _blocking_name(self, node: ast.Call) -> str | None:
        func = node.func
        qualified = self.context.qualified_name(func) if self.context.may_refer_to(func, _BLOCKING_OR_OPEN) else None
        if qualified in _BLOCKING:
            return qualified
        if qualified == "builtins.open" and self._file_is_used(node):
            return "open"
        if not isinstance(func, ast.Attribute) or (
            func.attr not in _SESSION_METHODS and func.attr not in _CLIENT_METHODS
        ):
            return None
        kind = self.context.type_of(func.value)
        if kind in SYNC_SESSIONS and func.attr in _SESSION_METHODS:
            return f"Session.{func.attr}"
        if kind in _SYNC_CLIENTS and func.attr in _CLIENT_METHODS:
            return f"{kind}.{func.attr}"
        return None

    def _file_is_used(self, node: ast.Call) -> bool:
        """``open(...)`` read or written at once, or opened by a ``with`` statement."""
        stack = self.context.stack
        parent = stack[-1] if stack else None
        if isinstance(parent, ast.Attribute) and parent.attr in _FILE_METHODS:
            return True
        return isinstance(parent, ast.withitem) and parent.context_expr is node

    def _sleep_fix(self, node: ast.Call) -> list[Edit]:
        stack = self.context.stack
        if node.keywords or len(node.args) != 1 or not stack or not isinstance(stack[-1], ast.Expr):
            return []
        module = self._asyncio_name()
        imports = [s for s in self.context.tree.body if isinstance(s, ast.Import | ast.ImportFrom)]
        source = self.context.source
        if module is None:
            if not imports or self.context.qualified_name(ast.Name(id="asyncio")) != "builtins.asyncio":
                return []
            module = "asyncio"
            extra = [source.insert_after(imports[-1], "\nimport asyncio")]
        else:
            extra = []
        return [source.replace(node, f"await {module}.sleep({source.segment(node.args[0])})"), *extra]

    def _asyncio_name(self) -> str | None:
        for local, qualified in self.context.index.imports.items():
            if qualified == "asyncio" and self.context.qualified_name(ast.Name(id=local)) == "asyncio":
                return local
        return None
