from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request, status
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEATHER_")

    api_url: str = "https://weather.example.com"
    timeout_seconds: float = 5.0


class State(TypedDict):
    http_client: httpx.AsyncClient


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    settings = Settings()
    # Startup: one client, so one connection pool, shared by every request.
    async with httpx.AsyncClient(base_url=settings.api_url, timeout=settings.timeout_seconds) as client:
        yield {"http_client": client}
    # Shutdown: leaving the `async with` closed the client and its pooled connections.


app = FastAPI(lifespan=lifespan)


def get_http_client(request: Request) -> httpx.AsyncClient:
    # Each request gets a shallow copy of the state the lifespan yielded.
    return request.state.http_client


HttpClientDep = Annotated[httpx.AsyncClient, Depends(get_http_client)]


@app.get("/forecast/{city}")
async def read_forecast(city: str, client: HttpClientDep) -> dict[str, Any]:
    try:
        response = await client.get("/forecast", params={"city": city})
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "Weather service unavailable") from exc
    return {"city": city, "forecast": response.json()}
