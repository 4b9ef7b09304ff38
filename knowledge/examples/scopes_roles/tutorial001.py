"""OAuth2 scopes: the token carries the granted scopes, Security(..., scopes=[...]) declares what a route needs."""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated, TypedDict

import jwt
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Security, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm, SecurityScopes
from jwt.exceptions import InvalidTokenError
from pwdlib import PasswordHash
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    secret_key: SecretStr = Field(min_length=32)  # env SECRET_KEY
    algorithm: str = "HS256"


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]

SCOPES = {"items:read": "Read items.", "items:write": "Create items."}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes=SCOPES)

password_hash = PasswordHash.recommended()
DUMMY_HASH = password_hash.hash("dummy password")
EXAMPLE_HASH = "$argon2id$v=19$m=65536,t=3,p=4$vPdIj/zVVrUVxWeD47odQA$d4nv0yn3pfXtReeX1LNqKhPTcShUZFgIErhI7uleweg"


class UserRow(TypedDict):
    hashed_password: str
    scopes: list[str]  # what this user may be granted


# Stands in for the users table ("secret" is everybody's password here).
users: dict[str, UserRow] = {
    "alice": {"hashed_password": EXAMPLE_HASH, "scopes": ["items:read", "items:write"]},
    "bob": {"hashed_password": EXAMPLE_HASH, "scopes": ["items:read"]},
}


class User(BaseModel):
    username: str
    scopes: list[str]


app = FastAPI()


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], settings: SettingsDep) -> dict[str, str]:
    user = users.get(form.username)
    if not password_hash.verify(form.password, user["hashed_password"] if user else DUMMY_HASH) or user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Incorrect username or password", {"WWW-Authenticate": "Bearer"}
        )
    granted = [scope for scope in form.scopes if scope in user["scopes"]]  # never more than the user may have
    expire = datetime.now(UTC) + timedelta(minutes=15)
    claims = {"sub": form.username, "scope": " ".join(granted), "exp": expire}
    token = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=settings.algorithm)
    return {"access_token": token, "token_type": "bearer"}


async def get_current_user(
    security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)], settings: SettingsDep
) -> User:
    try:
        payload = jwt.decode(
            token, settings.secret_key.get_secret_value(), algorithms=[settings.algorithm], options={"require": ["exp"]}
        )
    except InvalidTokenError:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", {"WWW-Authenticate": "Bearer"}
        ) from None
    if payload.get("sub") not in users:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Unknown user", {"WWW-Authenticate": "Bearer"})
    token_scopes = payload.get("scope", "").split()
    if any(scope not in token_scopes for scope in security_scopes.scopes):
        # Authenticated but not allowed: 403, with the scopes needed (RFC 6750 insufficient_scope).
        challenge = f'Bearer error="insufficient_scope", scope="{security_scopes.scope_str}"'
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Not enough permissions", {"WWW-Authenticate": challenge})
    return User(username=payload["sub"], scopes=token_scopes)


@app.get("/users/me")
async def read_me(user: Annotated[User, Security(get_current_user)]) -> User:
    return user


# The router's scope applies to every route; a route's own Security adds to it.
items = APIRouter(prefix="/items", dependencies=[Security(get_current_user, scopes=["items:read"])])


@items.get("/")
async def list_items() -> list[str]:
    return ["hammer"]


@items.post("/", status_code=status.HTTP_201_CREATED)
async def create_item(user: Annotated[User, Security(get_current_user, scopes=["items:write"])]) -> dict[str, str]:
    return {"created_by": user.username}


app.include_router(items)
