"""add_auth benchmark: codemod time on a 2,000-line module with 100 routes, and the per-request cost of each
scheme's auth dependency (requests/s without and with it, in-process through httpx's ASGITransport): on a two-route
app, and on the reference app (``validate/reference_app``) copied and protected by ``add_auth`` (``protect="all"``)
against its unprotected copy, each copy served in its own process, the processes interleaved.

    .venv/bin/python bench/auth_speed.py --runs 7 --requests 2000
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
from fastapi import FastAPI
from pwdlib import PasswordHash

from fastapi_expert.codemods.schemes import SCHEMES
from fastapi_expert.codemods.single import add_auth_to_source, auth_source

ROUTERS = ("users", "orders", "items", "invoices")
METHODS = ("get", "post", "put", "delete", "get")


def big_module(routes: int = 100, target_lines: int = 2000) -> str:
    """An app and four routers, ``routes`` routes, padded with helpers to about ``target_lines`` lines."""
    lines = ['"""A big module, as apps grow."""', "", "from fastapi import APIRouter, FastAPI", "", "app = FastAPI()"]
    for name in ROUTERS:
        lines.append(f'{name} = APIRouter(prefix="/{name}", tags=["{name}"])')
    per_route = (target_lines - 20) // routes + 2
    for index in range(routes):
        router = ROUTERS[index % len(ROUTERS)] if index % 5 else "app"
        method = METHODS[index % len(METHODS)]
        lines += ["", "", f"# route {index}", f'@{router}.{method}("/r{index}/{{item_id}}")']
        lines.append(f"def handler_{index}(item_id: int) -> dict[str, int]:")
        lines.append(f'    """Handler {index}."""')
        body = [f"    value_{k} = item_id + {k}  # step {k}" for k in range(max(per_route - 8, 1))]
        lines += body
        lines.append(f"    return {{'id': item_id, 'n': {index}}}")
    lines += ["", ""] + [f"app.include_router({name})" for name in ROUTERS]
    return "\n".join(lines) + "\n"


def _timed(function: Callable[[], Any]) -> tuple[Any, float, float]:
    """``function()``, its wall-clock and its CPU time (ms): other processes' load inflates the first, not the
    second."""
    started, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def time_codemod(runs: int) -> None:
    source = big_module()
    print(f"module: {source.count(chr(10))} lines, 100 routes (80 on 4 routers, 20 on the app); median of {runs} runs")
    for scheme in SCHEMES:
        auth_source(SCHEMES[scheme])  # rendered once per process, like a server that ran before
        first: list[tuple[float, float]] = []
        second: list[tuple[float, float]] = []
        for _ in range(runs):
            result, wall, cpu = _timed(lambda: add_auth_to_source(source, "main.py", scheme=scheme))  # noqa: B023
            first.append((wall, cpu))
            edited = result.files[0].content
            _, wall, cpu = _timed(lambda: add_auth_to_source(edited, "main.py", scheme=scheme))  # noqa: B023
            second.append((wall, cpu))
        print(
            f"  {scheme:22} apply {_median(first)}   second run (no-op) {_median(second)}   "
            f"protected {len(result.protected)}"
        )


def _median(times: list[tuple[float, float]]) -> str:
    wall = statistics.median(wall for wall, _ in times)
    cpu = statistics.median(cpu for _, cpu in times)
    return f"{wall:7.1f} ms (CPU {cpu:6.1f} ms)"


APP = """from fastapi import Depends, FastAPI
from auth import require_auth{user}

app = FastAPI()


@app.get("/open")
async def open_route() -> dict[str, str]:
    return {{"ok": "yes"}}


@app.get("/closed", dependencies=[Depends(require_auth)])
async def closed_route() -> dict[str, str]:
    return {{"ok": "yes"}}
"""


async def requests_per_second(client: httpx.AsyncClient, path: str, requests: int, **kwargs: Any) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        response = await client.get(path, **kwargs)
    assert response.status_code == 200, response.text
    return requests / (time.perf_counter() - started)


async def measure(app: FastAPI, credentials: dict[str, Any], requests: int, runs: int) -> tuple[float, float]:
    """Median requests/s of the open and the guarded route, measured interleaved (open, guarded, open, ...)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await requests_per_second(client, "/closed", 100, **credentials)  # warm up
        bare, guarded = [], []
        for _ in range(runs):
            bare.append(await requests_per_second(client, "/open", requests, **credentials))
            guarded.append(await requests_per_second(client, "/closed", requests, **credentials))
    return statistics.median(bare), statistics.median(guarded)


