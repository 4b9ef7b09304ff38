"""Schemas of Snippet.

- SnippetCreate: what a client sends to create one.
- SnippetUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- SnippetRead: what the API returns.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SnippetLabel(StrEnum):
    IT_S = "it's"
    SAY_HI = 'say "hi"'
    BACK_SLASH = "back\\slash"


Body = Annotated[
    str, Field(description='Quotes \' " """ and\na newline, a \\ backslash')
]
Path = Annotated[
    str,
    Field(
        pattern="^[^\"'\\\\]+\\.py$",
        description='"""); import os; os.system(\'rm -rf /\') #',
    ),
]


class SnippetBase(BaseModel):
    'Ends with a quote: " and triple """ and a backslash \\'

    body: Body = "He said \"hi\"\n\\o/ '''"
    path: Path
    label: SnippetLabel = SnippetLabel.IT_S


class SnippetCreate(SnippetBase):
    pass


class SnippetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Body | None = None
    path: Path | None = None
    label: SnippetLabel | None = None

    @field_validator("body", "path", "label")
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class SnippetRead(SnippetBase):
    id: int
