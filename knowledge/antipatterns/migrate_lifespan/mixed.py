# Half-migrated: once `lifespan=` is passed, @app.on_event handlers are silently never called.
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    logger.info("lifespan startup")
    yield
    logger.info("lifespan shutdown")


app = FastAPI(lifespan=lifespan)


@app.on_event("startup")
async def warm_cache() -> None:
    logger.info("cache warmed")
