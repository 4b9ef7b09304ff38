# Pydantic v1 `min_items`: deprecated in v2 in favour of `min_length`.
from fastapi import FastAPI
from pydantic import BaseModel, Field


class Order(BaseModel):
    item_ids: list[int] = Field(min_items=1)


app = FastAPI()


@app.post("/orders/")
def create_order(order: Order) -> Order:
    return order
