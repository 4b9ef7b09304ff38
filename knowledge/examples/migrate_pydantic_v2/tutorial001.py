from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Self

from fastapi import FastAPI, HTTPException, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class SignUp(BaseModel):
    username: Annotated[str, Field(pattern=r"^[a-z0-9_]{3,20}$")]  # v1: Field(regex=...)
    password: Annotated[str, Field(min_length=12)]
    password_confirm: str
    tags: Annotated[list[str], Field(min_length=1)]  # v1: Field(min_items=1)
    plan: Literal["free"] = "free"  # v1: Field("free", const=True)

    @field_validator("username", mode="before")  # v1: @validator("username", pre=True)
    @classmethod
    def normalise_username(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")  # v1: @root_validator(skip_on_failure=True)
    def passwords_match(self) -> Self:
        if self.password != self.password_confirm:
            raise ValueError("passwords do not match")
        return self


@dataclass
class UserRow:  # stands in for an ORM object
    id: int
    username: str
    tags: list[str] = field(default_factory=list)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # v1: class Config: orm_mode = True

    id: int
    username: str
    tags: list[str]


app = FastAPI()
rows: dict[int, UserRow] = {}


@app.post("/users/", status_code=status.HTTP_201_CREATED)
def create_user(signup: SignUp) -> UserOut:
    data = signup.model_dump(include={"username", "tags"})  # v1: .dict(include=...)
    row = UserRow(id=len(rows) + 1, **data)
    rows[row.id] = row
    return UserOut.model_validate(row)  # v1: UserOut.from_orm(row)


@app.get("/users/{user_id}/export")
def export_user(user_id: int) -> Response:
    if user_id not in rows:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    body = UserOut.model_validate(rows[user_id]).model_dump_json()  # v1: .json()
    return Response(content=body, media_type="application/json")


@app.post("/users/import", status_code=status.HTTP_201_CREATED)
def import_user(payload: dict[str, Any]) -> UserOut:
    try:
        user = UserOut.model_validate(payload)  # v1: UserOut.parse_obj(payload)
    except ValidationError as exc:
        # Raised from your own code it would be a 500; report it as the usual 422.
        raise RequestValidationError(exc.errors(include_url=False)) from exc
    rows[user.id] = UserRow(**user.model_dump())  # v1: .dict()
    return user
