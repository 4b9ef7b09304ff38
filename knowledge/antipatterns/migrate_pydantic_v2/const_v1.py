# Pydantic v1 `Field(const=True)`: removed in v2 (use Literal), so the model cannot even be defined.
from fastapi import FastAPI
from pydantic import BaseModel, Field


class Event(BaseModel):
    kind: str = Field("created", const=True)


app = FastAPI()


@app.post("/events/")
def receive(event: Event) -> Event:
    return event
