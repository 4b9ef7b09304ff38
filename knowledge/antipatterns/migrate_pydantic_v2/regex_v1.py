# Pydantic v1 `Field(regex=...)`: removed in v2, so the model cannot even be defined.
from fastapi import FastAPI
from pydantic import BaseModel, Field


class SignUp(BaseModel):
    username: str = Field(regex=r"^[a-z0-9_]{3,20}$")


app = FastAPI()


@app.post("/users/")
def create_user(signup: SignUp) -> SignUp:
    return signup
