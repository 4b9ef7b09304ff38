from datetime import date
from typing import Literal, Self

from fastapi import FastAPI, status
from pydantic import BaseModel, Field, ValidationInfo, computed_field, field_validator, model_validator
from pydantic_core import PydanticCustomError

ROOM_CAPACITY = {"single": 1, "double": 2, "suite": 4}
PROMO_CODES = {"SPRING10": 10}


class Booking(BaseModel):
    room: Literal["single", "double", "suite"]
    guests: int = Field(ge=1)
    check_in: date
    check_out: date
    promo_code: str | None = None

    @field_validator("promo_code", mode="before")
    @classmethod
    def normalize_promo_code(cls, value: object) -> object:
        # mode="before" sees the raw input, before type validation.
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("promo_code")
    @classmethod
    def known_promo_code(cls, value: str | None) -> str | None:
        if value is not None and value not in PROMO_CODES:
            # Your own error type and message (no "Value error, " prefix); ctx fills the template.
            raise PydanticCustomError("promo_code_unknown", "Unknown promo code {code}", {"code": value})
        return value

    @field_validator("check_out")
    @classmethod
    def check_out_after_check_in(cls, check_out: date, info: ValidationInfo) -> date:
        # Fields validate in declaration order; check_in is missing from info.data if it failed.
        check_in = info.data.get("check_in")
        if check_in is not None and check_out <= check_in:
            raise PydanticCustomError("date_order", "check_out must be after check_in")
        return check_out

    @model_validator(mode="after")
    def fits_the_room(self) -> Self:
        capacity = ROOM_CAPACITY[self.room]
        if self.guests > capacity:
            raise PydanticCustomError(
                "room_capacity", "A {room} room sleeps at most {capacity}", {"room": self.room, "capacity": capacity}
            )
        return self

    @computed_field  # type: ignore[prop-decorator]  # mypy does not model decorated properties
    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


app = FastAPI()


@app.post("/bookings", status_code=status.HTTP_201_CREATED)
async def create_booking(booking: Booking) -> Booking:
    return booking
