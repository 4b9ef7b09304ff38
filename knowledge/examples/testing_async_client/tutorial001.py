import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal, TypedDict

import anyio
from fastapi import Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel


class Job(BaseModel):
    id: int
    status: Literal["queued", "done"]


class State(TypedDict):
    queue: asyncio.Queue[int]
    jobs: dict[int, Job]


async def worker(queue: asyncio.Queue[int], jobs: dict[int, Job]) -> None:
    while True:
        job_id = await queue.get()
        jobs[job_id] = Job(id=job_id, status="done")
        queue.task_done()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    jobs: dict[int, Job] = {}
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(worker, queue, jobs)
        yield {"queue": queue, "jobs": jobs}
        task_group.cancel_scope.cancel()  # shutdown: stop the worker


app = FastAPI(lifespan=lifespan)


def get_state(request: Request) -> State:
    return {"queue": request.state.queue, "jobs": request.state.jobs}


StateDep = Annotated[State, Depends(get_state)]


@app.post("/jobs/", status_code=status.HTTP_202_ACCEPTED)
async def submit_job(state: StateDep) -> Job:
    job = Job(id=len(state["jobs"]) + 1, status="queued")
    state["jobs"][job.id] = job
    await state["queue"].put(job.id)
    return job


@app.get("/jobs/{job_id}")
async def read_job(job_id: int, state: StateDep) -> Job:
    if job_id not in state["jobs"]:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Job not found")
    return state["jobs"][job_id]
