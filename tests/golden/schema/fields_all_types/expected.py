"""Schemas of Order.

- OrderCreate: what a client sends to create one.
- OrderUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- OrderRead: what the API returns.

Datetimes are ISO 8601; send them timezone-aware (with an offset or Z).
"""

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    JsonValue,
    field_validator,
)


class AddressCountry(StrEnum):
    FR = "FR"
    DE = "DE"
    US = "US"


class OrderStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in-progress"
    DONE = "done"


Street = Annotated[str, Field(min_length=1)]
Postcode = Annotated[str, Field(max_length=10)]


class Address(BaseModel):
    "A postal address."

    street: Street
    postcode: Postcode
    country: AddressCountry


Title = Annotated[
    str, Field(min_length=1, max_length=200, description="What was ordered.")
]
Code = Annotated[str, Field(pattern=r"^[A-Z]{3}-\d+$")]
Quantity = Annotated[int, Field(ge=1, le=1000)]
Price = Annotated[Decimal, Field(gt=0, lt=100000)]
Discount = Annotated[float, Field(ge=0, lt=1)]
Contact = Annotated[EmailStr, Field(max_length=100)]
Tags = Annotated[list[str], Field(max_length=5)]
LineNumbers = Annotated[list[int], Field(min_length=1)]
Password = Annotated[str, Field(min_length=12)]


class OrderBase(BaseModel):
    "An order placed by a customer."

    title: Title
    code: Code
    quantity: Quantity = 1
    price: Price
    discount: Discount | None = None
    paid: bool = False
    status: OrderStatus = OrderStatus.PENDING
    due: dt.date | None = None
    placed_at: dt.datetime
    reference: UUID
    contact: Contact
    website: HttpUrl | None = None
    tags: Tags = []
    line_numbers: LineNumbers
    attributes: dict[str, JsonValue] | None = None
    note: str | None
    shipping: Address
    billing: Address | None = None


class OrderCreate(OrderBase):
    password: Password


class OrderUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    code: Code | None = None
    quantity: Quantity | None = None
    price: Price | None = None
    discount: Discount | None = None
    paid: bool | None = None
    status: OrderStatus | None = None
    due: dt.date | None = None
    placed_at: dt.datetime | None = None
    reference: UUID | None = None
    contact: Contact | None = None
    website: HttpUrl | None = None
    tags: Tags | None = None
    line_numbers: LineNumbers | None = None
    attributes: dict[str, JsonValue] | None = None
    note: str | None = None
    shipping: Address | None = None
    billing: Address | None = None
    password: Password | None = None

    @field_validator(
        "title",
        "code",
        "quantity",
        "price",
        "paid",
        "status",
        "placed_at",
        "reference",
        "contact",
        "tags",
        "line_numbers",
        "shipping",
        "password",
    )
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class OrderRead(OrderBase):
    id: int
