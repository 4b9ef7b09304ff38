import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

import anyio
from fastapi import FastAPI, Request, Response, status
from pydantic_settings import BaseSettings
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

logger = logging.getLogger(__name__)


class Settings(BaseSettings):
    database_url: str = "sqlite+aiosqlite:///./app.db"
    readiness_timeout_seconds: float = 2.0


class State(TypedDict):
    engine: AsyncEngine
    settings: Settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    settings = Settings()
    engine = create_async_engine(settings.database_url, pool_pre_ping=True)
    logger.info("startup complete")
    try:
        yield {"engine": engine, "settings": settings}
    finally:
        # Runs after the server stopped accepting requests and finished the in-flight ones.
        await engine.dispose()
        logger.info("shutdown complete: database connections closed")


app = FastAPI(lifespan=lifespan)


@app.get("/healthz", include_in_schema=False)
async def liveness() -> dict[str, str]:
    # Liveness: the process answers. No dependency checks, or a database outage restarts every replica.
    return {"status": "ok"}


@app.get("/readyz", include_in_schema=False)
async def readiness(request: Request, response: Response) -> dict[str, str]:
    # Readiness: can this replica serve traffic right now?
    engine: AsyncEngine = request.state.engine
    settings: Settings = request.state.settings
    try:
        with anyio.fail_after(settings.readiness_timeout_seconds):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, TimeoutError):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": "unreachable"}
    return {"status": "ok", "database": "ok"}
