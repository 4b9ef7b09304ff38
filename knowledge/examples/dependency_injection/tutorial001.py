from dataclasses import dataclass
from typing import Annotated
from uuid import uuid4

from fastapi import Depends, FastAPI, Header, HTTPException, status

app = FastAPI()


@dataclass(frozen=True)
class User:
    name: str
    is_admin: bool = False


USERS = {"ada": User("ada", is_admin=True), "bob": User("bob")}


def get_username(x_user: Annotated[str | None, Header()] = None) -> str:
    if x_user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Missing X-User header")
    return x_user


def get_current_user(username: Annotated[str, Depends(get_username)]) -> User:
    user = USERS.get(username)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Unknown user")
    return user


CurrentUserDep = Annotated[User, Depends(get_current_user)]


def require_admin(user: CurrentUserDep) -> User:
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Admins only")
    return user


AdminDep = Annotated[User, Depends(require_admin)]


def new_id() -> str:
    return uuid4().hex


RequestIdDep = Annotated[str, Depends(new_id)]  # cached: one value per request
NonceDep = Annotated[str, Depends(new_id, use_cache=False)]  # called again wherever it is declared


def get_log_context(request_id: RequestIdDep, user: CurrentUserDep) -> dict[str, str]:
    return {"request_id": request_id, "user": user.name}


LogContextDep = Annotated[dict[str, str], Depends(get_log_context)]


@app.get("/me")
async def read_me(user: CurrentUserDep) -> dict[str, str]:
    return {"name": user.name}


@app.get("/admin/audit")
async def read_audit(admin: AdminDep, request_id: RequestIdDep, log: LogContextDep, nonce: NonceDep) -> dict[str, str]:
    return {"admin": admin.name, "request_id": request_id, "logged_request_id": log["request_id"], "nonce": nonce}
