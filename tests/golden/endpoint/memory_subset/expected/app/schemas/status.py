"""Schemas of Status.

- StatusCreate: what a client sends to create one.
- StatusUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- StatusRead: what the API returns.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator


class StatusColour(StrEnum):
    RED = "red"
    GREEN = "green"


Label = Annotated[str, Field(min_length=1, max_length=50)]
Weight = Annotated[float, Field(gt=0, lt=100)]


class StatusBase(BaseModel):
    label: Label
    weight: Weight
    colour: StatusColour | None = None


class StatusCreate(StatusBase):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"label": "example", "weight": 1, "colour": "red"}]
        }
    )


class StatusUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"label": "exampla"}]}
    )

    label: Label | None = None
    weight: Weight | None = None
    colour: StatusColour | None = None

    @field_validator("label", "weight")
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class StatusRead(StatusBase):
    id: int
