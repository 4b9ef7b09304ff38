from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield


app = FastAPI(lifespan=lifespan)


# Deprecated, and ignored: once `lifespan=` is set, FastAPI never calls on_event handlers.
@app.on_event("startup")
async def open_client() -> None:
    app.state.http_client = httpx.AsyncClient()


@app.on_event("shutdown")
async def close_client() -> None:
    await app.state.http_client.aclose()


@app.get("/status")
async def read_status(request: Request) -> dict[str, bool]:
    return {"client_ready": hasattr(request.app.state, "http_client")}
