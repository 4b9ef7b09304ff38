from fastapi import FastAPI, Request

# No root_path here: the server sets it, e.g. `fastapi run app/main.py --root-path /api/v1`.
app = FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: int, request: Request) -> dict[str, str]:
    return {
        "root_path": request.scope.get("root_path", ""),
        "self_url": str(request.url_for("read_item", item_id=item_id)),
    }
