"""API key in an `X-API-Key` header, compared in constant time, applied per route and per router."""

import secrets
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Security, status
from fastapi.security import APIKeyHeader
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    api_key: SecretStr = Field(min_length=32)  # env API_KEY, e.g. from `openssl rand -hex 32`


@lru_cache
def get_settings() -> Settings:
    return Settings()


# auto_error=False: a missing and a wrong key get the same answer, raised by require_api_key below.
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def require_api_key(
    api_key: Annotated[str | None, Security(api_key_header)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> None:
    expected = settings.api_key.get_secret_value().encode()
    # Compare bytes: compare_digest raises TypeError on non-ASCII str, which a client controls.
    if api_key is None or not secrets.compare_digest(api_key.encode(), expected):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Invalid or missing API key",
            headers={"WWW-Authenticate": "APIKey"},
        )


app = FastAPI()

# Per router: every route under /admin needs the key.
admin = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Security(require_api_key)])


@admin.get("/stats")
def read_stats() -> dict[str, int]:
    return {"users": 42}


app.include_router(admin)


# Per route.
@app.get("/reports", dependencies=[Security(require_api_key)])
def read_reports() -> list[str]:
    return ["q1", "q2"]


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
