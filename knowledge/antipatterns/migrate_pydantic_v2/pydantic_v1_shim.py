# The `pydantic.v1` compatibility namespace: FastAPI no longer accepts its models at all.
from fastapi import FastAPI
from pydantic.v1 import BaseModel


class Item(BaseModel):
    name: str


app = FastAPI()


@app.post("/items/")
def create_item(item: Item) -> dict[str, str]:
    return {"name": item.name}
