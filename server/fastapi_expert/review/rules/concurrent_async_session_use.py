"""FE033: one ``AsyncSession`` used by several coroutines run concurrently with ``asyncio.gather``."""

from __future__ import annotations

import ast
from collections import Counter
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import ASYNC_SESSIONS
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["ConcurrentAsyncSessionUse"]

_GATHER = frozenset({"asyncio.gather", "asyncio.tasks.gather"})


class ConcurrentAsyncSessionUse(Rule):
    """## What it does
    Flags `asyncio.gather(...)` whose awaitables use the same `AsyncSession` — as the receiver
    (`session.execute(...)`, `session.get(...)`) or as an argument (`load_user(session, 1)`) — in two or more of its
    arguments, or in a starred comprehension (`gather(*(session.get(User, i) for i in ids))`). The session must be
    known to be an `AsyncSession` from its annotation or assignment.

    ## Why is this bad?
    An `AsyncSession` wraps one connection and one transaction and must not be used by concurrent tasks. Run side by
    side, the queries fail with `InvalidRequestError: This session is provisioning a new connection; concurrent
    operations are not permitted` or `IllegalStateChangeError`, intermittently — it depends on timing, so it passes
    in tests and fails under load. The gather does not even buy speed: one connection runs one query at a time.

    ## Example
    ```python
    import asyncio
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlalchemy.ext.asyncio import AsyncSession

    from .db import User, get_session

    app = FastAPI()


    @app.get("/users")
    async def read_users(ids: str, session: Annotated[AsyncSession, Depends(get_session)]) -> list[str]:
        users = await asyncio.gather(*(session.get(User, int(i)) for i in ids.split(",")))
        return [user.name for user in users if user]
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from .db import User, get_session

    app = FastAPI()


    @app.get("/users")
    async def read_users(ids: str, session: Annotated[AsyncSession, Depends(get_session)]) -> list[str]:
        wanted = [int(i) for i in ids.split(",")]
        users = await session.scalars(select(User).where(User.id.in_(wanted)))
        return [user.name for user in users]
    ```

    Run the queries one after the other, fold them into one query, or give each task its own session from an
    `async_sessionmaker`.

    ## References
    - [SQLAlchemy: Using AsyncSession with concurrent tasks](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#using-asyncsession-with-concurrent-tasks)
    """

    CODE = "FE033"
    MESSAGE = "one `AsyncSession` is used by concurrent tasks"
    SEVERITY = Severity.ERROR
    TRIGGERS = ("gather",)

    VALID: ClassVar = [
        # one use of the session; the other task has its own
        Valid(
            "import asyncio\nfrom sqlalchemy.ext.asyncio import AsyncSession\nasync def f(s: AsyncSession, c):\n"
            "    await asyncio.gather(s.execute(q), c.get('https://x'))\n"
        ),
        # two different sessions
        Valid(
            "import asyncio\nfrom sqlalchemy.ext.asyncio import AsyncSession\n"
            "async def f(a: AsyncSession, b: AsyncSession):\n    await asyncio.gather(a.get(X, 1), b.get(X, 2))\n"
        ),
        # sequential awaits
        Valid(
            "from sqlalchemy.ext.asyncio import AsyncSession\nasync def f(s: AsyncSession):\n"
            "    x = await s.get(X, 1)\n    y = await s.get(X, 2)\n"
        ),
        # a sync Session is not the concern here; an unknown receiver is not judged
        Valid("import asyncio\nasync def f(db):\n    await asyncio.gather(db.get(X, 1), db.get(X, 2))\n"),
        # a local gather
        Valid(
            "from sqlalchemy.ext.asyncio import AsyncSession\ndef gather(*a): ...\nasync def f(s: AsyncSession):\n"
            "    gather(s.get(X, 1), s.get(X, 2))\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "import asyncio\nfrom sqlalchemy.ext.asyncio import AsyncSession\nasync def f(s: AsyncSession):\n"
            "    await asyncio.gather(s.get(X, 1), s.execute(q))\n",
            line=4,
            column=11,
            message="`s` is used by 2 concurrent tasks of `asyncio.gather`",
        ),
        # a starred generator, aliases, an Annotated alias and a router
        Invalid(
            "from asyncio import gather as g\nfrom typing import Annotated\nimport fastapi as fa\n"
            "from sqlmodel.ext.asyncio.session import AsyncSession\n"
            "SessionDep = Annotated[AsyncSession, fa.Depends(get_s)]\nrouter = fa.APIRouter()\n"
            "@router.get('/')\nasync def r(session: SessionDep, ids: list[int]):\n"
            "    return await g(*(session.get(User, i) for i in ids))\n",
            line=9,
            message="`session` is used by every task of `asyncio.gather`",
        ),
        # the session passed to helper coroutines, a session from a factory
        Invalid(
            "import asyncio\nfrom sqlalchemy.ext.asyncio import async_sessionmaker\nMaker = async_sessionmaker(e)\n"
            "async def f():\n    async with Maker() as session:\n"
            "        await asyncio.gather(load_user(session, 1), load_items(session))\n",
            line=6,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        if not self.context.refers_to(node.func, _GATHER):
            return
        uses: Counter[str] = Counter()
        starred: set[str] = set()
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                inner = argument.value
                if isinstance(inner, ast.GeneratorExp | ast.ListComp) and isinstance(inner.elt, ast.Call):
                    starred.update(self._sessions(inner.elt))
            elif isinstance(argument, ast.Call):
                uses.update(self._sessions(argument))
        if starred:
            name = sorted(starred)[0]
            self.report(node, f"`{name}` is used by every task of `asyncio.gather`")
            return
        shared = sorted(name for name, count in uses.items() if count > 1)
        if shared:
            self.report(node, f"`{shared[0]}` is used by {uses[shared[0]]} concurrent tasks of `asyncio.gather`")

    def _sessions(self, call: ast.Call) -> set[str]:
        """Names of ``AsyncSession``s a call uses, as its receiver or as a direct argument."""
        candidates: list[ast.expr] = [*call.args, *(k.value for k in call.keywords)]
        if isinstance(call.func, ast.Attribute):
            candidates.append(call.func.value)
        return {c.id for c in candidates if isinstance(c, ast.Name) and self.context.type_of(c) in ASYNC_SESSIONS}
