"""Tests for the file-uploads knowledge entry."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from tests.knowledge.conftest import LoadExample

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


@pytest.fixture
def avatars(load_example: LoadExample) -> Iterator[tuple[ModuleType, TestClient]]:
    module = load_example("examples/file_uploads/tutorial001.py")
    with TestClient(module.app) as client:
        yield module, client


@pytest.mark.parametrize(("content", "content_type"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_valid_image_is_accepted(avatars: tuple[ModuleType, TestClient], content: bytes, content_type: str) -> None:
    """A PNG or JPEG whose bytes match its declared type is read completely: size and hash of the whole file."""
    _, client = avatars
    response = client.post("/avatars", files={"file": ("me.img", content, content_type)})
    assert response.status_code == 201
    assert response.json() == {
        "content_type": content_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def test_file_at_the_limit_is_accepted_one_byte_more_is_413(avatars: tuple[ModuleType, TestClient]) -> None:
    """Reading in chunks stops with 413 as soon as the file passes MAX_FILE_SIZE; exactly the limit is fine."""
    module, client = avatars
    at_limit = PNG[:8] + b"\x00" * (module.MAX_FILE_SIZE - 8)
    assert client.post("/avatars", files={"file": ("a.png", at_limit, "image/png")}).status_code == 201
    response = client.post("/avatars", files={"file": ("a.png", at_limit + b"\x00", "image/png")})
    assert response.status_code == 413
    assert response.json() == {"detail": f"File larger than {module.MAX_FILE_SIZE} bytes"}


def test_body_over_max_body_size_is_413_before_parsing(avatars: tuple[ModuleType, TestClient]) -> None:
    """max_body_size rejects a too-large request body while it arrives, before the endpoint or the parser run."""
    module, client = avatars
    huge = PNG[:8] + b"\x00" * (module.MAX_FILE_SIZE + 32 * 1024)
    response = client.post("/avatars", files={"file": ("a.png", huge, "image/png")})
    assert response.status_code == 413
    assert response.text == "Content Too Large"


@pytest.mark.parametrize("content_type", ["text/plain", "image/svg+xml", "application/octet-stream"])
def test_unsupported_declared_type_is_415(avatars: tuple[ModuleType, TestClient], content_type: str) -> None:
    """Only the allowed content types are accepted."""
    _, client = avatars
    response = client.post("/avatars", files={"file": ("x", PNG, content_type)})
    assert response.status_code == 415
    assert response.json() == {"detail": f"Unsupported file type {content_type!r}"}


@pytest.mark.parametrize("content", [b"<script>alert(1)</script>", b"", JPEG])
def test_content_not_matching_declared_type_is_415(avatars: tuple[ModuleType, TestClient], content: bytes) -> None:
    """The declared type is only a claim: a file whose first bytes are not a PNG is refused, even if empty."""
    _, client = avatars
    response = client.post("/avatars", files={"file": ("evil.png", content, "image/png")})
    assert response.status_code == 415
    assert response.json() == {"detail": "File content does not match its type"}


def test_missing_file_is_422(avatars: tuple[ModuleType, TestClient]) -> None:
    """The UploadFile parameter is required."""
    _, client = avatars
    assert client.post("/avatars", data={"other": "x"}).status_code == 422


@pytest.fixture
def albums(load_example: LoadExample) -> Iterator[tuple[ModuleType, TestClient]]:
    module = load_example("examples/file_uploads/tutorial002.py")
    with TestClient(module.app) as client:
        yield module, client


def test_several_files_and_form_fields_in_one_request(albums: tuple[ModuleType, TestClient]) -> None:
    """A list[UploadFile] takes repeated file parts, next to Form fields (a repeated field becomes a list)."""
    _, client = albums
    response = client.post(
        "/albums",
        data={"title": "Holidays", "tags": ["sea", "sun"]},
        files=[("files", ("a.jpg", b"aaa", "image/jpeg")), ("files", ("b.jpg", b"bb", "image/jpeg"))],
    )
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Holidays"
    assert body["tags"] == ["sea", "sun"]
    assert [(f["filename"], f["size"]) for f in body["files"]] == [("a.jpg", 3), ("b.jpg", 2)]
    assert body["files"][0]["sha256"] == hashlib.sha256(b"aaa").hexdigest()


def test_optional_form_field_may_be_left_out(albums: tuple[ModuleType, TestClient]) -> None:
    """An optional Form field that is not sent takes its default."""
    _, client = albums
    response = client.post("/albums", data={"title": "T"}, files=[("files", ("a.jpg", b"x", "image/jpeg"))])
    assert response.status_code == 201
    assert response.json()["tags"] == []


def test_file_part_without_filename_is_not_a_file(albums: tuple[ModuleType, TestClient]) -> None:
    """A part without a filename is parsed as a plain form value, so a list[UploadFile] rejects it with 422."""
    _, client = albums
    response = client.post("/albums", data={"title": "T"}, files=[("files", ("", b"x", "image/jpeg"))])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "files", 0]


def test_form_fields_are_validated(albums: tuple[ModuleType, TestClient]) -> None:
    """Form fields validate like any parameter: a missing or empty title is a 422."""
    _, client = albums
    files = [("files", ("a.jpg", b"a", "image/jpeg"))]
    assert client.post("/albums", files=files).status_code == 422
    assert client.post("/albums", data={"title": ""}, files=files).status_code == 422


def test_each_file_is_bounded(albums: tuple[ModuleType, TestClient]) -> None:
    """One oversized file in the list fails the request with 413 naming that file."""
    module, client = albums
    files = [
        ("files", ("small.jpg", b"a", "image/jpeg")),
        ("files", ("big.jpg", b"a" * (module.MAX_FILE_SIZE + 1), "image/jpeg")),
    ]
    response = client.post("/albums", data={"title": "T"}, files=files)
    assert response.status_code == 413
    assert response.json() == {"detail": f"'big.jpg' is larger than {module.MAX_FILE_SIZE} bytes"}


def test_too_many_files_is_refused_by_form_limits(albums: tuple[ModuleType, TestClient]) -> None:
    """form_limits={"max_files": N} makes the parser refuse the N+1th file with 400, before the endpoint runs."""
    module, client = albums
    files = [("files", (f"{i}.jpg", b"a", "image/jpeg")) for i in range(module.MAX_FILES + 1)]
    response = client.post("/albums", data={"title": "T"}, files=files)
    assert response.status_code == 400
    assert response.json() == {"detail": f"Too many files. Maximum number of files is {module.MAX_FILES}."}
