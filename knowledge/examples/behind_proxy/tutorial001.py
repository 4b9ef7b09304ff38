from fastapi import FastAPI, Request
from pydantic import BaseModel
from pydantic_settings import BaseSettings
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


class Settings(BaseSettings):
    # Addresses or networks (comma-separated) of the proxies allowed to set X-Forwarded-* headers.
    trusted_proxies: str = "127.0.0.1"


settings = Settings()

app = FastAPI()
app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


class ItemLinks(BaseModel):
    self_url: str
    client_ip: str | None
    scheme: str


@app.get("/items/{item_id}")
async def read_item(item_id: int, request: Request) -> ItemLinks:
    return ItemLinks(
        self_url=str(request.url_for("read_item", item_id=item_id)),
        client_ip=request.client.host if request.client else None,
        scheme=request.url.scheme,
    )
