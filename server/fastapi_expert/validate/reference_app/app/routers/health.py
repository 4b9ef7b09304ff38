"""``GET /health``: the app is up and its database answers."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..database import SessionDep

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


@router.get(
    "/health",
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "The database does not answer"}},
)
async def read_health(session: SessionDep) -> Health:
    """``{"status": "ok"}`` once the database has answered ``SELECT 1``; a 503 when it cannot be reached."""
    try:
        await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        # The reason goes to the log, not to the (unauthenticated) client.
        logger.warning("health check: the database does not answer", exc_info=True)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "Database unavailable") from exc
    return Health()
