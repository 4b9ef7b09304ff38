# Before: startup/shutdown with the deprecated @app.on_event decorators.
import logging

from fastapi import FastAPI

logger = logging.getLogger(__name__)

app = FastAPI()


@app.on_event("startup")
async def connect_database() -> None:
    app.state.db = {"connected": True}
    logger.info("database connected")


@app.on_event("startup")
async def warm_cache() -> None:
    app.state.cache = {"greeting": "hello"}
    logger.info("cache warmed")


@app.on_event("shutdown")
async def close_database() -> None:
    logger.info("database closed")


@app.on_event("shutdown")
async def flush_cache() -> None:
    # Runs after close_database: shutdown handlers run in registration order, not in reverse.
    logger.info("cache flushed")


@app.get("/greeting")
async def greeting() -> dict[str, str]:
    return {"greeting": app.state.cache["greeting"]}
