"""Tests for the task-queue knowledge entry: the API against a real redis-server, the worker run in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from rq import SimpleWorker

from tests.knowledge.conftest import LoadExample


@pytest.fixture
def client(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch, redis_url: str) -> Iterator[TestClient]:
    with redis.Redis.from_url(redis_url) as connection:
        connection.flushdb()
    monkeypatch.setenv("REDIS_URL", redis_url)
    module = load_example("examples/task_queue/tutorial001.py")
    with TestClient(module.app) as client:
        yield client


def run_worker(client: TestClient) -> None:
    """What `rq worker default` does in its own process, here in-process until the queue is empty."""
    queue = client.app_state["queue"]
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def explode() -> None:
    raise RuntimeError("internal detail: db password is hunter2")


def test_job_function_is_plain_and_testable_without_redis(load_example: LoadExample) -> None:
    """The job is a plain module-level function: it can be unit-tested directly."""
    module = load_example("examples/task_queue/tutorial001.py")
    assert module.count_words("the quick\nbrown  fox") == 4


def test_enqueue_returns_202_and_the_worker_produces_the_result(client: TestClient) -> None:
    """The API only enqueues (202 + job id + Location); the job runs in the worker, then the status shows the result."""
    response = client.post("/jobs/word-count", json={"text": "one two three"})
    assert response.status_code == 202
    job_id = response.json()["job_id"]
    assert response.json()["status_url"] == f"http://testserver/jobs/{job_id}"
    assert response.headers["location"] == response.json()["status_url"]

    before = client.get(f"/jobs/{job_id}")
    assert before.json() == {"job_id": job_id, "status": "queued", "result": None}

    run_worker(client)

    after = client.get(f"/jobs/{job_id}")
    assert after.status_code == 200
    assert after.json() == {"job_id": job_id, "status": "finished", "result": 3}


def test_failed_job_reports_failed_without_leaking_the_traceback(client: TestClient) -> None:
    """A job that raises is reported as failed; its exception text stays out of the API response."""
    job = client.app_state["queue"].enqueue(explode)
    run_worker(client)
    response = client.get(f"/jobs/{job.id}")
    assert response.json() == {"job_id": job.id, "status": "failed", "result": None}
    assert "hunter2" not in response.text


def test_unknown_job_is_404(client: TestClient) -> None:
    """An unknown (or expired) job id is a 404."""
    response = client.get("/jobs/does-not-exist")
    assert response.status_code == 404
    assert response.json() == {"detail": "Job not found (unknown or expired)"}


def test_invalid_request_enqueues_nothing(client: TestClient) -> None:
    """Validation happens before enqueueing: a 422 leaves the queue empty."""
    assert client.post("/jobs/word-count", json={"text": ""}).status_code == 422
    assert client.app_state["queue"].count == 0
