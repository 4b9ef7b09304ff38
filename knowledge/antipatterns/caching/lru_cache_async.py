"""WRONG: functools.lru_cache on an async function caches the coroutine object, which can only be awaited once."""

from functools import lru_cache

from fastapi import FastAPI

app = FastAPI()


@lru_cache
async def fetch_exchange_rates(base: str) -> dict[str, float]:
    return {"USD": 1.08}


@app.get("/rates")
async def read_rates(base: str = "EUR") -> dict[str, float]:
    return await fetch_exchange_rates(base)  # the second request with the same base raises RuntimeError
