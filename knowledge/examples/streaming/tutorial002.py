"""Server-Sent Events: `response_class=EventSourceResponse` and `yield ServerSentEvent(...)`, resumable by id."""

from collections.abc import AsyncIterable, AsyncIterator
from typing import Annotated

from fastapi import FastAPI, Header
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

TOTAL_STEPS = 3


class Progress(BaseModel):
    step: int
    total: int


async def job_progress(job_id: str, after: int) -> AsyncIterator[Progress]:
    """Stands in for a subscription (Redis pub/sub, a queue) that yields updates as they happen."""
    for step in range(after + 1, TOTAL_STEPS + 1):
        yield Progress(step=step, total=TOTAL_STEPS)


app = FastAPI()


@app.get("/jobs/{job_id}/events", response_class=EventSourceResponse)
async def job_events(
    job_id: str, last_event_id: Annotated[int | None, Header()] = None
) -> AsyncIterable[ServerSentEvent]:
    # On reconnect the browser's EventSource sends back the last `id` it saw as the Last-Event-ID header.
    async for progress in job_progress(job_id, after=last_event_id or 0):
        yield ServerSentEvent(data=progress, event="progress", id=str(progress.step))
    yield ServerSentEvent(raw_data="done", event="end")
