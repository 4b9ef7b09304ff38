# Pydantic v1 model methods: they still run in v2 but warn (PydanticDeprecatedSince20) on every call.
from typing import Any

from fastapi import FastAPI, Response
from pydantic import BaseModel


class Item(BaseModel):
    name: str
    price: float


app = FastAPI()


@app.post("/items/echo")
def echo(payload: dict[str, Any]) -> dict[str, Any]:
    item = Item.parse_obj(payload)
    return item.dict()


@app.post("/items/raw")
def raw(payload: dict[str, Any]) -> Response:
    item = Item.parse_obj(payload)
    return Response(content=item.json(), media_type="application/json")
