"""WebSocket chat rooms: a ConnectionManager with rooms, broadcast per room, cleanup on disconnect, token auth."""

from contextlib import suppress
from functools import lru_cache
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, Header, Query, WebSocket, WebSocketDisconnect, WebSocketException, status
from fastapi.security.utils import get_authorization_scheme_param
from jwt.exceptions import InvalidTokenError
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    secret_key: SecretStr = Field(min_length=32)  # env SECRET_KEY, the key the tokens are signed with
    algorithm: str = "HS256"


@lru_cache
def get_settings() -> Settings:
    return Settings()


class ConnectionManager:
    """The open connections of this process, grouped by room."""

    def __init__(self) -> None:
        self.rooms: dict[str, set[WebSocket]] = {}

    async def connect(self, room: str, websocket: WebSocket) -> None:
        await websocket.accept()
        self.rooms.setdefault(room, set()).add(websocket)

    def disconnect(self, room: str, websocket: WebSocket) -> None:
        members = self.rooms.get(room, set())
        members.discard(websocket)
        if not members:
            self.rooms.pop(room, None)  # no empty rooms left behind

    async def broadcast(self, room: str, message: dict[str, Any]) -> None:
        for connection in list(self.rooms.get(room, ())):  # a copy: the set may change while we await
            try:
                await connection.send_json(message)
            except (WebSocketDisconnect, RuntimeError):  # it went away between two messages
                self.disconnect(room, connection)


manager = ConnectionManager()


async def get_ws_user(
    settings: Annotated[Settings, Depends(get_settings)],
    token: Annotated[str | None, Query()] = None,  # browsers cannot set headers on a WebSocket
    authorization: Annotated[str | None, Header()] = None,  # other clients can
) -> str:
    scheme, credentials = get_authorization_scheme_param(authorization)
    token = token or (credentials if scheme.lower() == "bearer" else None)
    if not token:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="Missing token")
    try:
        payload = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[settings.algorithm],
            options={"require": ["exp", "sub"]},
        )
    except InvalidTokenError:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="Invalid token") from None
    return str(payload["sub"])


app = FastAPI()


@app.websocket("/ws/{room}")
async def chat(websocket: WebSocket, room: str, username: Annotated[str, Depends(get_ws_user)]) -> None:
    await manager.connect(room, websocket)
    try:
        with suppress(WebSocketDisconnect):  # the client closed: the normal way out of the loop
            while True:
                text = await websocket.receive_text()
                await manager.broadcast(room, {"user": username, "text": text})
    finally:
        manager.disconnect(room, websocket)  # always, whatever ended the loop
    await manager.broadcast(room, {"user": username, "event": "left"})
