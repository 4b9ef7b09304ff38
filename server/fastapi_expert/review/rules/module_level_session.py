"""FE031: one database session created at module level and used by routes: shared by every request."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import ASYNC_SESSIONS, SYNC_SESSIONS
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["ModuleLevelSession"]

_SESSIONS = SYNC_SESSIONS | ASYNC_SESSIONS


class ModuleLevelSession(Rule):
    """## What it does
    Flags a `Session`/`AsyncSession` created at module level — `session = Session(engine)`,
    `db = SessionLocal()` of a module-level `sessionmaker`/`async_sessionmaker`, `sessionmaker(...)()` — and used
    inside a route or a dependency of the module. (`scoped_session(...)` registries are not sessions and are not
    flagged.)

    ## Why is this bad?
    A session is a unit of work for one request; it is neither thread-safe nor safe for concurrent tasks. Shared by
    all requests, `def` routes use it from several threadpool threads at once and corrupt its state, `async def`
    routes fail with `InvalidRequestError: ... concurrent operations are not permitted`, one request's uncommitted
    changes are flushed by another's commit, and after one failed flush every later request gets
    `PendingRollbackError` until the process restarts.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlmodel import Session, create_engine

    from .models import Hero

    engine = create_engine("sqlite:///database.db")
    session = Session(engine)
    app = FastAPI()


    @app.get("/heroes/{hero_id}")
    def read_hero(hero_id: int) -> Hero | None:
        return session.get(Hero, hero_id)
    ```

    ## Use instead
    ```python
    from collections.abc import Iterator
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlmodel import Session, create_engine

    from .models import Hero

    engine = create_engine("sqlite:///database.db")
    app = FastAPI()


    def get_session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session


    @app.get("/heroes/{hero_id}")
    def read_hero(hero_id: int, session: Annotated[Session, Depends(get_session)]) -> Hero | None:
        return session.get(Hero, hero_id)
    ```

    ## References
    - [FastAPI: SQL (relational) databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    - [SQLAlchemy: Is the Session thread-safe?](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#is-the-session-thread-safe-is-asyncsession-safe-to-share-in-concurrent-tasks)
    """

    CODE = "FE031"
    MESSAGE = "one session is created at import and shared by every request"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("Session", "sessionmaker")

    VALID: ClassVar = [
        # a factory, not a session
        Valid(
            "from fastapi import FastAPI\nfrom sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
            "app = FastAPI()\n@app.get('/')\ndef r():\n    with SessionLocal() as s:\n        return s.get(X, 1)\n"
        ),
        # a script: no route uses it
        Valid("from sqlmodel import Session\nsession = Session(engine)\nsession.add(Hero())\nsession.commit()\n"),
        # the route has a session of its own with the same name
        Valid(
            "from fastapi import FastAPI\nfrom sqlmodel import Session\nsession = Session(engine)\napp = FastAPI()\n"
            "@app.get('/')\ndef r(session: Session):\n    return session.get(X, 1)\n"
        ),
        Valid(
            "from fastapi import FastAPI\nfrom sqlalchemy.orm import scoped_session, sessionmaker\n"
            "db = scoped_session(sessionmaker())\napp = FastAPI()\n@app.get('/')\ndef r():\n    return db.get(X, 1)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\nfrom sqlmodel import Session\nsession = Session(engine)\napp = FastAPI()\n"
            "@app.get('/')\ndef r():\n    return session.get(X, 1)\n",
            line=3,
            column=11,
            message="`session` is one session created at import and shared by every request",
        ),
        # an async factory, a router, a route in a function
        Invalid(
            "import fastapi as fa\nfrom sqlalchemy.ext.asyncio import async_sessionmaker\n"
            "Maker = async_sessionmaker(e)\n"
            "db = Maker()\nrouter = fa.APIRouter()\ndef build():\n    @router.get('/')\n    async def r():\n"
            "        return await db.get(X, 1)\n",
            line=4,
        ),
        # used by a dependency
        Invalid(
            "from fastapi import Depends\nfrom sqlalchemy.orm import sessionmaker\ndb = sessionmaker(bind=e)()\n"
            "def get_db():\n    yield db\nx = Depends(get_db)\n",
            line=3,
        ),
    ]

    def finish(self) -> None:
        index = self.context.index
        shared: dict[str, ast.Call] = {}
        for statement in index.tree.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and isinstance(statement.value, ast.Call):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                if index.call_type(statement.value) in _SESSIONS:
                    shared.update({t.id: statement.value for t in targets if isinstance(t, ast.Name)})
        if not shared:
            return
        users = [route.function for route in index.routes]
        users += [f for name, f in index.functions.items() if name in index.dependency_functions]
        used: set[str] = set()
        for function in users:
            local = index.function_locals(function)
            used.update(
                n.id
                for n in index.own_nodes(function)
                if isinstance(n, ast.Name) and n.id in shared and n.id not in local
            )
        for name in sorted(used, key=lambda n: shared[n].lineno):
            self.report(shared[name], f"`{name}` is one session created at import and shared by every request")
