from functools import lru_cache
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")

    jwt_secret: SecretStr  # required: comes from the environment
    beta_features: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]


class User(BaseModel):
    username: str
    is_admin: bool = False


bearer = HTTPBearer()


def get_current_user(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)], settings: SettingsDep
) -> User:
    try:
        claims = jwt.decode(credentials.credentials, settings.jwt_secret.get_secret_value(), algorithms=["HS256"])
    except jwt.InvalidTokenError as exc:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Invalid token",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    return User(username=claims["sub"], is_admin=claims.get("admin", False))


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admins only")
    return user


app = FastAPI()


@app.get("/users/me")
def read_me(user: CurrentUser) -> User:
    return user


@app.get("/admin/stats")
def read_stats(admin: Annotated[User, Depends(get_admin_user)]) -> dict[str, str]:
    return {"requested_by": admin.username}


@app.get("/features")
def read_features(settings: SettingsDep) -> dict[str, bool]:
    return {"beta": settings.beta_features}
