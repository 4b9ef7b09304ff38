"""Tests for knowledge/testing-testclient.md: testing an app with fastapi.testclient.TestClient."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

LoadExample = Callable[[str], ModuleType]

ITEMS_APP = "examples/testing_testclient/tutorial001.py"
WS_APP = "examples/testing_testclient/tutorial002.py"


def test_with_block_runs_lifespan_and_create_returns_201(load_example: LoadExample) -> None:
    """Inside `with TestClient(app) as client` the lifespan has run, so the store exists and a POST returns 201."""
    app = load_example(ITEMS_APP).app
    with TestClient(app) as client:
        response = client.post("/items/", json={"name": "Plumbus", "price": 9.5})
    assert response.status_code == 201
    assert response.json() == {"id": 1, "name": "Plumbus", "price": 9.5}


def test_client_without_with_block_skips_lifespan(load_example: LoadExample) -> None:
    """A TestClient used without `with` never runs the lifespan: state it creates is missing and the error surfaces."""
    app = load_example(ITEMS_APP).app
    client = TestClient(app)
    with pytest.raises(AttributeError, match="items"):
        client.post("/items/", json={"name": "Plumbus", "price": 9.5})


def test_server_exceptions_can_become_500_responses(load_example: LoadExample) -> None:
    """With raise_server_exceptions=False an unhandled error is returned as a 500 instead of raised in the test."""
    app = load_example(ITEMS_APP).app
    client = TestClient(app, raise_server_exceptions=False)
    response = client.post("/items/", json={"name": "Plumbus", "price": 9.5})
    assert response.status_code == 500


def test_headers_are_asserted_case_insensitively(load_example: LoadExample) -> None:
    """Response headers are case-insensitive; the Location header is an absolute URL on http://testserver."""
    app = load_example(ITEMS_APP).app
    with TestClient(app) as client:
        response = client.post("/items/", json={"name": "Plumbus", "price": 9.5})
        assert response.headers["location"] == "http://testserver/items/1"
        assert response.headers["Location"] == response.headers["location"]
        assert response.headers["content-type"] == "application/json"
        follow = client.get(response.headers["location"])
    assert follow.status_code == 200
    assert follow.json()["name"] == "Plumbus"


def test_each_with_block_gets_a_fresh_lifespan(load_example: LoadExample) -> None:
    """Every `with TestClient(app)` block re-runs the lifespan, so state does not leak from one block to the next."""
    app = load_example(ITEMS_APP).app
    with TestClient(app) as client:
        assert client.post("/items/", json={"name": "A", "price": 1}).status_code == 201
        assert client.get("/items/1").status_code == 200
    with TestClient(app) as client:
        response = client.get("/items/1")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_validation_error_body_shape(load_example: LoadExample) -> None:
    """Invalid input gives 422 with `detail`: a list of {type, loc, msg, input, ctx} entries, one per failed field."""
    app = load_example(ITEMS_APP).app
    with TestClient(app) as client:
        response = client.post("/items/", json={"name": "", "price": -1})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["body", "name"],
                "msg": "String should have at least 1 character",
                "input": "",
                "ctx": {"min_length": 1},
            },
            {
                "type": "greater_than",
                "loc": ["body", "price"],
                "msg": "Input should be greater than 0",
                "input": -1,
                "ctx": {"gt": 0.0},
            },
        ]
    }


def test_validation_error_missing_field_and_bad_path_param(load_example: LoadExample) -> None:
    """A missing field reports type 'missing'; a bad path parameter reports loc ['path', name]."""
    app = load_example(ITEMS_APP).app
    with TestClient(app) as client:
        missing = client.post("/items/", json={"price": 3})
        bad_path = client.get("/items/abc")
    assert missing.status_code == 422
    assert [(e["type"], e["loc"]) for e in missing.json()["detail"]] == [("missing", ["body", "name"])]
    assert bad_path.status_code == 422
    assert [(e["type"], e["loc"]) for e in bad_path.json()["detail"]] == [("int_parsing", ["path", "item_id"])]


def test_websocket_round_trip(load_example: LoadExample) -> None:
    """websocket_connect() opens a session in a `with` block; send_json/receive_json exchange messages."""
    app = load_example(WS_APP).app
    with TestClient(app) as client, client.websocket_connect("/ws/echo?token=abc") as websocket:
        websocket.send_json({"text": "hello"})
        assert websocket.receive_json() == {"echo": {"text": "hello"}}
        websocket.send_json({"text": "again"})
        assert websocket.receive_json() == {"echo": {"text": "again"}}


def test_websocket_rejected_handshake_raises_disconnect(load_example: LoadExample) -> None:
    """A handshake the app closes before accept() raises WebSocketDisconnect carrying the close code."""
    app = load_example(WS_APP).app
    with (
        TestClient(app) as client,
        pytest.raises(WebSocketDisconnect) as excinfo,
        client.websocket_connect("/ws/echo"),
    ):
        pass
    assert excinfo.value.code == 1008


def test_app_runs_in_another_thread(load_example: LoadExample) -> None:
    """TestClient runs the app's event loop in a separate thread, so the test body does not share the app's loop."""
    app = load_example(ITEMS_APP).app
    with TestClient(app) as client:
        assert client.portal is not None
        app_thread = client.portal.call(threading.get_ident)
    assert app_thread != threading.get_ident()


def test_redirects_are_followed_unless_disabled(load_example: LoadExample) -> None:
    """Redirects are followed by default; follow_redirects=False lets the test assert the 307 and its Location."""
    app = load_example(ITEMS_APP).app
    with TestClient(app) as client:
        followed = client.post("/items", json={"name": "A", "price": 1})
        assert followed.status_code == 201
        raw = client.post("/items", json={"name": "A", "price": 1}, follow_redirects=False)
    assert raw.status_code == 307
    assert raw.headers["location"] == "http://testserver/items/"
