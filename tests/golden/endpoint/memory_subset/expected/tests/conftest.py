"""Fixtures: an app per test, started (lifespan and all) by `with TestClient(app)`."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as client:
        yield client
