"""In-process fixed-window rate limiting per client, as a dependency, with an injectable clock."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status


@dataclass
class FixedWindowLimiter:
    limit: int  # requests allowed per key and window
    window: float  # seconds
    clock: Callable[[], float] = time.monotonic  # tests pass a fake clock instead of sleeping
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)  # key -> (window start, hits)

    def hit(self, key: str) -> float:
        """Count one request for `key`. Return 0 if it is allowed, else the seconds until the window resets."""
        now = self.clock()
        start, hits = self._windows.get(key, (now, 0))
        if now - start >= self.window:
            start, hits = now, 0
        if hits >= self.limit:
            return start + self.window - now
        self._windows[key] = (start, hits + 1)
        return 0.0


limiter = FixedWindowLimiter(limit=5, window=60)


def get_limiter() -> FixedWindowLimiter:
    return limiter


# `async def`: it runs on the event loop, one request at a time, so the dict needs no lock.
async def rate_limit(request: Request, limiter: Annotated[FixedWindowLimiter, Depends(get_limiter)]) -> None:
    key = request.client.host if request.client else "unknown"  # or the API key / user id once authenticated
    retry_after = limiter.hit(key)
    if retry_after > 0:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail="Too many requests",
            headers={"Retry-After": str(math.ceil(retry_after))},
        )


app = FastAPI()


@app.get("/search", dependencies=[Depends(rate_limit)])
async def search(q: str) -> dict[str, str]:
    return {"q": q}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
