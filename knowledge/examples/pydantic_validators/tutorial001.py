from typing import Annotated, Self

from fastapi import FastAPI, status
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, field_validator, model_validator


def not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


RESERVED_SLUGS = {"new", "admin"}


def not_reserved(value: str) -> str:
    if value in RESERVED_SLUGS:
        raise ValueError(f"{value!r} is reserved")
    return value


# Reusable constrained types: declare once, use in any model, query or path parameter.
Title = Annotated[str, Field(max_length=100), AfterValidator(not_blank)]
Slug = Annotated[str, Field(max_length=50, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$"), AfterValidator(not_reserved)]


class Event(BaseModel):
    title: Title
    slug: Slug
    starts_at: AwareDatetime  # a naive datetime is rejected: no guessing the time zone
    ends_at: AwareDatetime
    tags: list[str] = []

    @field_validator("tags")
    @classmethod
    def normalize_tags(cls, tags: list[str]) -> list[str]:
        return sorted({tag.strip().lower() for tag in tags if tag.strip()})

    @model_validator(mode="after")
    def ends_after_start(self) -> Self:
        # Runs once every field is valid, so the rule can compare fields.
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


app = FastAPI()


@app.post("/events", status_code=status.HTTP_201_CREATED)
async def create_event(event: Event) -> Event:
    return event


@app.get("/events/{slug}")
async def read_event(slug: Slug) -> dict[str, str]:
    return {"slug": slug}
