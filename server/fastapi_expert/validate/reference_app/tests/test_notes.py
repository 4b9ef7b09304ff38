"""The notes CRUD: status codes, bodies, validation, pagination and partial updates."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient


def create(client: TestClient, title: str = "Shopping list", body: str = "Milk, eggs") -> dict[str, object]:
    response = client.post("/notes/", json={"title": title, "body": body})
    assert response.status_code == 201, response.text
    note: dict[str, object] = response.json()
    return note


def test_create_returns_201_and_the_note_with_its_id_and_creation_time(client: TestClient) -> None:
    note = create(client)
    assert note["title"] == "Shopping list"
    assert note["body"] == "Milk, eggs"
    assert isinstance(note["id"], int)
    created_at = datetime.fromisoformat(str(note["created_at"]))
    assert created_at.utcoffset() == timedelta(0)  # timezone-aware UTC on every backend


def test_body_is_optional(client: TestClient) -> None:
    response = client.post("/notes/", json={"title": "Title only"})
    assert response.status_code == 201
    assert response.json()["body"] == ""


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"body": "no title"},
        {"title": ""},
        {"title": "x" * 201},
        {"title": None},
        {"title": "ok", "unknown": 1},
    ],
    ids=["empty", "missing-title", "blank-title", "title-too-long", "null-title", "extra-field"],
)
def test_create_rejects_an_invalid_note_with_422(client: TestClient, payload: dict[str, object]) -> None:
    response = client.post("/notes/", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_list_is_empty_on_a_new_database(client: TestClient) -> None:
    response = client.get("/notes/")
    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "skip": 0, "limit": 20}


def test_list_pages_in_id_order_and_counts_every_note(client: TestClient) -> None:
    ids = [create(client, title=f"Note {number}")["id"] for number in range(5)]
    page = client.get("/notes/", params={"skip": 1, "limit": 2}).json()
    assert [item["id"] for item in page["items"]] == ids[1:3]
    assert (page["total"], page["skip"], page["limit"]) == (5, 1, 2)
    last = client.get("/notes/", params={"skip": 4, "limit": 100}).json()
    assert [item["id"] for item in last["items"]] == ids[4:]
    assert client.get("/notes/", params={"skip": 10}).json()["items"] == []


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": 0}, {"skip": -1}, {"limit": "many"}])
def test_list_rejects_an_out_of_range_page_with_422(client: TestClient, params: dict[str, int | str]) -> None:
    assert client.get("/notes/", params=params).status_code == 422


def test_read_returns_the_note(client: TestClient) -> None:
    note = create(client)
    response = client.get(f"/notes/{note['id']}")
    assert response.status_code == 200
    assert response.json() == note


def test_read_of_a_missing_note_is_404(client: TestClient) -> None:
    response = client.get("/notes/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Note 999 not found"}


def test_read_with_a_non_integer_id_is_422(client: TestClient) -> None:
    assert client.get("/notes/abc").status_code == 422


@pytest.mark.parametrize("note_id", ["0", "-1", str(2**31), "345421815145954803712"])
def test_an_id_outside_the_integer_column_is_422_not_a_driver_overflow(client: TestClient, note_id: str) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        assert client.request(method, f"/notes/{note_id}", json={}).status_code == 422


def test_patch_changes_only_the_fields_sent(client: TestClient) -> None:
    note = create(client, title="Before", body="Kept")
    response = client.patch(f"/notes/{note['id']}", json={"title": "After"})
    assert response.status_code == 200
    assert response.json() == {**note, "title": "After"}
    assert client.get(f"/notes/{note['id']}").json() == {**note, "title": "After"}


def test_patch_with_an_empty_body_changes_nothing(client: TestClient) -> None:
    note = create(client)
    response = client.patch(f"/notes/{note['id']}", json={})
    assert response.status_code == 200
    assert response.json() == note


@pytest.mark.parametrize("payload", [{"title": None}, {"body": None}, {"title": ""}, {"id": 5}])
def test_patch_rejects_invalid_values_with_422(client: TestClient, payload: dict[str, object]) -> None:
    note = create(client)
    assert client.patch(f"/notes/{note['id']}", json=payload).status_code == 422
    assert client.get(f"/notes/{note['id']}").json() == note


def test_patch_of_a_missing_note_is_404(client: TestClient) -> None:
    response = client.patch("/notes/999", json={"title": "After"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Note 999 not found"}


def test_delete_returns_204_without_a_body_and_the_note_is_gone(client: TestClient) -> None:
    note = create(client)
    response = client.delete(f"/notes/{note['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/notes/{note['id']}").status_code == 404
    assert client.get("/notes/").json()["total"] == 0


def test_delete_of_a_missing_note_is_404(client: TestClient) -> None:
    response = client.delete("/notes/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Note 999 not found"}


def test_the_openapi_schema_documents_every_operation(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/notes/"]) == {"get", "post"}
    assert set(paths["/notes/{note_id}"]) == {"get", "patch", "delete"}
    for method in ("get", "patch", "delete"):
        assert "404" in paths["/notes/{note_id}"][method]["responses"]
