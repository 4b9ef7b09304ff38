from contextlib import suppress
from typing import Annotated

from fastapi import FastAPI, Query, WebSocket, WebSocketDisconnect, status

app = FastAPI()


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket, token: Annotated[str | None, Query()] = None) -> None:
    if token is None:
        # Closing before accept() rejects the handshake.
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    await websocket.accept()
    with suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive_json()
            await websocket.send_json({"echo": message})
