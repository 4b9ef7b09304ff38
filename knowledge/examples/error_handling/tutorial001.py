from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse


class DomainError(Exception):
    """Base class for errors the business logic raises; it knows nothing about HTTP."""

    status_code = status.HTTP_400_BAD_REQUEST
    title = "Bad Request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ProductNotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    title = "Product not found"


class OutOfStockError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    title = "Out of stock"


STOCK = {"widget": 3}
app = FastAPI()


@app.exception_handler(DomainError)  # also catches every subclass
async def domain_error_handler(request: Request, exc: DomainError) -> JSONResponse:
    # RFC 9457 problem details: a stable, machine-readable shape for every error.
    body = {"type": "about:blank", "title": exc.title, "status": exc.status_code, "detail": exc.detail}
    return JSONResponse(body, status_code=exc.status_code, media_type="application/problem+json")


def reserve(sku: str, quantity: int) -> int:
    if sku not in STOCK:
        raise ProductNotFoundError(f"No product with SKU {sku!r}")
    if STOCK[sku] < quantity:
        raise OutOfStockError(f"Only {STOCK[sku]} left of {sku!r}")
    STOCK[sku] -= quantity
    return STOCK[sku]


@app.post("/orders", status_code=status.HTTP_201_CREATED)
async def create_order(sku: str, quantity: int) -> dict[str, int]:
    return {"remaining": reserve(sku, quantity)}


@app.get("/me")
async def read_me(authorization: Annotated[str | None, Header()] = None) -> dict[str, str]:
    if authorization is None or not authorization.startswith("Bearer "):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},  # a 401 must tell the client how to authenticate
        )
    return {"user": "ada"}
