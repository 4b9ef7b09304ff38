"""Schemas of Ticket.

- TicketCreate: what a client sends to create one.
- TicketUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- TicketRead: what the API returns.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

TicketPriority = Literal["low", "normal", "high"]
TicketChannel = Literal["email", "phone"]


Subject = Annotated[str, Field(max_length=120)]
Channel = Annotated[TicketChannel, Field(description="Where it came from.")]


class TicketBase(BaseModel):
    subject: Subject
    priority: TicketPriority = "normal"
    channel: Channel


class TicketCreate(TicketBase):
    pass


class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Subject | None = None
    priority: TicketPriority | None = None
    channel: Channel | None = None

    @field_validator("subject", "priority", "channel")
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class TicketRead(TicketBase):
    id: int
