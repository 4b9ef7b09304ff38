from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI, Request, Response, status
from pydantic_settings import BaseSettings
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


class Settings(BaseSettings):
    # compose.yaml sets DATABASE_URL; the default only serves local runs.
    database_url: str = "sqlite+aiosqlite:///./app.db"


class State(TypedDict):
    engine: AsyncEngine


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    engine = create_async_engine(Settings().database_url, pool_pre_ping=True)
    try:
        yield {"engine": engine}
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/readyz", include_in_schema=False)
async def readyz(request: Request, response: Response) -> dict[str, str]:
    engine: AsyncEngine = request.state.engine
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable"}
    return {"status": "ok"}
