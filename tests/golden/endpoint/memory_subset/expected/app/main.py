"""The application: `create_app` builds it; `app` is what a server runs.

`fastapi run`, or `uvicorn app.main:app`.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.routers import statuses
from app.settings import Settings, get_settings
from app.store import Store


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A fresh in-memory store for this app."""
    app.state.store = Store()
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, configured by `settings` (by default from the environment)."""
    app_settings = settings if settings is not None else get_settings()
    app = FastAPI(
        title=app_settings.app_name, debug=app_settings.debug, lifespan=lifespan
    )
    app.state.settings = app_settings
    app.include_router(statuses.router)
    return app


app = create_app()
