import secrets
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, status
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_")

    api_key: SecretStr  # required: no default, so a missing key fails loudly
    enabled_features: set[str] = {"search"}


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]


def verify_api_key(settings: SettingsDep, x_api_key: Annotated[str | None, Header()] = None) -> None:
    # Optional header + explicit 401: a missing key is an auth failure (not a 422), raised before later dependencies.
    expected = settings.api_key.get_secret_value().encode()
    if x_api_key is None or not secrets.compare_digest(x_api_key.encode(), expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid API key")


class FeatureFlag:
    """A parameterized dependency: each instance is a callable that FastAPI calls per request."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, settings: SettingsDep) -> None:
        if self.name not in settings.enabled_features:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")


# Global dependency: runs for every path operation of the app.
app = FastAPI(dependencies=[Depends(verify_api_key)])


@app.get("/search", dependencies=[Depends(FeatureFlag("search"))])
async def search(q: str) -> dict[str, str]:
    return {"q": q}


@app.get("/recommendations", dependencies=[Depends(FeatureFlag("recommendations"))])
async def recommendations() -> list[str]:
    return ["more of the same"]
