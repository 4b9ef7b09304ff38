from typing import Self

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_core import PydanticCustomError


class PasswordChange(BaseModel):
    current_password: SecretStr
    new_password: SecretStr = Field(min_length=12)
    confirm_password: SecretStr

    @model_validator(mode="after")
    def passwords_match(self) -> Self:
        new = self.new_password.get_secret_value()
        if new != self.confirm_password.get_secret_value():
            raise PydanticCustomError("password_mismatch", "Passwords do not match")
        if new == self.current_password.get_secret_value():
            raise PydanticCustomError("password_reused", "The new password must differ from the current one")
        return self


app = FastAPI()


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's 422 shape minus "input": the default echoes the submitted passwords back.
    errors = [{key: value for key, value in error.items() if key != "input"} for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


@app.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(change: PasswordChange) -> None:
    """Verify current_password against the stored hash, then store a hash of new_password."""
