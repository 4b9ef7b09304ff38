"""FE051: a ``BaseSettings`` class instantiated on every request."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, fastapi_names
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["SettingsInstantiatedPerRequest"]

_SETTINGS_BASES = frozenset(
    {"pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings", "pydantic.BaseSettings"}
)
_CACHES = frozenset({"functools.lru_cache", "functools.cache", "async_lru.alru_cache", "cachetools.cached"})
_DEPENDS = fastapi_names("Depends", "Security")


class SettingsInstantiatedPerRequest(Rule):
    """## What it does
    Flags a `BaseSettings` subclass of the module built inside a route or inside a dependency that is not cached
    (`@lru_cache`/`@cache`), and a settings class passed to `Depends` itself (`Depends(Settings)`,
    `Annotated[Settings, Depends()]`).

    ## Why is this bad?
    Building settings reads every environment variable and parses the `.env` file (disk I/O) and validates all
    fields — on every request, on the event loop. Values can also change between two requests of the same
    deployment. As a dependency class it is worse: FastAPI turns the settings' fields into *query parameters*, so a
    client can override them (`?database_url=...`). FastAPI's settings guide builds them once, in a function
    cached with `@lru_cache`, and overrides that dependency in tests.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from pydantic_settings import BaseSettings

    app = FastAPI()


    class Settings(BaseSettings):
        app_name: str = "Awesome API"


    def get_settings() -> Settings:
        return Settings()


    @app.get("/info")
    async def info(settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, str]:
        return {"app_name": settings.app_name}
    ```

    ## Use instead
    ```python
    from functools import lru_cache
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from pydantic_settings import BaseSettings

    app = FastAPI()


    class Settings(BaseSettings):
        app_name: str = "Awesome API"


    @lru_cache
    def get_settings() -> Settings:
        return Settings()


    @app.get("/info")
    async def info(settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, str]:
        return {"app_name": settings.app_name}
    ```

    ## References
    - [FastAPI: Settings — creating the settings only once with lru_cache](https://fastapi.tiangolo.com/advanced/settings/#creating-the-settings-only-once-with-lru_cache)
    """

    CODE = "FE051"
    MESSAGE = "the settings are built on every request"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("BaseSettings",)

    VALID: ClassVar = [
        # built once at import, or in a cached function
        Valid(
            "from functools import lru_cache\nfrom fastapi import Depends, FastAPI\n"
            "from pydantic_settings import BaseSettings\nclass Settings(BaseSettings):\n    name: str = 'x'\n"
            "settings = Settings()\n@lru_cache\ndef get_settings():\n    return Settings()\napp = FastAPI()\n"
            "@app.get('/')\ndef r(s=Depends(get_settings)):\n    return settings.name\n"
        ),
        # a plain model is not settings
        Valid(
            "from fastapi import FastAPI\nfrom pydantic import BaseModel\nclass Config(BaseModel):\n    a: int = 1\n"
            "app = FastAPI()\n@app.get('/')\ndef r():\n    return Config()\n"
        ),
        # not a route or dependency
        Valid(
            "from pydantic_settings import BaseSettings\nclass Settings(BaseSettings): ...\n"
            "def main():\n    return Settings()\n"
        ),
        # no settings class here; a bare Depends() of another class
        Valid(
            "from fastapi import Depends, FastAPI\nfrom pydantic_settings import BaseSettings\napp = FastAPI()\n"
            "@app.get('/')\ndef r(x=Depends()): ...\n"
        ),
        Valid(
            "from fastapi import Depends\nfrom pydantic_settings import BaseSettings\nclass S(BaseSettings): ...\n"
            "class Q:\n    pass\nx = Depends()\ny: 'Q' = Depends()\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\nfrom pydantic_settings import BaseSettings\n"
            "class Settings(BaseSettings):\n    name: str = 'x'\napp = FastAPI()\n"
            "@app.get('/')\ndef r():\n    return Settings().name\n",
            line=8,
            column=12,
            message="`Settings()` is built on every request: it re-reads the environment and `.env` each time",
        ),
        # an uncached dependency; aliased import; a router; a settings base class of the module
        Invalid(
            "import fastapi as fa\nimport pydantic_settings as ps\nclass Base(ps.BaseSettings): ...\n"
            "class Settings(Base): ...\ndef get_settings():\n    return Settings()\nrouter = fa.APIRouter()\n"
            "@router.get('/')\ndef r(s=fa.Depends(get_settings)): ...\n",
            line=6,
        ),
        # the class itself as a dependency
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\n"
            "from pydantic_settings import BaseSettings\nclass Settings(BaseSettings):\n    db_url: str = ''\n"
            "def make():\n    app = FastAPI()\n    @app.get('/')\n"
            "    def r(s: Annotated[Settings, Depends()]): ...\n    return app\n",
            line=9,
            message="`Settings` is used as a dependency: it is built on every request and its fields become query "
            "parameters a client can set",
        ),
    ]

    def finish(self) -> None:
        index = self.context.index
        settings = index.subclasses_of(_SETTINGS_BASES)
        if not settings:
            return
        functions: list[FunctionNode] = [route.function for route in index.routes]
        functions += [
            function
            for name, function in index.functions.items()
            if name in index.dependency_functions and not self._cached(function)
        ]
        reported: set[int] = set()
        for function in functions:
            for node in index.own_nodes(function):
                if (
                    isinstance(node, ast.Call)
                    and index.local_class(node.func) in settings
                    and id(node) not in reported
                    and node not in index.dependency_calls
                ):
                    reported.add(id(node))
                    name = ast.unparse(node.func)
                    message = f"`{name}()` is built on every request: it re-reads the environment and `.env` each time"
                    self.report(node, message)
        for call in index.dependency_calls:
            target = call.args[0] if call.args else self._annotated_type(call)
            held = index.local_class(target) if target is not None else None
            if held in settings:
                message = (
                    f"`{held}` is used as a dependency: it is built on every request and its fields become query "
                    "parameters a client can set"
                )
                self.report(call, message)

    def _cached(self, function: FunctionNode) -> bool:
        index = self.context.index
        return any(index.resolve(d.func if isinstance(d, ast.Call) else d) in _CACHES for d in function.decorator_list)

    def _annotated_type(self, call: ast.Call) -> ast.expr | None:
        """For ``Annotated[T, Depends()]``: ``T``."""
        for node in self.context.index.nodes_of(ast.Subscript):
            if isinstance(node.slice, ast.Tuple) and call in node.slice.elts:
                return node.slice.elts[0]
        return None
