from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .core.config import get_settings
from .dependencies import SettingsDep
from .routers import admin, items


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    get_settings()  # fail fast: invalid or missing configuration stops startup, not the first request
    yield


app = FastAPI(lifespan=lifespan)
app.include_router(items.router)
app.include_router(admin.router)


@app.get("/")
async def root(settings: SettingsDep) -> dict[str, str]:
    return {"project": settings.project_name}
