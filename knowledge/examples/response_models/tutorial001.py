from typing import Any

from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, EmailStr


class UserPublic(BaseModel):
    username: str
    email: EmailStr
    full_name: str | None = None


class UserInDB(UserPublic):
    hashed_password: str | None = None  # None until the user sets a password
    failed_logins: int = 0


class UserCreate(BaseModel):
    username: str
    email: EmailStr


USERS: dict[str, UserInDB] = {
    "ada": UserInDB.model_validate(
        {
            "username": "ada",
            "email": "ada@example.com",
            "hashed_password": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        }
    )
}

app = FastAPI()


@app.get("/users/{username}")
async def read_user(username: str) -> UserPublic:
    # UserInDB is a UserPublic, so this type-checks; FastAPI validates against the annotation
    # and drops hashed_password and failed_logins from the response.
    if (user := USERS.get(username)) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found")
    return user


@app.get("/users/{username}/raw", response_model=UserPublic)
async def read_user_row(username: str) -> dict[str, Any]:
    # The value returned is not the public type (a raw row), so response_model declares the contract.
    if (user := USERS.get(username)) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found")
    return user.model_dump()


@app.post("/users", status_code=status.HTTP_201_CREATED)
async def create_user(user_in: UserCreate) -> UserPublic:
    user = UserInDB(**user_in.model_dump())
    USERS[user.username] = user
    return user


@app.post("/users/{username}/reset-password", status_code=status.HTTP_202_ACCEPTED)
async def reset_password(username: str) -> dict[str, str]:
    # Same answer whether or not the user exists: no account enumeration.
    return {"status": "If the account exists, an email is on its way"}


@app.delete("/users/{username}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(username: str) -> None:
    if USERS.pop(username, None) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found")
