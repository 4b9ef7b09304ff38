# Pydantic v1 `class Config` with `orm_mode`: deprecated, and `orm_mode` is no longer understood at all.
from dataclasses import dataclass

from fastapi import FastAPI
from pydantic import BaseModel


@dataclass
class UserRow:  # stands in for an ORM object
    id: int
    username: str


class UserOut(BaseModel):
    id: int
    username: str

    class Config:
        orm_mode = True


app = FastAPI()


@app.get("/users/{user_id}")
def read_user(user_id: int) -> UserOut:
    return UserOut.from_orm(UserRow(id=user_id, username="alice"))
