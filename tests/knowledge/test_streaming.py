"""Tests for the streaming knowledge entry."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.testclient import TestClient

from tests.knowledge.conftest import LoadExample


@pytest.fixture
def generators(load_example: LoadExample) -> Iterator[TestClient]:
    module = load_example("examples/streaming/tutorial001.py")
    with TestClient(module.app) as client:
        yield client


def test_json_lines_one_validated_document_per_line(generators: TestClient) -> None:
    """A generator route with an item type streams JSON Lines (application/jsonl), one document per line."""
    with generators.stream("GET", "/items/stream", params={"limit": 3}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/jsonl"
        assert "content-length" not in response.headers  # the size is not known up front
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert lines == [{"id": i, "name": f"item, no. {i}"} for i in range(3)]


def test_json_lines_openapi_documents_the_item(generators: TestClient) -> None:
    """The item type of the generator documents the stream in OpenAPI."""
    schema = generators.get("/openapi.json").json()
    content = schema["paths"]["/items/stream"]["get"]["responses"]["200"]["content"]
    assert "application/jsonl" in content
    assert "Item" in json.dumps(content)


def test_csv_export_streams_rows_with_proper_quoting(generators: TestClient) -> None:
    """The CSV route streams text/csv through a StreamingResponse subclass; the csv module quotes the commas."""
    with generators.stream("GET", "/items/export.csv", params={"limit": 2}) as response:
        assert response.headers["content-type"].startswith("text/csv")
        body = response.read().decode()
    assert body == 'id,name\r\n0,"item, no. 0"\r\n1,"item, no. 1"\r\n'
    assert list(csv.reader(io.StringIO(body))) == [["id", "name"], ["0", "item, no. 0"], ["1", "item, no. 1"]]


def test_stream_parameters_are_validated_before_streaming(generators: TestClient) -> None:
    """Query parameters of a streaming route are validated before the response starts: 422, not a broken stream."""
    assert generators.get("/items/export.csv", params={"limit": -1}).status_code == 422


def parse_sse(body: str) -> list[dict[str, str]]:
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        events.append(fields)
    return events


@pytest.fixture
def sse(load_example: LoadExample) -> Iterator[TestClient]:
    module = load_example("examples/streaming/tutorial002.py")
    with TestClient(module.app) as client:
        yield client


def test_sse_wire_format(sse: TestClient) -> None:
    """EventSourceResponse sends text/event-stream events with `event`, JSON `data` and `id` fields."""
    with sse.stream("GET", "/jobs/42/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = response.read().decode()
    events = parse_sse(body)
    assert events[0] == {"event": "progress", "data": '{"step":1,"total":3}', "id": "1"}
    assert [event["id"] for event in events[:-1]] == ["1", "2", "3"]
    assert events[-1] == {"event": "end", "data": "done"}  # raw_data is sent as is, not JSON-encoded


def test_sse_disables_caching_and_proxy_buffering(sse: TestClient) -> None:
    """FastAPI sets Cache-Control: no-cache and X-Accel-Buffering: no so proxies pass events through at once."""
    response = sse.get("/jobs/42/events")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"


def test_gzip_middleware_leaves_event_streams_alone(load_example: LoadExample) -> None:
    """GZipMiddleware does not compress text/event-stream, which would hold events back in the compressor."""
    module = load_example("examples/streaming/tutorial002.py")
    module.app.add_middleware(GZipMiddleware, minimum_size=1)
    with TestClient(module.app) as client:
        response = client.get("/jobs/42/events", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers
    assert parse_sse(response.text)[-1] == {"event": "end", "data": "done"}


def test_sse_resumes_after_last_event_id(sse: TestClient) -> None:
    """A reconnecting client sends Last-Event-ID and only receives the events after it."""
    body = sse.get("/jobs/42/events", headers={"Last-Event-ID": "2"}).text
    events = parse_sse(body)
    assert [event.get("id") for event in events] == ["3", None]


@pytest.fixture
def files(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "big.bin").write_bytes(bytes(range(256)) * 1024)  # 256 KiB: four chunks
    (tmp_path / ".env").write_text("SECRET=1")
    monkeypatch.setenv("FILES_DIR", str(tmp_path))
    module = load_example("examples/streaming/tutorial003.py")
    with TestClient(module.app) as client:
        yield client


def test_file_response_has_length_validators_and_range_support(files: TestClient) -> None:
    """FileResponse sends Content-Length, ETag, Last-Modified and an attachment name, and answers Range with 206."""
    response = files.get("/files/big.bin")
    assert response.status_code == 200
    assert response.content == bytes(range(256)) * 1024
    assert response.headers["content-length"] == str(256 * 1024)
    assert response.headers["content-disposition"] == 'attachment; filename="big.bin"'
    assert "etag" in response.headers
    assert "last-modified" in response.headers
    partial = files.get("/files/big.bin", headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206
    assert partial.content == bytes(range(10))


def test_chunked_stream_delivers_the_whole_file(files: TestClient) -> None:
    """The generator route streams the file (no Content-Length) and the body arrives complete."""
    with files.stream("GET", "/files/big.bin/stream") as response:
        assert response.headers["content-type"] == "application/octet-stream"
        assert "content-length" not in response.headers
        body = b"".join(response.iter_bytes())
    assert body == bytes(range(256)) * 1024


def test_file_is_read_in_bounded_chunks(load_example: LoadExample, tmp_path: Path) -> None:
    """The generator reads CHUNK_SIZE bytes at a time, so memory does not grow with the file size."""
    module: ModuleType = load_example("examples/streaming/tutorial003.py")
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * (2 * module.CHUNK_SIZE + 1))
    chunks = list(module.stream_file(path))
    assert [len(chunk) for chunk in chunks] == [module.CHUNK_SIZE, module.CHUNK_SIZE, 1]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/files/missing.bin", 404),
        ("/files/missing.bin/stream", 404),
        ("/files/.env", 422),  # hidden file: refused by the name pattern
        ("/files/.env/stream", 422),
        ("/files/..%2Fbig.bin", 404),  # traversal never matches a single path segment
    ],
)
def test_missing_or_unsafe_names_are_refused_before_streaming(files: TestClient, path: str, status: int) -> None:
    """Names are checked in a dependency before the response starts, so missing or unsafe names get a JSON error."""
    response = files.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"


def test_antipattern_check_inside_generator_sends_200_for_a_missing_file(
    load_example: LoadExample, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A check inside the generator runs after the 200 status was sent: the client gets 200 and an empty body."""
    monkeypatch.chdir(tmp_path)
    module = load_example("antipatterns/streaming/check_inside_generator.py")
    with TestClient(module.app, raise_server_exceptions=False) as client:
        response = client.get("/files/missing.bin/stream")
    assert response.status_code == 200
    assert response.content == b""
