from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from pydantic import BaseModel, Field


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(gt=0)


class Item(ItemIn):
    id: int


class State(TypedDict):
    items: dict[int, Item]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    # The store exists only while the lifespan runs: a fresh one for every startup.
    yield {"items": {}}


app = FastAPI(lifespan=lifespan)


def get_items(request: Request) -> dict[int, Item]:
    return request.state.items


ItemsDep = Annotated[dict[int, Item], Depends(get_items)]


@app.post("/items/", status_code=status.HTTP_201_CREATED)
async def create_item(item: ItemIn, items: ItemsDep, request: Request, response: Response) -> Item:
    new_item = Item(id=len(items) + 1, **item.model_dump())
    items[new_item.id] = new_item
    response.headers["Location"] = str(request.url_for("read_item", item_id=new_item.id))
    return new_item


@app.get("/items/{item_id}")
async def read_item(item_id: int, items: ItemsDep) -> Item:
    if item_id not in items:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Item not found")
    return items[item_id]
