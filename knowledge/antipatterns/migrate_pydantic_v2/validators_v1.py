# Pydantic v1 validators: deprecated in v2 (PydanticDeprecatedSince20 when the class is defined).
from fastapi import FastAPI
from pydantic import BaseModel, root_validator, validator


class SignUp(BaseModel):
    username: str
    password: str
    password_confirm: str

    @validator("username", pre=True)
    def normalise_username(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @root_validator(skip_on_failure=True)
    def passwords_match(cls, values):
        if values["password"] != values["password_confirm"]:
            raise ValueError("passwords do not match")
        return values


app = FastAPI()


@app.post("/users/")
def create_user(signup: SignUp) -> dict[str, str]:
    return {"username": signup.username}
