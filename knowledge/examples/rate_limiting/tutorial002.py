"""Rate limiting shared by every worker: one Redis counter per client and fixed window (INCR + EXPIRE)."""

import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, HTTPException, Request, status
from pydantic_settings import BaseSettings
from redis.asyncio import Redis


class Settings(BaseSettings):
    redis_url: str = "redis://127.0.0.1:6379/0"
    rate_limit: int = 5  # requests per client and window
    rate_window: int = 60  # seconds


class RedisRateLimiter:
    def __init__(self, redis: Redis, limit: int, window: int, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.limit = limit
        self.window = window
        self.clock = clock  # wall clock: windows must line up across processes and hosts

    async def hit(self, key: str) -> float:
        now = self.clock()
        window_index = int(now // self.window)
        redis_key = f"ratelimit:{key}:{window_index}"
        async with self.redis.pipeline(transaction=True) as pipe:  # MULTI/EXEC: atomic for all workers
            pipe.incr(redis_key)
            pipe.expire(redis_key, self.window)  # old windows clean themselves up
            hits, _ = await pipe.execute()
        if hits > self.limit:
            return (window_index + 1) * self.window - now
        return 0.0


class State(TypedDict):
    limiter: RedisRateLimiter


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    settings = Settings()
    redis = Redis.from_url(settings.redis_url)
    try:
        yield {"limiter": RedisRateLimiter(redis, settings.rate_limit, settings.rate_window)}
    finally:
        await redis.aclose()


app = FastAPI(lifespan=lifespan)


def get_limiter(request: Request) -> RedisRateLimiter:
    return request.state.limiter


async def rate_limit(request: Request, limiter: Annotated[RedisRateLimiter, Depends(get_limiter)]) -> None:
    key = request.client.host if request.client else "unknown"
    retry_after = await limiter.hit(key)
    if retry_after > 0:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail="Too many requests",
            headers={"Retry-After": str(math.ceil(retry_after))},
        )


@app.get("/search", dependencies=[Depends(rate_limit)])
async def search(q: str) -> dict[str, str]:
    return {"q": q}
