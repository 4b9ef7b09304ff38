"""Role checks with a dependency factory: `require_role("admin")` builds a dependency that answers 403."""

from collections.abc import Callable
from functools import lru_cache
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt.exceptions import InvalidTokenError
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    secret_key: SecretStr = Field(min_length=32)  # env SECRET_KEY, shared with whatever issues the tokens
    algorithm: str = "HS256"


@lru_cache
def get_settings() -> Settings:
    return Settings()


class User(BaseModel):
    username: str
    roles: set[str]


# Stands in for the users table: roles live in the database, so revoking one takes effect on the next request.
users = {"alice": User(username="alice", roles={"admin"}), "bob": User(username="bob", roles=set())}

bearer = HTTPBearer()  # missing or non-Bearer Authorization header: 401


def get_current_user(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> User:
    try:
        payload = jwt.decode(
            credentials.credentials,
            settings.secret_key.get_secret_value(),
            algorithms=[settings.algorithm],
            options={"require": ["exp", "sub"]},
        )
    except InvalidTokenError:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid token", {"WWW-Authenticate": "Bearer"}) from None
    user = users.get(payload["sub"])
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Unknown user", {"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(role: str) -> Callable[[User], User]:
    def check_role(user: CurrentUser) -> User:
        if role not in user.roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"Requires the {role!r} role")
        return user

    return check_role


AdminUser = Annotated[User, Depends(require_role("admin"))]

app = FastAPI()


@app.get("/me")
def read_me(user: CurrentUser) -> User:
    return user


@app.delete("/users/{username}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(username: str, admin: AdminUser) -> None:
    users.pop(username, None)


# Or guard a whole router when the handlers do not need the user object.
admin_router = APIRouter(prefix="/admin", dependencies=[Depends(require_role("admin"))])


@admin_router.get("/audit-log")
def read_audit_log() -> list[str]:
    return ["alice deleted carol"]


app.include_router(admin_router)
