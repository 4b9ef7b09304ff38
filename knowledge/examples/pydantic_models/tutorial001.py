from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from typing import Annotated

from fastapi import FastAPI, HTTPException, status
from pwdlib import PasswordHash
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

password_hash = PasswordHash.recommended()

Username = Annotated[str, Field(min_length=3, max_length=32, pattern=r"^[a-z0-9_]+$")]
FullName = Annotated[str, Field(max_length=100)]
Age = Annotated[int, Field(ge=13, le=130)]


class UserBase(BaseModel):
    email: EmailStr
    full_name: FullName | None = None
    age: Age | None = None


class UserCreate(UserBase):
    username: Username
    password: str = Field(min_length=12, max_length=128)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a typo such as "fullname" is a 422, not a silent no-op

    email: EmailStr | None = None
    full_name: FullName | None = None
    age: Age | None = None

    @field_validator("email")
    @classmethod
    def email_is_not_nullable(cls, value: EmailStr | None) -> EmailStr:
        # Omitted means "leave unchanged" (validators skip defaults); an explicit null is refused.
        if value is None:
            raise ValueError("email cannot be null")
        return value


class UserRead(UserBase):
    model_config = ConfigDict(from_attributes=True)  # build from objects with attributes (ORM rows)

    id: int
    username: str
    created_at: datetime


@dataclass
class UserRecord:  # stands in for an ORM row: it has a field the API must never return
    id: int
    username: str
    email: str
    full_name: str | None
    age: int | None
    hashed_password: str
    created_at: datetime


users: dict[int, UserRecord] = {}
ids = count(1)
app = FastAPI()


# Plain `def`: argon2 hashing is CPU-bound, so FastAPI runs this in the threadpool, off the event loop.
@app.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(user_in: UserCreate) -> UserRead:
    if any(user.username == user_in.username for user in users.values()):
        raise HTTPException(status.HTTP_409_CONFLICT, "Username already taken")
    data = user_in.model_dump(exclude={"password"})
    user = UserRecord(
        id=next(ids), hashed_password=password_hash.hash(user_in.password), created_at=datetime.now(UTC), **data
    )
    users[user.id] = user
    return UserRead.model_validate(user)


def get_user_or_404(user_id: int) -> UserRecord:
    if (user := users.get(user_id)) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found")
    return user


@app.get("/users/{user_id}")
async def read_user(user_id: int) -> UserRead:
    return UserRead.model_validate(get_user_or_404(user_id))


@app.patch("/users/{user_id}")
async def update_user(user_id: int, patch: UserUpdate) -> UserRead:
    user = get_user_or_404(user_id)
    for name, value in patch.model_dump(exclude_unset=True).items():
        setattr(user, name, value)  # only the fields the client actually sent
    return UserRead.model_validate(user)
