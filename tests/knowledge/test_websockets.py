"""Tests for the websockets knowledge entry."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import jwt
import pytest
from fastapi import WebSocketDisconnect
from fastapi.testclient import TestClient

from tests.knowledge.conftest import LoadExample

SECRET = secrets.token_hex(32)


def token(sub: str, minutes: int = 5) -> str:
    return jwt.encode({"sub": sub, "exp": datetime.now(UTC) + timedelta(minutes=minutes)}, SECRET, algorithm="HS256")


@pytest.fixture
def module(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    return load_example("examples/websockets/tutorial001.py")


@pytest.fixture
def client(module: ModuleType) -> Iterator[TestClient]:
    with TestClient(module.app) as client:
        yield client


def test_broadcast_reaches_the_room_only(client: TestClient, module: ModuleType) -> None:
    """A message goes to every connection in its room (sender included) and to no other room."""
    with (
        client.websocket_connect(f"/ws/a?token={token('alice')}") as alice,
        client.websocket_connect(f"/ws/a?token={token('bob')}") as bob,
        client.websocket_connect(f"/ws/b?token={token('carol')}") as carol,
    ):
        assert {room: len(members) for room, members in module.manager.rooms.items()} == {"a": 2, "b": 1}
        alice.send_text("hi room a")
        assert alice.receive_json() == {"user": "alice", "text": "hi room a"}
        assert bob.receive_json() == {"user": "alice", "text": "hi room a"}
        carol.send_text("hi room b")
        # carol's first message is her own: alice's never reached room b.
        assert carol.receive_json() == {"user": "carol", "text": "hi room b"}
        bob.send_text("still a")
        # and room a never saw carol's.
        assert alice.receive_json() == {"user": "bob", "text": "still a"}
        assert bob.receive_json() == {"user": "bob", "text": "still a"}


def test_disconnect_removes_the_connection_and_notifies_the_room(client: TestClient, module: ModuleType) -> None:
    """On WebSocketDisconnect the connection leaves the manager, the room hears about it, and empty rooms vanish."""
    with client.websocket_connect(f"/ws/a?token={token('alice')}") as alice:
        with client.websocket_connect(f"/ws/a?token={token('bob')}"):
            assert len(module.manager.rooms["a"]) == 2
        assert alice.receive_json() == {"user": "bob", "event": "left"}
        assert len(module.manager.rooms["a"]) == 1
        alice.send_text("anyone?")
        assert alice.receive_json() == {"user": "alice", "text": "anyone?"}
    assert module.manager.rooms == {}


def test_authorization_header_is_accepted(client: TestClient, module: ModuleType) -> None:
    """Non-browser clients may send the token in an `Authorization: Bearer` header instead of the query string."""
    with client.websocket_connect("/ws/a", headers={"Authorization": f"Bearer {token('dave')}"}) as dave:
        dave.send_text("hello")
        assert dave.receive_json() == {"user": "dave", "text": "hello"}


@pytest.mark.parametrize(
    ("url", "headers", "reason"),
    [
        ("/ws/a", {}, "Missing token"),
        ("/ws/a", {"Authorization": f"Basic {token('alice')}"}, "Missing token"),
        ("/ws/a?token=garbage", {}, "Invalid token"),
        (f"/ws/a?token={token('alice', minutes=-1)}", {}, "Invalid token"),
        (f"/ws/a?token={jwt.encode({'sub': 'eve'}, SECRET, algorithm='HS256')}", {}, "Invalid token"),
    ],
)
def test_bad_credentials_close_with_1008(
    client: TestClient, module: ModuleType, url: str, headers: dict[str, str], reason: str
) -> None:
    """Without a valid token the handshake is refused with close code 1008 (policy violation); nobody joins."""
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(url, headers=headers):
        pass  # pragma: no cover - the connection is never accepted
    assert refused.value.code == 1008
    assert refused.value.reason == reason
    assert module.manager.rooms == {}


class DeadSocket:
    """A connection whose peer vanished: sending fails."""

    async def send_json(self, data: Any) -> None:
        raise WebSocketDisconnect(code=1006)


class LiveSocket:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send_json(self, data: Any) -> None:
        self.sent.append(data)


@pytest.mark.anyio
async def test_broadcast_drops_connections_that_fail(module: ModuleType) -> None:
    """A connection that fails during a broadcast is removed and does not stop delivery to the others."""
    manager = module.ConnectionManager()
    dead, live = DeadSocket(), LiveSocket()
    manager.rooms["a"] = {dead, live}
    await manager.broadcast("a", {"text": "hi"})
    assert live.sent == [{"text": "hi"}]
    assert manager.rooms == {"a": {live}}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
