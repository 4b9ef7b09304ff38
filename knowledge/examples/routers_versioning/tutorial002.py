from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Response, status
from pydantic import BaseModel


@dataclass
class UserRecord:
    id: int
    first_name: str
    last_name: str


USERS = {1: UserRecord(1, "Ada", "Lovelace")}


def get_user(user_id: int) -> UserRecord:
    # Shared by both versions: storage and lookups do not fork, only the public contract does.
    user = USERS.get(user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found")
    return user


def announce_deprecation(response: Response) -> None:
    response.headers["Deprecation"] = "@1767225599"  # RFC 9745: deprecated since 2025-12-31T23:59:59Z
    response.headers["Sunset"] = "Thu, 31 Dec 2026 23:59:59 GMT"  # RFC 8594: when it stops working


class UserV1(BaseModel):
    id: int
    name: str


class UserV2(BaseModel):
    id: int
    first_name: str
    last_name: str


v1 = APIRouter(prefix="/v1", tags=["v1"], deprecated=True, dependencies=[Depends(announce_deprecation)])
v2 = APIRouter(prefix="/v2", tags=["v2"])


@v1.get("/users/{user_id}")
async def read_user_v1(user: Annotated[UserRecord, Depends(get_user)]) -> UserV1:
    return UserV1(id=user.id, name=f"{user.first_name} {user.last_name}")


@v2.get("/users/{user_id}")
async def read_user_v2(user: Annotated[UserRecord, Depends(get_user)]) -> UserV2:
    return UserV2(id=user.id, first_name=user.first_name, last_name=user.last_name)


app = FastAPI()
app.include_router(v1)
app.include_router(v2)
