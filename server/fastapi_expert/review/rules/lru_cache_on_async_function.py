"""FE028: ``@lru_cache``/``@cache`` on an ``async def`` caches a coroutine that can be awaited only once."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["LruCacheOnAsyncFunction"]

_CACHES = frozenset(
    {"functools.lru_cache", "functools.cache", "functools.cached_property", "cachetools.cached"}
    | {f"cachetools.func.{name}_cache" for name in ("lru", "ttl", "lfu", "rr", "fifo", "mru")}
)


class LruCacheOnAsyncFunction(Rule):
    """## What it does
    Flags `@functools.lru_cache`, `@functools.cache`, `@functools.cached_property`, `@cachetools.cached` and the
    `cachetools.func` decorators on an `async def`.

    ## Why is this bad?
    These caches store what the function *returns*, and an `async def` returns a coroutine object. The first caller
    awaits it; every later caller with the same arguments gets the same, already-awaited coroutine and fails with
    `RuntimeError: cannot reuse already awaited coroutine`. The common case is an `async def get_settings()` or a
    cached client dependency: the first request works, every following one returns 500.

    ## Example
    ```python
    from functools import lru_cache

    from fastapi import Depends, FastAPI

    app = FastAPI()


    @lru_cache
    async def get_settings() -> dict[str, str]:
        return {"env": "prod"}


    @app.get("/env")
    async def env(settings: dict[str, str] = Depends(get_settings)) -> dict[str, str]:
        return settings
    ```

    ## Use instead
    ```python
    from functools import lru_cache

    from fastapi import Depends, FastAPI

    app = FastAPI()


    @lru_cache
    def get_settings() -> dict[str, str]:
        return {"env": "prod"}


    @app.get("/env")
    async def env(settings: dict[str, str] = Depends(get_settings)) -> dict[str, str]:
        return settings
    ```

    Keep a cached function synchronous, or use an async-aware cache such as `async_lru.alru_cache`, which caches
    the awaited result.

    ## References
    - [FastAPI: Settings — creating the settings only once with lru_cache](https://fastapi.tiangolo.com/advanced/settings/#creating-the-settings-only-once-with-lru_cache)
    - [Python: functools.lru_cache](https://docs.python.org/3/library/functools.html#functools.lru_cache)
    """

    CODE = "FE028"
    MESSAGE = "a cache decorator on an `async def` caches a coroutine that can be awaited only once"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("cache",)

    VALID: ClassVar = [
        Valid("from functools import lru_cache\n@lru_cache\ndef get_settings(): ...\n"),
        Valid("from async_lru import alru_cache\n@alru_cache(maxsize=32)\nasync def get_user(i): ...\n"),
        # a local decorator called cache
        Valid("def cache(f):\n    return f\n@cache\nasync def f(): ...\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from functools import lru_cache\n@lru_cache\nasync def get_settings(): ...\n",
            line=2,
            column=2,
            message="`@functools.lru_cache` on an `async def` caches a coroutine that can be awaited only once",
        ),
        Invalid("import functools as ft\n@ft.lru_cache(maxsize=128)\nasync def get_user(i): ...\n", line=2),
        Invalid(
            "from functools import cache, cached_property\nclass Repo:\n    @cached_property\n"
            "    async def count(self): ...\ndef build():\n    @cache\n    async def client(): ...\n",
            line=3,
        ),
        Invalid("from cachetools.func import ttl_cache\n@ttl_cache(ttl=60)\nasync def rates(): ...\n", line=2),
    ]

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            qualified = self.context.qualified_name(target)
            if qualified in _CACHES:
                self.report(
                    decorator,
                    f"`@{qualified}` on an `async def` caches a coroutine that can be awaited only once",
                )
