from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class User(BaseModel):  # one model for input, storage and output
    username: str
    password: str
    is_admin: bool = False


users: dict[str, User] = {}


@app.post("/users")
async def create_user(user: User) -> User:
    users[user.username] = user  # the client chose is_admin
    return user  # and the password is sent back
