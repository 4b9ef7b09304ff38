from fastapi import FastAPI, Request

# Deprecated: the prefix is a deployment detail, so the server should set it (`fastapi run --root-path /api/v1`).
app = FastAPI(root_path="/api/v1")


@app.get("/items/{item_id}")
async def read_item(item_id: int, request: Request) -> dict[str, str]:
    return {"self_url": str(request.url_for("read_item", item_id=item_id))}