def time_requests(requests: int, runs: int) -> None:
    os.environ.update(_environment())
    print(
        f"\nper-request cost: GET without and with the auth dependency (httpx ASGITransport, in-process), "
        f"{requests} requests x {runs} interleaved runs (median)"
    )
    for scheme_name, scheme in SCHEMES.items():
        with tempfile.TemporaryDirectory() as directory:
            package = Path(directory) / f"bench_{scheme_name.replace('-', '_')}"
            package.mkdir()
            (package / "__init__.py").write_text("")
            (package / "auth.py").write_text(auth_source(scheme))
            (package / "main.py").write_text(APP.format(user="").replace("from auth", "from .auth"))
            sys.path.insert(0, directory)
            app = importlib.import_module(f"{package.name}.main").app
            auth = importlib.import_module(f"{package.name}.auth")
            if scheme_name == "api-key":
                credentials: dict[str, Any] = {"headers": {"X-API-Key": "k" * 40}}
            elif scheme_name == "http-basic":
                credentials = {"auth": ("alice", PASSWORD)}
            else:
                token = auth.create_access_token("alice", auth.load_auth_settings())
                credentials = {"headers": {"Authorization": f"Bearer {token}"}}
            without, with_auth = anyio.run(measure, app, credentials, requests, runs)
            sys.path.remove(directory)
        print(
            f"  {scheme_name:22} without {without:8.0f} req/s   with {with_auth:8.0f} req/s   "
            f"ratio {with_auth / without:5.2f}   cost {(1 / with_auth - 1 / without) * 1e6:6.0f} us/request"
        )


REFERENCE_APP = Path(__file__).resolve().parent.parent / "server" / "fastapi_expert" / "validate" / "reference_app"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a benchmark credential


def _environment() -> dict[str, str]:
    return {
        "API_KEY": "k" * 40,
        "SECRET_KEY": "s" * 40,
        "AUTH_USERNAME": "alice",
        "AUTH_PASSWORD": PASSWORD,
        "AUTH_PASSWORD_HASH": PasswordHash.recommended().hash(PASSWORD),
    }


def reference_copies(directory: Path) -> dict[str, Path]:
    """The reference app copied once unprotected and once per scheme protected by ``add_auth`` (every route)."""
    from fastapi_expert.codemods.project import add_auth_to_project

    copies: dict[str, Path] = {}
    for name in ("none", *SCHEMES):
        copy = directory / name
        shutil.copytree(REFERENCE_APP, copy, ignore=shutil.ignore_patterns(".*_cache", "__pycache__"))
        if name != "none":
            _, changes = add_auth_to_project(copy, scheme=name, protect="all")
            changes.write()
        copies[name] = copy
    return copies


async def _serve_reference(scheme: str, requests: int) -> float:
    """Requests/s of ``GET /notes/1`` on the app of the current directory (lifespan run, SQLite database)."""
    app = importlib.import_module("app.main").app
    credentials: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            if scheme == "api-key":
                credentials = {"headers": {"X-API-Key": "k" * 40}}
            elif scheme == "http-basic":
                credentials = {"auth": ("alice", PASSWORD)}
            elif scheme == "oauth2-password-jwt":
                form = {"username": "alice", "password": PASSWORD}
                token = (await client.post("/token", data=form)).json()["access_token"]
                credentials = {"headers": {"Authorization": f"Bearer {token}"}}
            created = await client.post("/notes/", json={"title": "t", "body": "b"}, **credentials)
            assert created.status_code == 201, created.text
            if scheme != "none":
                assert (await client.get("/notes/1")).status_code == 401
            await requests_per_second(client, "/notes/1", 100, **credentials)  # warm up
            return await requests_per_second(client, "/notes/1", requests, **credentials)


def _child(copy: str, scheme: str, requests: int) -> None:
    os.chdir(copy)
    sys.path.insert(0, copy)
    print(anyio.run(_serve_reference, scheme, requests))


def time_reference_app(requests: int, runs: int) -> None:
    print(
        f"\nreference app, GET /notes/1 (SQLite), unprotected copy vs copy protected by add_auth (protect='all'), "
        f"{requests} requests x {runs} interleaved runs, one process per run (median)"
    )
    environment = {**os.environ, **_environment()}
    with tempfile.TemporaryDirectory() as directory:
        copies = reference_copies(Path(directory))
        rates: dict[str, list[float]] = {name: [] for name in copies}
        for run in range(runs):
            for name, copy in copies.items():
                database = Path(directory) / f"{name}-{run}.db"
                command = [
                    sys.executable,
                    __file__,
                    "--child",
                    str(copy),
                    "--scheme",
                    name,
                    "--requests",
                    str(requests),
                ]
                output = subprocess.run(
                    command,
                    env={**environment, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                rates[name].append(float(output.split()[-1]))
    without = statistics.median(rates["none"])
    print(f"  {'none':22} {without:8.0f} req/s")
    for name in SCHEMES:
        with_auth = statistics.median(rates[name])
        print(
            f"  {name:22} {with_auth:8.0f} req/s   ratio {with_auth / without:5.2f}   "
            f"cost {(1 / with_auth - 1 / without) * 1e6:6.0f} us/request"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a copy of the reference app to serve and measure
    parser.add_argument("--scheme", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.scheme, args.requests)
        return
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    time_codemod(args.runs)
    time_requests(args.requests, args.runs)
    time_reference_app(args.requests // 2, args.runs)


if __name__ == "__main__":
    main()
