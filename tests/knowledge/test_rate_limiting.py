"""Tests for the rate-limiting knowledge entry."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest
import redis
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from tests.knowledge.conftest import LoadExample


class FakeClock:
    """A clock the test moves by hand: no sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def module(load_example: LoadExample) -> ModuleType:
    return load_example("examples/rate_limiting/tutorial001.py")


@pytest.fixture
def client(module: ModuleType, clock: FakeClock) -> Iterator[TestClient]:
    limiter = module.FixedWindowLimiter(limit=3, window=60, clock=clock)
    module.app.dependency_overrides[module.get_limiter] = lambda: limiter
    with TestClient(module.app) as client:
        yield client


def test_requests_within_the_limit_pass(client: TestClient) -> None:
    """Up to `limit` requests per window are served normally."""
    for _ in range(3):
        assert client.get("/search", params={"q": "x"}).status_code == 200


def test_over_the_limit_is_429_with_retry_after(client: TestClient, clock: FakeClock) -> None:
    """The request after the limit gets 429 with Retry-After: whole seconds until the window resets."""
    for _ in range(3):
        client.get("/search", params={"q": "x"})
    clock.advance(10.5)
    response = client.get("/search", params={"q": "x"})
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many requests"}
    assert response.headers["retry-after"] == "50"  # 49.5 s rounded up


def test_window_reset_allows_requests_again(client: TestClient, clock: FakeClock) -> None:
    """Once the window has passed, the client may send `limit` requests again."""
    for _ in range(4):
        client.get("/search", params={"q": "x"})
    clock.advance(60)
    assert client.get("/search", params={"q": "x"}).status_code == 200


def test_limits_are_per_client(module: ModuleType, client: TestClient) -> None:
    """Each client address has its own counter: one client being limited does not affect another."""
    for _ in range(4):
        client.get("/search", params={"q": "x"})
    assert client.get("/search", params={"q": "x"}).status_code == 429
    with TestClient(module.app, client=("203.0.113.9", 4000)) as other:
        assert other.get("/search", params={"q": "x"}).status_code == 200


def test_unlimited_routes_are_not_counted(client: TestClient) -> None:
    """Only routes with the dependency are limited."""
    for _ in range(10):
        assert client.get("/health").status_code == 200
    assert client.get("/search", params={"q": "x"}).status_code == 200


def test_default_limiter_uses_the_module_instance(module: ModuleType) -> None:
    """Without an override the app uses one module-level limiter (5 per minute), shared by all requests."""
    with TestClient(module.app) as client:
        codes = [client.get("/search", params={"q": "x"}).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert module.get_limiter() is module.limiter


def test_unknown_client_address_shares_one_key(module: ModuleType) -> None:
    """Without a client address (some ASGI servers on unix sockets) every request falls into one 'unknown' bucket."""
    limiter = module.FixedWindowLimiter(limit=1, window=60, clock=FakeClock())
    module.app.dependency_overrides[module.get_limiter] = lambda: limiter

    async def no_client(scope: Scope, receive: Receive, send: Send) -> None:
        scope["client"] = None
        await module.app(scope, receive, send)

    with TestClient(no_client) as client:
        assert client.get("/search", params={"q": "x"}).status_code == 200
        assert client.get("/search", params={"q": "x"}).status_code == 429
    assert list(limiter._windows) == ["unknown"]


# --- the Redis variant, against a real redis-server on 127.0.0.1 ---


@pytest.fixture
def redis_module(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch, redis_url: str) -> ModuleType:
    with redis.Redis.from_url(redis_url) as connection:
        connection.flushdb()
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("RATE_LIMIT", "2")
    return load_example("examples/rate_limiting/tutorial002.py")


def test_redis_limiter_counts_in_redis(redis_module: ModuleType, redis_url: str, clock: FakeClock) -> None:
    """The Redis limiter keeps one counter per client and window in Redis, with an expiry, and answers 429."""
    with TestClient(redis_module.app) as client:
        client.app_state["limiter"].clock = clock
        codes = [client.get("/search", params={"q": "x"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        with redis.Redis.from_url(redis_url) as connection:
            key = f"ratelimit:testclient:{int(clock.now // 60)}"
            assert connection.get(key) == b"3"
            assert 0 < connection.ttl(key) <= 60


def test_redis_limiter_retry_after_and_next_window(redis_module: ModuleType, clock: FakeClock) -> None:
    """Retry-After counts down to the next aligned window, where a fresh counter starts."""
    with TestClient(redis_module.app) as client:
        client.app_state["limiter"].clock = clock
        window_start = (clock.now // 60) * 60
        clock.now = window_start + 15.2
        for _ in range(2):
            client.get("/search", params={"q": "x"})
        limited = client.get("/search", params={"q": "x"})
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "45"  # 44.8 s rounded up
        clock.now = window_start + 60
        assert client.get("/search", params={"q": "x"}).status_code == 200


def test_redis_limit_is_shared_by_every_worker(
    redis_module: ModuleType, load_example: LoadExample, clock: FakeClock
) -> None:
    """Two app instances (two workers) share the same counters, unlike the in-process limiter."""
    second = load_example("examples/rate_limiting/tutorial002.py")
    with TestClient(redis_module.app) as worker_a, TestClient(second.app) as worker_b:
        worker_a.app_state["limiter"].clock = worker_b.app_state["limiter"].clock = clock
        assert worker_a.get("/search", params={"q": "x"}).status_code == 200
        assert worker_b.get("/search", params={"q": "x"}).status_code == 200
        assert worker_a.get("/search", params={"q": "x"}).status_code == 429
        assert worker_b.get("/search", params={"q": "x"}).status_code == 429


def test_in_process_limit_is_per_worker(load_example: LoadExample) -> None:
    """The in-process limiter is per process: each worker counts separately, so N workers allow N times the limit."""
    worker_a = load_example("examples/rate_limiting/tutorial001.py")
    worker_b = load_example("examples/rate_limiting/tutorial001.py")
    with TestClient(worker_a.app) as a, TestClient(worker_b.app) as b:
        codes = [client.get("/search", params={"q": "x"}).status_code for client in (a, b) for _ in range(5)]
    assert codes == [200] * 10
