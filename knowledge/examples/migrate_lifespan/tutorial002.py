import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request

logger = logging.getLogger(__name__)


@asynccontextmanager
async def reports_lifespan(app: FastAPI) -> AsyncIterator[dict[str, list[str]]]:
    # Replaces @router.on_event(...): resources that belong to this router only.
    logger.info("reports startup")
    yield {"report_names": ["daily", "weekly"]}
    logger.info("reports shutdown")


router = APIRouter(prefix="/reports", lifespan=reports_lifespan)


@router.get("/")
async def list_reports(request: Request) -> list[str]:
    return request.state.report_names


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    logger.info("app startup")
    yield
    logger.info("app shutdown")


app = FastAPI(lifespan=lifespan)
app.include_router(router)
