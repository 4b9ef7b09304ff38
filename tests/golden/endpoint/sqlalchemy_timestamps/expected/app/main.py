"""The application: `create_app` builds it; `app` is what a server runs.

`fastapi run`, or `uvicorn app.main:app`.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.database import create_engine, create_sessionmaker, create_tables
from app.routers import products
from app.settings import Settings, get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database at start-up (creating missing tables), close it at the end."""
    settings: Settings = app.state.settings
    engine = create_engine(settings.database_url)
    try:
        await create_tables(engine)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        yield
    finally:
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, configured by `settings` (by default from the environment)."""
    app_settings = settings if settings is not None else get_settings()
    app = FastAPI(
        title=app_settings.app_name, debug=app_settings.debug, lifespan=lifespan
    )
    app.state.settings = app_settings
    app.include_router(products.router)
    return app


app = create_app()
