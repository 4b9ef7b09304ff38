"""FE023: a database engine or HTTP client built inside a route or dependency, once per request."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["EnginePerRequest"]

_BUILDERS = {
    "sqlalchemy.create_engine": "create_engine",
    "sqlalchemy.engine.create_engine": "create_engine",
    "sqlmodel.create_engine": "create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "create_async_engine",
    "sqlalchemy.ext.asyncio.engine.create_async_engine": "create_async_engine",
    "httpx.Client": "httpx.Client",
    "httpx.AsyncClient": "httpx.AsyncClient",
}
_BUILT = frozenset(_BUILDERS)
_CACHES = frozenset({"functools.lru_cache", "functools.cache"})


class EnginePerRequest(Rule):
    """## What it does
    Flags `create_engine()`, `create_async_engine()`, `httpx.Client()` and `httpx.AsyncClient()` called inside a
    route or a dependency — including `async with httpx.AsyncClient() as client:` in the route body. A dependency
    cached with `@lru_cache`/`@cache` builds its object once and is not flagged.

    ## Why is this bad?
    Engines and clients own connection pools and are meant to live as long as the application. Built per request,
    every request pays a new TCP connection and TLS handshake (and, for a database, authentication), the pool is
    never reused, and an engine that is not disposed leaves its connections open until the garbage collector
    runs — under load the database refuses new connections.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/weather")
    async def weather(city: str) -> dict[str, object]:
        async with httpx.AsyncClient() as client:
            response = await client.get("https://api.example.com/weather", params={"city": city})
        return response.json()
    ```

    ## Use instead
    ```python
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI, Request


    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
        async with httpx.AsyncClient() as client:
            yield {"client": client}


    app = FastAPI(lifespan=lifespan)


    @app.get("/weather")
    async def weather(city: str, request: Request) -> dict[str, object]:
        response = await request.state.client.get("https://api.example.com/weather", params={"city": city})
        return response.json()
    ```

    ## References
    - [FastAPI: Lifespan events](https://fastapi.tiangolo.com/advanced/events/)
    - [HTTPX: Clients — why use a client](https://www.python-httpx.org/advanced/clients/)
    - [SQLAlchemy: Engine disposal](https://docs.sqlalchemy.org/en/20/core/connections.html#engine-disposal)
    """

    CODE = "FE023"
    MESSAGE = "an engine or HTTP client is built on every request"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("create_engine", "create_async_engine", "Client")

    VALID: ClassVar = [
        Valid("import httpx\nfrom sqlalchemy import create_engine\nengine = create_engine(URL)\nc = httpx.Client()\n"),
        # lifespan and other helpers are not per request
        Valid(
            "import httpx\nfrom contextlib import asynccontextmanager\n@asynccontextmanager\n"
            "async def lifespan(app):\n    async with httpx.AsyncClient() as client:\n"
            "        yield {'client': client}\n"
        ),
        # a cached dependency builds once
        Valid(
            "from functools import lru_cache\nfrom fastapi import Depends\nfrom sqlalchemy import create_engine\n"
            "@lru_cache\ndef get_engine():\n    return create_engine(URL)\nx = Depends(get_engine)\n"
        ),
        # a local function called create_engine
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\ndef create_engine(): ...\n@app.get('/')\n"
            "def r():\n    create_engine()\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "import httpx\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\nasync def r():\n"
            "    async with httpx.AsyncClient() as client:\n        return (await client.get('https://x')).json()\n",
            line=6,
            column=16,
            message="`httpx.AsyncClient` is built on every request: its connection pool is never reused",
        ),
        Invalid(
            "from sqlalchemy import create_engine as ce\nfrom fastapi import APIRouter\nrouter = APIRouter()\n"
            "@router.get('/')\ndef r():\n    engine = ce(URL)\n",
            line=6,
            message="`create_engine` is built on every request: its connection pool is never reused",
        ),
        # a dependency, Annotated style
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends\n"
            "from sqlalchemy.ext.asyncio import create_async_engine, AsyncSession\n"
            "async def get_session():\n    engine = create_async_engine(URL)\n"
            "    async with AsyncSession(engine) as s:\n        yield s\n"
            "Dep = Annotated[AsyncSession, Depends(get_session)]\n",
            line=5,
        ),
        # a route inside a factory
        Invalid(
            "import httpx\nfrom fastapi import FastAPI\ndef build():\n    app = FastAPI()\n    @app.get('/')\n"
            "    def r():\n        return httpx.Client().get('https://x').json()\n    return app\n",
            line=7,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        if not self.context.may_refer_to(node.func, _BUILT):
            return
        built = _BUILDERS.get(self.context.qualified_name(node.func) or "")
        if built is None:
            return
        scopes = self.context.scopes
        function = scopes[-1] if scopes else None
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        if self.context.route_of(function) is None and not self.context.is_dependency(function):
            return
        index = self.context.index
        if any(index.resolve(_called(d), scopes[:-1]) in _CACHES for d in function.decorator_list):
            return
        self.report(node, f"`{built}` is built on every request: its connection pool is never reused")


def _called(decorator: ast.expr) -> ast.expr:
    return decorator.func if isinstance(decorator, ast.Call) else decorator
