"""OAuth2 password flow: a /token route issuing PyJWT access tokens, argon2 password hashes with pwdlib."""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Literal

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jwt.exceptions import InvalidTokenError
from pwdlib import PasswordHash
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    secret_key: SecretStr = Field(min_length=32)  # env SECRET_KEY, e.g. from `openssl rand -hex 32`
    algorithm: str = "HS256"
    access_token_expire_minutes: int = 30


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]


class User(BaseModel):
    username: str
    full_name: str | None = None


class UserInDB(User):
    hashed_password: str


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type name, not a secret


password_hash = PasswordHash.recommended()  # argon2id
# Verified against when the username is unknown, so that path costs as much as a wrong password.
DUMMY_HASH = password_hash.hash("dummy password")

# Stands in for the users table: rows hold an argon2 hash (here of "secret"), never the password.
fake_users_db = {
    "alice": {
        "username": "alice",
        "full_name": "Alice Liddell",
        "hashed_password": (
            "$argon2id$v=19$m=65536,t=3,p=4$vPdIj/zVVrUVxWeD47odQA$d4nv0yn3pfXtReeX1LNqKhPTcShUZFgIErhI7uleweg"
        ),
    },
}


def get_user(username: str) -> UserInDB | None:
    row = fake_users_db.get(username)
    return UserInDB.model_validate(row) if row is not None else None


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

app = FastAPI()


def authenticate_user(username: str, password: str) -> UserInDB | None:
    user = get_user(username)
    if user is None:
        password_hash.verify(password, DUMMY_HASH)
        return None
    if not password_hash.verify(password, user.hashed_password):
        return None
    return user


def create_access_token(subject: str, settings: Settings, expires_delta: timedelta | None = None) -> str:
    now = datetime.now(UTC)
    expire = now + (expires_delta or timedelta(minutes=settings.access_token_expire_minutes))
    payload = {"sub": subject, "iat": now, "exp": expire}
    return jwt.encode(payload, settings.secret_key.get_secret_value(), algorithm=settings.algorithm)


def credentials_error(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)], settings: SettingsDep) -> User:
    try:
        payload = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[settings.algorithm],  # pin the algorithm: never trust the token header's "alg"
            options={"require": ["exp", "sub"]},
        )
    except InvalidTokenError:
        raise credentials_error("Could not validate credentials") from None
    user = get_user(payload["sub"])
    if user is None:
        raise credentials_error("Could not validate credentials")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


@app.post("/token")
def login(form_data: Annotated[OAuth2PasswordRequestForm, Depends()], settings: SettingsDep) -> Token:
    # A plain `def`: argon2 is deliberately slow, so it runs in the threadpool instead of blocking the event loop.
    user = authenticate_user(form_data.username, form_data.password)
    if user is None:
        raise credentials_error("Incorrect username or password")
    return Token(access_token=create_access_token(user.username, settings))


@app.get("/users/me")
async def read_users_me(current_user: CurrentUser) -> User:
    return current_user
