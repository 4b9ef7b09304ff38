"""Long or critical work goes to a real queue: the API enqueues into Redis with rq, a worker process runs the job."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job


class Settings(BaseSettings):
    redis_url: str = "redis://127.0.0.1:6379/0"  # env REDIS_URL


def count_words(text: str) -> int:
    """The job. The worker imports it by dotted path, so it lives at module level and takes plain, picklable data."""
    return len(text.split())


class State(TypedDict):
    queue: Queue


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    redis = Redis.from_url(Settings().redis_url)
    try:
        yield {"queue": Queue("default", connection=redis)}
    finally:
        redis.close()


app = FastAPI(lifespan=lifespan)


def get_queue(request: Request) -> Queue:
    return request.state.queue


QueueDep = Annotated[Queue, Depends(get_queue)]


class WordCountRequest(BaseModel):
    text: str = Field(min_length=1, max_length=100_000)


class JobAccepted(BaseModel):
    job_id: str
    status_url: str


class JobInfo(BaseModel):
    job_id: str
    status: str  # queued, started, finished, failed, ...
    result: int | None = None


# Plain `def` routes: rq talks to Redis with the blocking client, so these run in the threadpool.
@app.post("/jobs/word-count", status_code=status.HTTP_202_ACCEPTED)
def enqueue_word_count(body: WordCountRequest, queue: QueueDep, request: Request, response: Response) -> JobAccepted:
    job = queue.enqueue(count_words, body.text, job_timeout=300, result_ttl=3600, failure_ttl=86400)
    status_url = str(request.url_for("read_job", job_id=job.id))
    response.headers["Location"] = status_url
    return JobAccepted(job_id=job.id, status_url=status_url)


@app.get("/jobs/{job_id}")
def read_job(job_id: Annotated[str, Path(max_length=64)], queue: QueueDep) -> JobInfo:
    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Job not found (unknown or expired)") from None
    # The status only: a failed job's traceback stays in Redis and the worker logs, not in the API.
    return JobInfo(job_id=job.id, status=job.get_status().value, result=job.return_value())
