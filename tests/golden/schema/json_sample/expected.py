"""Schemas of Shipment.

- ShipmentCreate: what a client sends to create one.
- ShipmentUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- ShipmentRead: what the API returns.

Datetimes are ISO 8601; send them timezone-aware (with an offset or Z).
"""

import datetime as dt
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


class Geo(BaseModel):
    lat: float
    lon: float


class Origin(BaseModel):
    city: str
    postcode: str
    geo: Geo


class Item(BaseModel):
    sku: str
    qty: int
    gift: bool | None = None
    message: str | None = None


class ShipmentBase(BaseModel):
    model_config = ConfigDict(validate_by_name=True)

    tracking_number: str = Field(alias="trackingNumber")
    created_at: dt.datetime = Field(alias="createdAt")
    delivery_date: dt.date = Field(alias="deliveryDate")
    carrier_id: UUID = Field(alias="carrierId")
    contact_email: EmailStr = Field(alias="contactEmail")
    tracking_url: HttpUrl = Field(alias="trackingUrl")
    weight_kg: float = Field(alias="weightKg")
    pieces: int
    fragile: bool
    class_: str = Field(alias="class")
    notes: JsonValue = None
    labels: list[str]
    origin: Origin
    items: list[Item]
    metadata_: dict[str, JsonValue] = Field(alias="metadata")


class ShipmentCreate(ShipmentBase):
    pass


class ShipmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_by_name=True)

    tracking_number: str | None = Field(default=None, alias="trackingNumber")
    created_at: dt.datetime | None = Field(default=None, alias="createdAt")
    delivery_date: dt.date | None = Field(default=None, alias="deliveryDate")
    carrier_id: UUID | None = Field(default=None, alias="carrierId")
    contact_email: EmailStr | None = Field(default=None, alias="contactEmail")
    tracking_url: HttpUrl | None = Field(default=None, alias="trackingUrl")
    weight_kg: float | None = Field(default=None, alias="weightKg")
    pieces: int | None = None
    fragile: bool | None = None
    class_: str | None = Field(default=None, alias="class")
    notes: JsonValue = None
    labels: list[str] | None = None
    origin: Origin | None = None
    items: list[Item] | None = None
    metadata_: dict[str, JsonValue] | None = Field(default=None, alias="metadata")

    @field_validator(
        "tracking_number",
        "created_at",
        "delivery_date",
        "carrier_id",
        "contact_email",
        "tracking_url",
        "weight_kg",
        "pieces",
        "fragile",
        "class_",
        "labels",
        "origin",
        "items",
        "metadata_",
    )
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class ShipmentRead(ShipmentBase):
    id: int
