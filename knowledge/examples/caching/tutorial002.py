"""An in-process TTL cache in front of an expensive dependency, with an injectable clock."""

import time
from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, FastAPI, Query, Response

T = TypeVar("T")


class TTLCache(Generic[T]):
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock  # tests pass a fake clock instead of sleeping
        self._entries: dict[str, tuple[float, T]] = {}

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is None or self.clock() >= entry[0]:
            self._entries.pop(key, None)
            return None
        return entry[1]

    def set(self, key: str, value: T) -> None:
        self._entries[key] = (self.clock() + self.ttl, value)


upstream_calls: list[str] = []


async def fetch_exchange_rates(base: str) -> dict[str, float]:
    """Stands in for a slow, rate-limited upstream API."""
    upstream_calls.append(base)
    return {"USD": 1.08, "GBP": 0.85} if base == "EUR" else {"EUR": 0.93}


rates_cache: TTLCache[dict[str, float]] = TTLCache(ttl=300)


def get_rates_cache() -> TTLCache[dict[str, float]]:
    return rates_cache


async def get_rates(
    cache: Annotated[TTLCache[dict[str, float]], Depends(get_rates_cache)],
    base: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "EUR",  # validated: keys stay few and well-formed
) -> dict[str, float]:
    rates = cache.get(base)
    if rates is None:
        rates = await fetch_exchange_rates(base)
        cache.set(base, rates)
    return rates


app = FastAPI()


@app.get("/rates")
async def read_rates(rates: Annotated[dict[str, float], Depends(get_rates)], response: Response) -> dict[str, float]:
    response.headers["Cache-Control"] = "public, max-age=60"  # and let browsers and CDNs cache it too
    return rates
