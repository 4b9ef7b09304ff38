"""FE030: ``session.commit()`` once per item of a ``for`` loop in a route or dependency."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import ASYNC_SESSIONS, SYNC_SESSIONS, walk
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["SessionCommitInLoop"]

_SESSIONS = SYNC_SESSIONS | ASYNC_SESSIONS
_BATCH_WORDS = ("chunk", "batch", "page")
_BULK = frozenset({"add_all", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"})


class SessionCommitInLoop(Rule):
    """## What it does
    Flags `session.commit()` (or `await session.commit()`) as a plain statement of a `for` loop's body in a route or
    dependency, where `session` is known to be a `Session`/`AsyncSession`. A commit under an `if` or a `try` in the
    loop (periodic commits, per-item error handling), a `while` or `async for` loop (queue and stream consumers), and
    loops over chunks or batches are left alone.

    ## Why is this bad?
    Each commit is a transaction: a round trip, a flush and, on most databases, a write to disk. Committing once per
    item makes the endpoint N times slower, and when item 57 fails the first 56 are already committed — the request
    returns an error but leaves half its work in the database. One commit after the loop is faster and atomic.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlmodel import Session

    from .db import Hero, HeroCreate

    app = FastAPI()


    @app.post("/heroes/bulk")
    def create_heroes(heroes: list[HeroCreate], session: Session) -> dict[str, int]:
        for hero in heroes:
            session.add(Hero.model_validate(hero))
            session.commit()
        return {"created": len(heroes)}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from sqlmodel import Session

    from .db import Hero, HeroCreate

    app = FastAPI()


    @app.post("/heroes/bulk")
    def create_heroes(heroes: list[HeroCreate], session: Session) -> dict[str, int]:
        for hero in heroes:
            session.add(Hero.model_validate(hero))
        session.commit()
        return {"created": len(heroes)}
    ```

    ## References
    - [SQLAlchemy: Managing transactions](https://docs.sqlalchemy.org/en/20/orm/session_transaction.html)
    - [FastAPI: SQL (relational) databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    """

    CODE = "FE030"
    MESSAGE = "the session commits once per item of the loop"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("commit",)

    VALID: ClassVar = [
        Valid(
            "from sqlmodel import Session\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.post('/')\n"
            "def r(items: list, session: Session):\n    for item in items:\n        session.add(item)\n"
            "    session.commit()\n"
        ),
        # periodic commits and per-item error handling are deliberate
        Valid(
            "from sqlmodel import Session\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.post('/')\n"
            "def r(items: list, session: Session):\n    for i, item in enumerate(items):\n        session.add(item)\n"
            "        if i % 500 == 0:\n            session.commit()\n    for item in items:\n        try:\n"
            "            session.add(item)\n            session.commit()\n        except Exception:\n"
            "            session.rollback()\n"
        ),
        # a consumer loop in a websocket handler: one message, one transaction
        Valid(
            "from fastapi import FastAPI, WebSocket\nfrom sqlalchemy.ext.asyncio import AsyncSession\n"
            "app = FastAPI()\n@app.websocket('/ws')\nasync def ws(websocket: WebSocket, s: AsyncSession):\n"
            "    async for m in websocket.iter_json():\n        s.add(Msg(**m))\n        await s.commit()\n"
        ),
        # batches
        Valid(
            "from sqlmodel import Session\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.post('/')\n"
            "def r(items: list, session: Session):\n    for chunk in chunks(items, 100):\n"
            "        session.add_all(chunk)\n        session.commit()\n"
        ),
        # unknown receiver; not a route
        Valid("def r(items, db):\n    for item in items:\n        db.commit()\n"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from sqlmodel import Session\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.post('/')\n"
            "def r(items: list, session: Session):\n    for item in items:\n        session.add(item)\n"
            "        session.commit()\n",
            line=8,
            column=9,
        ),
        Invalid(
            "from typing import Annotated\nimport fastapi as fa\nfrom sqlalchemy.ext.asyncio import AsyncSession\n"
            "router = fa.APIRouter()\ndef build():\n    @router.delete('/')\n"
            "    async def r(ids: list[int], s: Annotated[AsyncSession, fa.Depends(get_s)]):\n"
            "        for i in ids:\n            await s.delete(await s.get(Item, i))\n            await s.commit()\n",
            line=10,
        ),
        Invalid(
            "from fastapi import Depends\nfrom sqlalchemy.orm import Session\n"
            "def touch(db: Session = Depends(get_db)):\n    for user in db.query(User).all():\n"
            "        user.seen = True\n        db.commit()\nx = Depends(touch)\n",
            line=6,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr != "commit":
            return
        scopes = self.context.scopes
        function = scopes[-1] if scopes else None
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        if self.context.route_of(function) is None and not self.context.is_dependency(function):
            return
        if self.context.type_of(func.value) not in _SESSIONS:
            return
        loop = self._loop_of_statement()
        if loop is None or self._batched(loop):
            return
        self.report(node, f"`{self.context.source.segment(node)}` commits once per item of the loop")

    def _loop_of_statement(self) -> ast.For | None:
        """The ``for`` loop whose body holds the commit as a plain statement (``commit()`` / ``await commit()``)."""
        ancestors = list(reversed(self.context.stack))
        if ancestors and isinstance(ancestors[0], ast.Await):
            ancestors = ancestors[1:]
        if len(ancestors) < 2 or not isinstance(ancestors[0], ast.Expr):
            return None
        statement, loop = ancestors[0], ancestors[1]
        return loop if isinstance(loop, ast.For) and statement in loop.body else None

    def _batched(self, loop: ast.For) -> bool:
        named = " ".join(n.id for n in walk(loop.iter) if isinstance(n, ast.Name))
        named += " " + " ".join(n.id for n in walk(loop.target) if isinstance(n, ast.Name))
        if any(word in named.lower() for word in _BATCH_WORDS):
            return True
        return any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _BULK
            for statement in loop.body
            for n in walk(statement)
        )
