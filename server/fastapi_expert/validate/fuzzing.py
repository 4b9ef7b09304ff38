"""The fuzz step: schemathesis-generated requests against a live FastAPI app, in-process and reproducible.

schemathesis 4 loads the app's own OpenAPI document (``schemathesis.openapi.from_dict`` on ``app.openapi()``, with an
explicit ``schemathesis.Config(seed=0)`` so no ``schemathesis.toml`` is read) and generates positive cases per operation
with ``APIOperation.as_strategy()``. Not ``from_asgi``: its client starts a second lifespan of the app in a
process-wide thread that lives until exit. Hypothesis runs derandomized, without a database and without shrinking,
so the same app gives the same requests on every run; ``max_examples`` bounds the cases per operation.

Each case is serialized the way schemathesis' own transport would (``Case.as_transport_kwargs`` into a prepared
``requests`` request: headers, cookies, query, JSON, form or multipart body) and sent through a starlette
``TestClient``, so the app runs with the same lifespan as the route round trip; ``Case.validate_response`` then runs the
checks. An exception raised by the app is a ``not_a_server_error`` failure carrying the app's traceback. Security
schemes are satisfied with the round trip's :func:`~fastapi_expert.validate.roundtrip.satisfied_auth`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisException
from schemathesis.checks import not_a_server_error
from schemathesis.core.errors import SchemathesisError
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance

from fastapi_expert.validate.roundtrip import RouteKey, format_app_traceback, satisfied_auth

__all__ = ["CHECKS", "FuzzFailure", "FuzzReport", "fuzz_app"]

#: The checks every response goes through (schemathesis' names).
CHECKS = (not_a_server_error, response_schema_conformance)
_BASE_URL = "http://testserver"


@dataclass(frozen=True, slots=True)
class FuzzFailure:
    """One distinct failure: the operation, the check, and a request that reproduces it."""

    method: str
    path: str
    check: str
    title: str
    detail: str
    request: str

    def render(self) -> str:
        return f"{self.method} {self.path}: {self.check} - {self.title}\nrequest: {self.request}\n{self.detail}"


@dataclass(frozen=True, slots=True)
class FuzzReport:
    """What the fuzzing did: operations and cases run, distinct failures, operations it could not fuzz."""

    operations: int
    examples: int
    failures: tuple[FuzzFailure, ...]
    skipped: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    def render(self) -> str:
        """A summary line, one line per failure and per skipped operation, then the first failure in full."""
        lines = [
            f"{self.operations} operations, {self.examples} generated requests, {len(self.failures)} failures"
            + (f", {len(self.skipped)} operations not fuzzed" if self.skipped else "")
        ]
        lines += [
            f"  FAIL {failure.method} {failure.path}: {failure.check} - {failure.title}" for failure in self.failures
        ]
        lines += [f"  skipped {reason}" for reason in self.skipped]
        if self.failures:
            lines += ["", "First failure:", self.failures[0].render()]
        return "\n".join(lines)


def fuzz_app(
    app: FastAPI,
    *,
    max_examples: int = 25,
    routes: Iterable[RouteKey] | None = None,
    client: TestClient | None = None,
) -> FuzzReport:
    """Fuzz every operation of ``app`` (or only ``routes``) with up to ``max_examples`` generated requests each.

    Pass an entered ``client`` to share its lifespan; without one, a ``TestClient`` is entered for the call.
    """
    if client is None:
        with TestClient(app) as own:
            return fuzz_app(app, max_examples=max_examples, routes=routes, client=own)
    selected = None if routes is None else {RouteKey(method.upper(), path) for method, path in routes}
    schema = schemathesis.openapi.from_dict(copy.deepcopy(app.openapi()), config=schemathesis.Config(seed=0))
    run = _Run(client, max_examples)
    seen: set[RouteKey] = set()
    with satisfied_auth(app, selected):
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                run.skipped.append(f"an operation schemathesis cannot load: {result.err()}")
                continue
            operation = result.ok()
            key = RouteKey(operation.method.upper(), operation.path)
            if selected is not None and key not in selected:
                continue
            seen.add(key)
            run.operation(key, operation)
    missing = sorted(selected - seen) if selected is not None else []
    run.skipped += [f"{key.method} {key.path}: not in the OpenAPI document" for key in missing]
    return FuzzReport(len(seen), run.examples, tuple(run.failures), tuple(run.skipped))


class _Run:
    """Sends generated cases, collects distinct failures (one per operation, check and problem)."""

    def __init__(self, client: TestClient, max_examples: int) -> None:
        self.client = client
        self.settings = settings(
            max_examples=max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        self.examples = 0
        self.failures: list[FuzzFailure] = []
        self.skipped: list[str] = []
        self._seen: set[tuple[str, str, str, str]] = set()

    def operation(self, key: RouteKey, operation: schemathesis.APIOperation[Any, Any, Any, Any]) -> None:
        @self.settings
        @given(case=operation.as_strategy())
        def send(case: schemathesis.Case[Any]) -> None:
            self.send(key, case)

        try:
            send()
        except (SchemathesisError, HypothesisException) as exc:
            self.skipped.append(f"{key.method} {key.path}: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}")

    def send(self, key: RouteKey, case: schemathesis.Case[Any]) -> None:
        self.examples += 1
        kwargs = case.as_transport_kwargs(base_url=_BASE_URL)
        prepared = requests.Request(
            method=kwargs["method"],
            url=kwargs["url"],
            headers=kwargs.get("headers"),
            params=kwargs.get("params"),
            cookies=kwargs.get("cookies"),
            json=kwargs.get("json"),
            data=kwargs.get("data"),
            files=kwargs.get("files"),
        ).prepare()
        request = _describe(prepared)
        try:
            response = self.client.request(
                str(prepared.method),
                str(prepared.url),
                headers={name: _text(value) for name, value in prepared.headers.items()},
                content=prepared.body if isinstance(prepared.body, str | bytes) else None,
                follow_redirects=False,
            )
        except Exception as exc:  # noqa: BLE001 - the app raised: its traceback is the finding
            title = f"the app raised {type(exc).__name__}: {str(exc)[:200]}"
            self.record(key, "not_a_server_error", title, format_app_traceback(exc), request)
            return
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check])
            except FailureGroup as group:
                for failure in group.exceptions:
                    self.record(key, check.__name__, failure.title, failure.message[:1500], request)

    def record(self, key: RouteKey, check: str, title: str, detail: str, request: str) -> None:
        identity = (key.method, key.path, check, title)
        if identity not in self._seen:
            self._seen.add(identity)
            self.failures.append(FuzzFailure(key.method, key.path, check, title, detail, request))


def _describe(prepared: requests.PreparedRequest) -> str:
    headers = {name: value for name, value in prepared.headers.items() if name.lower() not in _DEFAULT_HEADERS}
    parts = [f"{prepared.method} {prepared.path_url}", *(f"{name}: {_text(value)}" for name, value in headers.items())]
    body = prepared.body
    if body:
        text = body.decode(errors="replace") if isinstance(body, bytes) else str(body)
        parts.append(f"body={text if len(text) <= 1000 else text[:1000] + ' [...]'}")
    return " ".join(parts)


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


_DEFAULT_HEADERS = frozenset(
    {"user-agent", "accept", "accept-encoding", "connection", "content-length", "x-schemathesis-testcaseid"}
)
