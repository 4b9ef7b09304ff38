import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

from fastapi import FastAPI, HTTPException, Request, status

logger = logging.getLogger(__name__)


async def load_exchange_rates() -> dict[str, Decimal]:
    # Stands in for an expensive load: a file, a model, a remote table.
    return {"EUR": Decimal("0.92"), "GBP": Decimal("0.79")}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.rates = await load_exchange_rates()
    logger.info("loaded %d exchange rates", len(app.state.rates))
    try:
        yield
    finally:
        # Runs at shutdown, and also if the server stops because of an error.
        del app.state.rates
        logger.info("released exchange rates")


app = FastAPI(lifespan=lifespan)


@app.get("/convert")
async def convert(amount: Decimal, currency: str, request: Request) -> dict[str, str]:
    rates: dict[str, Decimal] = request.app.state.rates
    if currency not in rates:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Unknown currency {currency!r}")
    return {"currency": currency, "amount": str(amount * rates[currency])}
