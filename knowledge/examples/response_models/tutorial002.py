from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float = 10.5
    tags: list[str] = []


class Message(BaseModel):
    detail: str


ITEMS = {
    "foo": Item(name="Foo", price=50.2),
    "bar": Item(name="Bar", description="The bartenders", price=62, tax=20.2),
}

app = FastAPI()


@app.get(
    "/items/{item_id}",
    response_model_exclude_unset=True,  # omit the defaults nobody set: {"name": "Foo", "price": 50.2}
    responses={
        status.HTTP_404_NOT_FOUND: {"model": Message, "description": "No item with this id"},
    },
)
async def read_item(item_id: str) -> Item:
    if item_id not in ITEMS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
    return ITEMS[item_id]


@app.get("/items", response_model_exclude_none=True)
async def list_items() -> list[Item]:
    return list(ITEMS.values())
