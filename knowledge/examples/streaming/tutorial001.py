"""Stream by yielding: JSON Lines from a typed generator, CSV bytes through a StreamingResponse subclass."""

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel


class Item(BaseModel):
    id: int
    name: str


async def fetch_items(limit: int) -> AsyncIterator[Item]:
    """Stands in for a database cursor or a paginated upstream API: items arrive one at a time."""
    for i in range(limit):
        yield Item(id=i, name=f"item, no. {i}")


app = FastAPI()
Limit = Annotated[int, Query(ge=0, le=100_000)]


@app.get("/items/stream")
async def stream_items(limit: Limit = 3) -> AsyncIterable[Item]:
    # A generator with an item type: FastAPI validates each item and sends one JSON document per line.
    async for item in fetch_items(limit):
        yield item


class CSVResponse(StreamingResponse):
    media_type = "text/csv"


@app.get("/items/export.csv", response_class=CSVResponse)
async def export_items(limit: Limit = 3) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the csv module quotes commas and quotes in values
    writer.writerow(["id", "name"])
    async for item in fetch_items(limit):
        writer.writerow([item.id, item.name])
        yield buffer.getvalue()  # one chunk per row: memory stays flat however many rows
        buffer.seek(0)
        buffer.truncate()
