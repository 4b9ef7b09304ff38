"""FE026: a query run once per row of a previous query's results, inside a route or dependency (N+1)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import ASYNC_SESSIONS, SYNC_SESSIONS, FunctionNode, walk
from fastapi_expert.review.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["NPlusOneQueryInLoop"]

_SESSIONS = SYNC_SESSIONS | ASYNC_SESSIONS
_QUERIES = frozenset({"execute", "exec", "scalars", "scalar", "get", "get_one", "query"})
_Comprehension = ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp


class NPlusOneQueryInLoop(Rule):
    """## What it does
    Flags, inside a route or a dependency, a session query (`execute`, `exec`, `scalars`, `scalar`, `get`,
    `get_one`, `query` on a `Session`/`AsyncSession` known from its annotation or assignment) that runs in a `for`
    loop or comprehension over the results of a previous query of the function.

    ## Why is this bad?
    One query for the list and one more per row: a page of 100 rows costs 101 round trips to the database, and the
    endpoint's latency grows with the data instead of staying flat. It is the classic N+1: invisible with ten rows in
    development, a timeout in production.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from .db import Author, Book, get_session

    app = FastAPI()


    @app.get("/books")
    async def list_books(session: Annotated[AsyncSession, Depends(get_session)]) -> list[dict[str, str]]:
        books = (await session.scalars(select(Book))).all()
        result = []
        for book in books:
            author = await session.get(Author, book.author_id)
            result.append({"title": book.title, "author": author.name})
        return result
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import selectinload

    from .db import Book, get_session

    app = FastAPI()


    @app.get("/books")
    async def list_books(session: Annotated[AsyncSession, Depends(get_session)]) -> list[dict[str, str]]:
        books = (await session.scalars(select(Book).options(selectinload(Book.author)))).all()
        return [{"title": book.title, "author": book.author.name} for book in books]
    ```

    ## Known problems
    Lazy loading of relationships (`book.author` without an eager-loading option) is the other face of N+1 and is
    not seen: it needs the models' mapping.

    ## References
    - [SQLAlchemy: Relationship loading techniques](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html)
    - [FastAPI: SQL (relational) databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    """

    CODE = "FE026"
    MESSAGE = "a query runs once per row of a previous query (N+1)"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("Session", "sessionmaker")

    VALID: ClassVar = [
        # one query with eager loading
        Valid(
            "from sqlmodel import Session, select\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\n"
            "def r(session: Session):\n    heroes = session.exec(select(Hero)).all()\n"
            "    return [h.name for h in heroes]\n"
        ),
        # a loop over request data, not over query results
        Valid(
            "from sqlalchemy.orm import Session\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.post('/')\n"
            "def r(ids: list[int], session: Session):\n    for i in ids:\n        session.get(Item, i)\n"
        ),
        # adds in the loop, no query
        Valid(
            "from sqlalchemy.orm import Session\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.post('/')\n"
            "def r(session: Session):\n    for row in session.scalars(q):\n        session.add(Copy(row))\n"
        ),
        # not a route nor a dependency (a batch job)
        Valid(
            "from sqlalchemy.orm import Session\ndef job(session: Session):\n    for row in session.scalars(q):\n"
            "        session.get(Other, row.other_id)\n"
        ),
        # unknown session type
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r(db):\n    for row in db.scalars(q):\n"
            "        db.get(Other, row.other_id)\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\n"
            "from sqlalchemy.ext.asyncio import AsyncSession\napp = FastAPI()\n@app.get('/')\n"
            "async def r(session: Annotated[AsyncSession, Depends(get_session)]):\n"
            "    books = (await session.scalars(select(Book))).all()\n    for book in books:\n"
            "        author = await session.get(Author, book.author_id)\n",
            line=9,
            column=24,
            message="`session.get()` runs once per row of the query on line 7 (N+1)",
        ),
        # SQLModel alias, APIRouter, a comprehension
        Invalid(
            "from typing import Annotated\nfrom fastapi import APIRouter, Depends\n"
            "from sqlmodel import Session, select\n"
            "SessionDep = Annotated[Session, Depends(get_session)]\nrouter = APIRouter()\n@router.get('/')\n"
            "def r(session: SessionDep):\n    teams = session.exec(select(Team)).all()\n"
            "    return [session.exec(select(Hero).where(Hero.team_id == t.id)).all() for t in teams]\n",
            line=9,
        ),
        # a dependency, default-value style, loop directly over the query
        Invalid(
            "from fastapi import Depends\nfrom sqlalchemy.orm import Session\n"
            "def perms(db: Session = Depends(get_db)):\n    for role in db.query(Role).all():\n"
            "        db.query(Perm).filter_by(role_id=role.id).all()\nx = Depends(perms)\n",
            line=5,
        ),
        # a route inside a function, a result object iterated through .scalars()
        Invalid(
            "from fastapi import FastAPI\nfrom sqlalchemy.ext.asyncio import AsyncSession\ndef build():\n"
            "    app = FastAPI()\n    @app.get('/')\n    async def r(s: AsyncSession):\n"
            "        result = await s.execute(q)\n        for x in result.scalars():\n"
            "            await s.scalar(select(func.count()).where(Y.x_id == x.id))\n    return app\n",
            line=9,
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._reported: set[int] = set()

    def visit_For(self, node: ast.For) -> None:
        self._check(node.iter, node.body)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._check(node.iter, node.body)

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._check(node.generators[0].iter, [node.elt])

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._check(node.generators[0].iter, [node.elt])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._check(node.generators[0].iter, [node.elt])

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._check(node.generators[0].iter, [node.key, node.value])

    def _check(self, iterated: ast.expr, body: list[ast.stmt] | list[ast.expr]) -> None:
        scopes = self.context.scopes
        function = scopes[-1] if scopes else None
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        if self.context.route_of(function) is None and not self.context.is_dependency(function):
            return
        types = self.context.index.local_types(function)
        source = self._query_in(iterated, function, types, depth=0)
        if source is None:
            return
        for part in body:
            for call in self._queries(part, types):
                if id(call) not in self._reported:
                    self._reported.add(id(call))
                    name = self.context.source.segment(call.func)
                    self.report(call, f"`{name}()` runs once per row of the query on line {source.lineno} (N+1)")
                    return

    def _queries(self, node: ast.AST, types: dict[str, str]) -> Iterator[ast.Call]:
        """Session queries under ``node``, not inside nested functions."""
        pending = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                continue
            if (
                isinstance(current, ast.Call)
                and isinstance(current.func, ast.Attribute)
                and current.func.attr in _QUERIES
                and isinstance(current.func.value, ast.Name)
                and types.get(current.func.value.id) in _SESSIONS
            ):
                yield current
            pending.extend(reversed(list(ast.iter_child_nodes(current))))

    def _query_in(
        self, expression: ast.expr, function: FunctionNode, types: dict[str, str], depth: int
    ) -> ast.Call | None:
        """The session query ``expression`` gets its rows from: directly, or through names assigned in ``function``."""
        for call in self._queries(expression, types):
            return call
        if depth > 2:
            return None
        names = {n.id for n in walk(expression) if isinstance(n, ast.Name) and n.id not in types}
        for node in self.context.index.own_nodes(function):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in names for t in node.targets):
                found = self._query_in(node.value, function, types, depth + 1)
                if found is not None:
                    return found
        return None
