"""FE022: a DB-session dependency that returns its session, or yields it unprotected, so it is never closed."""

from __future__ import annotations

import ast
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import ASYNC_SESSIONS, SYNC_SESSIONS, FunctionNode, walk
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["SessionNotClosed"]

_SESSIONS = SYNC_SESSIONS | ASYNC_SESSIONS
_RETURNED = "the dependency returns a new session that nothing closes"
_UNPROTECTED = "the session is yielded outside `with`/`try…finally`: it is not closed when the request fails"


class SessionNotClosed(Rule):
    """## What it does
    Flags a dependency (a function passed to `Depends`) that creates a SQLAlchemy/SQLModel `Session` or
    `AsyncSession` — `Session(engine)`, `SessionLocal()` of a module-level `sessionmaker`/`async_sessionmaker`,
    `sessionmaker(...)()` — and `return`s it, or `yield`s it outside a `with`/`async with` block and a
    `try…finally`.

    ## Why is this bad?
    FastAPI closes nothing it is returned. A returned session keeps its connection checked out until the garbage
    collector finds it, so under load the pool runs dry and requests hang on `QueuePool limit ... reached`. A
    yielded session is closed by the code after `yield` only if that code runs: when the route raises, the
    exception is thrown in at the `yield` and skips a plain `session.close()` — every failing request leaks one
    connection.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session, sessionmaker

    from .db import engine

    SessionLocal = sessionmaker(bind=engine)
    app = FastAPI()


    def get_db() -> Session:
        return SessionLocal()


    @app.get("/items/{item_id}")
    def read_item(item_id: int, db: Annotated[Session, Depends(get_db)]) -> dict[str, int]:
        return {"id": item_id}
    ```

    ## Use instead
    ```python
    from collections.abc import Iterator
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session, sessionmaker

    from .db import engine

    SessionLocal = sessionmaker(bind=engine)
    app = FastAPI()


    def get_db() -> Iterator[Session]:
        with SessionLocal() as session:
            yield session


    @app.get("/items/{item_id}")
    def read_item(item_id: int, db: Annotated[Session, Depends(get_db)]) -> dict[str, int]:
        return {"id": item_id}
    ```

    ## Known problems
    Only sessions created in the dependency itself are followed; one obtained from a helper function is not.

    ## References
    - [FastAPI: Dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    - [FastAPI: SQL (relational) databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    """

    CODE = "FE022"
    MESSAGE = _RETURNED
    SEVERITY = Severity.ERROR
    TRIGGERS = ("Session", "sessionmaker")

    VALID: ClassVar = [
        Valid(
            "from fastapi import Depends\nfrom sqlmodel import Session\ndef get_session():\n"
            "    with Session(engine) as session:\n        yield session\nx = Depends(get_session)\n"
        ),
        Valid(
            "from fastapi import Depends\nfrom sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
            "def get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n"
            "x = Depends(get_db)\n"
        ),
        # not a dependency
        Valid("from sqlalchemy.orm import Session\ndef make():\n    return Session(engine)\n"),
        # a session handed in, not created here
        Valid(
            "from typing import Annotated\nfrom fastapi import Depends\nfrom sqlalchemy.orm import Session\n"
            "def repo(db: Annotated[Session, Depends(get_db)]):\n    return Repo(db)\nx = Depends(repo)\n"
        ),
        # a scoped_session registry is closed by its remove() hook, not per dependency
        Valid(
            "from fastapi import Depends\nfrom sqlalchemy.orm import scoped_session, sessionmaker\n"
            "Scoped = scoped_session(sessionmaker())\ndef get_db():\n    return Scoped()\nx = Depends(get_db)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import Depends\nfrom sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
            "def get_db():\n    return SessionLocal()\nx = Depends(get_db)\n",
            line=5,
            column=5,
        ),
        Invalid(
            "from typing import Annotated\nimport fastapi as fa\nfrom sqlalchemy.ext.asyncio import AsyncSession\n"
            "async def get_db():\n    session = AsyncSession(engine)\n    return session\n"
            "router = fa.APIRouter()\n@router.get('/')\n"
            "async def r(db: Annotated[AsyncSession, fa.Depends(get_db)]): ...\n",
            line=6,
        ),
        Invalid(
            "from fastapi import Depends\nfrom sqlalchemy.ext.asyncio import async_sessionmaker\n"
            "Maker = async_sessionmaker(engine)\nasync def get_db():\n    db = Maker()\n    yield db\n"
            "    await db.close()\nx = Depends(get_db)\n",
            line=6,
            message=_UNPROTECTED,
        ),
        Invalid(
            "from fastapi import Depends\nfrom sqlalchemy.orm import Session, sessionmaker\n"
            "def get_db():\n    db = sessionmaker(bind=engine)()\n    try:\n        yield db\n"
            "    except Exception:\n        db.rollback()\n        raise\n    db.close()\n"
            "def r(db: Session = Depends(get_db)): ...\n",
            line=6,
            message=_UNPROTECTED,
        ),
    ]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check(node)

    def _check(self, function: FunctionNode) -> None:
        if not self.context.is_dependency(function):
            return
        index = self.context.index
        nodes = index.own_nodes(function)
        created = {
            target.id
            for node in nodes
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and self._creates(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        if any(isinstance(node, ast.Yield | ast.YieldFrom) for node in nodes):
            self._check_yields(function.body, created, protected=False)
            return
        for node in nodes:
            if isinstance(node, ast.Return) and node.value is not None and self._is_session(node.value, created):
                self.report(node)

    def _creates(self, call: ast.Call) -> bool:
        return self.context.index.call_type(call) in _SESSIONS

    def _is_session(self, value: ast.expr, created: set[str]) -> bool:
        if isinstance(value, ast.Name):
            return value.id in created
        return isinstance(value, ast.Call) and self._creates(value)

    def _check_yields(self, body: list[ast.stmt], created: set[str], *, protected: bool) -> None:
        for statement in body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(statement, ast.Try | ast.TryStar):
                inner = protected or bool(statement.finalbody)
                self._check_yields(statement.body, created, protected=inner)
                for handler in statement.handlers:
                    self._check_yields(handler.body, created, protected=protected)
                self._check_yields(statement.orelse, created, protected=protected)
                self._check_yields(statement.finalbody, created, protected=protected)
                continue
            if isinstance(statement, ast.With | ast.AsyncWith):
                self._check_yields(statement.body, created, protected=protected or self._closes(statement, created))
                continue
            nested = [getattr(statement, name, []) for name in ("body", "orelse")]
            if any(nested):
                for block in nested:
                    self._check_yields(block, created, protected=protected)
                continue
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Yield) and not protected:
                value = statement.value.value
                if value is not None and self._is_session(value, created):
                    self.report(statement.value, _UNPROTECTED)

    def _closes(self, statement: ast.With | ast.AsyncWith, created: set[str]) -> bool:
        """A ``with`` that manages the session: it creates one, or names one created earlier."""
        for item in statement.items:
            expression = item.context_expr
            if isinstance(expression, ast.Call) and self._creates(expression):
                return True
            if any(isinstance(n, ast.Name) and n.id in created for n in walk(expression)):
                return True
        return False
