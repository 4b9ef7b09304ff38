"""The application: ``create_app`` builds it, the module-level ``app`` is what a server runs (``app.main:app``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker

from .database import Base, create_engine
from .errors import register_error_handlers
from .models import import_models
from .routers import discover_routers
from .settings import Settings, get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database when the app starts, create the tables of every model, dispose of it when it stops."""
    settings: Settings = app.state.settings
    import_models()
    engine = create_engine(settings.database_url)
    try:
        # create_all only creates missing tables: this app is a harness that starts on an empty database each time.
        # A real project creates and changes its schema with Alembic migrations instead.
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        app.state.engine = engine
        app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        yield
    finally:
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, configured by ``settings`` (by default from the environment), with every router of ``app.routers``.

    Settings passed in also override the ``get_settings`` dependency, so routes see the same values.
    """
    app_settings = settings if settings is not None else get_settings()
    app = FastAPI(title=app_settings.app_name, debug=app_settings.debug, lifespan=lifespan)
    app.state.settings = app_settings
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: app_settings
    register_error_handlers(app)
    for router in discover_routers():
        app.include_router(router)
    return app


app = create_app()
