"""The app's exception handlers: ``NotFoundError`` anywhere becomes a JSON 404."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from app.errors import NotFoundError
from app.main import create_app
from app.settings import Settings


def test_not_found_error_raised_by_any_route_is_a_json_404(settings: Settings) -> None:
    router = APIRouter()

    @router.get("/widgets/{widget_id}")
    async def read_widget(widget_id: str) -> dict[str, str]:
        raise NotFoundError("Widget", widget_id)

    app: FastAPI = create_app(settings)
    app.include_router(router)
    with TestClient(app) as client:
        response = client.get("/widgets/abc")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Widget abc not found"}


def test_not_found_error_names_the_resource_and_its_id() -> None:
    error = NotFoundError("Note", 7)
    assert (error.resource, error.resource_id, str(error)) == ("Note", 7, "Note 7 not found")
