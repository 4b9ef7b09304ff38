import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request

logger = logging.getLogger(__name__)


@asynccontextmanager
async def database() -> AsyncIterator[dict[str, bool]]:
    db = {"connected": True}  # stands in for an engine or a connection pool
    logger.info("database connected")
    try:
        yield db
    finally:
        logger.info("database closed")


@asynccontextmanager
async def cache(db: dict[str, bool]) -> AsyncIterator[dict[str, str]]:
    entries = {"greeting": "hello"}  # warmed from the database
    logger.info("cache warmed")
    try:
        yield entries
    finally:
        logger.info("cache flushed")  # may still write to the database, which is open


class State(TypedDict):
    db: dict[str, bool]
    cache: dict[str, str]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with AsyncExitStack() as stack:
        db = await stack.enter_async_context(database())
        entries = await stack.enter_async_context(cache(db))
        yield {"db": db, "cache": entries}
    # Leaving the stack closes resources in reverse order: cache first, then database.


app = FastAPI(lifespan=lifespan)


def get_cache(request: Request) -> dict[str, str]:
    return request.state.cache


@app.get("/greeting")
async def greeting(entries: Annotated[dict[str, str], Depends(get_cache)]) -> dict[str, str]:
    return {"greeting": entries["greeting"]}
