"""FE010: SQL built by string formatting and passed to ``text()``, ``execute()`` or ``exec_driver_sql()``."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import walk
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["SqlInjectionInText"]

_TEXT = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "sqlmodel.text"})
_EXECUTE = frozenset({"execute", "executemany", "executescript", "exec_driver_sql"})
_SQL = re.compile(
    r"^\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP|ALTER|TRUNCATE|REPLACE|MERGE|GRANT|CALL|EXEC)\b",
    re.IGNORECASE,
)
_SAFE_CALLS = frozenset({"builtins.int", "builtins.float", "builtins.len", "builtins.bool"})
#: Values of these types (FastAPI validates a parameter annotated with them) cannot spell SQL.
_SAFE_TYPES = frozenset(
    {"builtins.int", "builtins.float", "builtins.bool", "uuid.UUID", "datetime.date", "datetime.datetime"}
)
_ADDERS = frozenset({"append", "extend", "insert", "add"})


class SqlInjectionInText(Rule):
    """## What it does
    Flags SQL built with an f-string, `%`, `.format()` or `+` from a value that is not a literal, and passed to
    SQLAlchemy's `text()` or to `execute()`/`executemany()`/`exec_driver_sql()` of a session, connection or DB-API
    cursor — directly, or through a variable assigned in the same function.

    ## Why is this bad?
    A value spliced into SQL text is SQL: a request parameter such as `1 OR 1=1` or `x'; DROP TABLE users; --`
    changes what the statement does. Bound parameters (`text("... WHERE id = :id")` with `{"id": item_id}`, or
    SQLAlchemy's `select()`) send the value separately, so it can never become code.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlalchemy import text

    from .db import engine

    app = FastAPI()


    @app.get("/users/{name}")
    def read_user(name: str) -> dict[str, object]:
        with engine.connect() as connection:
            row = connection.execute(text(f"SELECT * FROM users WHERE name = '{name}'")).one()
        return dict(row._mapping)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from sqlalchemy import text

    from .db import engine

    app = FastAPI()


    @app.get("/users/{name}")
    def read_user(name: str) -> dict[str, object]:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name}).one()
        return dict(row._mapping)
    ```

    ## Known problems
    Values that are safe by construction are not flagged: literals, `UPPER_CASE` constants, `Model.__tablename__`,
    `int(...)`/`float(...)`/`len(...)`, and placeholder lists such as `", ".join("?" for _ in ids)`. An identifier
    checked against an allow-list elsewhere is still flagged: quote it with the dialect's `quote()` or build the
    statement with `select()`/`table()`.

    ## References
    - [FastAPI: SQL (relational) databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    - [SQLAlchemy: Using textual SQL with bound parameters](https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text)
    """

    CODE = "FE010"
    MESSAGE = "SQL built by string formatting is passed to `text()`/`execute()`"
    SEVERITY = Severity.ERROR
    OVERLAPS = ("S608",)
    TRIGGERS = ("text", "execute", "exec_driver_sql")

    VALID: ClassVar = [
        Valid("from sqlalchemy import text\nq = text('SELECT * FROM t WHERE id = :id')\n"),
        # constants and table names are not user input
        Valid(
            "from sqlalchemy import text\nTABLE = 'users'\ndef f(s, n: int):\n"
            "    s.execute(text(f'SELECT * FROM {TABLE} LIMIT {int(n)}'))\n"
            "    s.execute(text(f'DELETE FROM {User.__tablename__}'))\n"
        ),
        # a placeholder list
        Valid(
            "def f(cursor, ids):\n    marks = ', '.join('?' for _ in ids)\n"
            "    cursor.execute(f'SELECT * FROM t WHERE id IN ({marks})', ids)\n"
        ),
        # filters built from literals with bound parameters; numbers typed by FastAPI; loops over literal names
        Valid(
            "from sqlalchemy import text\ndef f(s, name: str | None, limit: int):\n"
            "    where = ['active = true']\n    params = {}\n    if name:\n        where.append('name = :name')\n"
            "        params['name'] = name\n    sql = 'SELECT * FROM u WHERE ' + ' AND '.join(where)\n"
            "    sql += ' ORDER BY id'\n    s.execute(text(sql + f' LIMIT {limit}'), params)\n"
            "    for table in ('a', 'b'):\n        s.execute(text(f'TRUNCATE {table}'))\n"
        ),
        # not SQL, not sqlalchemy's text
        Valid("def f(runner, name):\n    runner.execute(f'build {name}')\n"),
        Valid("def text(x): ...\ndef f(name):\n    return text(f'hello {name}')\n"),
        # a variable of another function
        Valid(
            "from sqlalchemy import text\ndef g(name):\n    q = f'SELECT {name}'\n"
            "def f(s):\n    q = 'SELECT 1'\n    s.execute(text(q))\n"
        ),
    ]
    INVALID: ClassVar = [
        # a filter list with a user value spliced in
        Invalid(
            "from sqlalchemy import text\ndef f(s, name: str):\n    where = ['active = true']\n"
            "    where.append(f\"name = '{name}'\")\n"
            "    s.execute(text('SELECT * FROM u WHERE ' + ' AND '.join(where)))\n",
            line=5,
            message="SQL built with `+` is passed to `text()`",
        ),
        Invalid(
            "from sqlalchemy import text\ndef f(s, name):\n"
            "    s.execute(text(f\"SELECT * FROM u WHERE n = '{name}'\"))\n",
            line=3,
            column=20,
            message="SQL built with an f-string is passed to `text()`",
        ),
        Invalid(
            "import sqlalchemy as sa\nfrom fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/')\n"
            "async def r(q: str, session: AsyncSession):\n"
            "    await session.execute(sa.text('SELECT * FROM u WHERE n = %s' % q))\n",
            line=6,
            message="SQL built with `%` is passed to `text()`",
        ),
        Invalid(
            "def f(cursor, name):\n    sql = 'SELECT * FROM u WHERE n = {}'.format(name)\n    cursor.execute(sql)\n",
            line=3,
            message="SQL built with `.format()` (line 2) is passed to `execute()`",
        ),
        Invalid(
            "def f(connection, order):\n    sql = 'SELECT * FROM u ORDER BY ' + order\n"
            "    connection.exec_driver_sql(sql)\n",
            line=3,
            message="SQL built with `+` (line 2) is passed to `exec_driver_sql()`",
        ),
        Invalid(
            "from sqlmodel import text\ndef f(session, name):\n    sql = 'SELECT * FROM u'\n"
            "    sql += f\" WHERE n = '{name}'\"\n    session.exec(text(sql))\n",
            line=5,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        argument = node.args[0] if node.args else None
        if argument is None:
            return
        if self.context.refers_to(func, _TEXT):
            sink = "text()"
        elif isinstance(func, ast.Attribute) and func.attr in _EXECUTE:
            sink = f"{func.attr}()"
        else:
            return
        if isinstance(argument, ast.Name):
            for assigned in self._assignments(argument.id):
                how = self._formatting(assigned)
                if how is not None and (sink == "text()" or self._looks_like_sql(assigned)):
                    message = f"SQL built with {how} (line {assigned.lineno}) is passed to `{sink}`"
                    self.report(argument, message)
                    return
            return
        how = self._formatting(argument)
        if how is not None and (sink == "text()" or self._looks_like_sql(argument)):
            self.report(argument, f"SQL built with {how} is passed to `{sink}`")

    # -- where the string comes from --------------------------------------------------------------------------------

    def _assignments(self, name: str) -> Iterable[ast.expr]:
        """Values assigned (``=``, ``+=``) to ``name`` in the current function, or at module level outside one."""
        function = self.context.enclosing_function()
        nodes = self.context.index.own_nodes(function) if function is not None else self.context.tree.body
        for node in nodes:
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            else:
                continue
            if node.value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
                yield node.value

    def _formatting(self, node: ast.expr) -> str | None:
        """How ``node`` splices a non-literal value into a string, if it does."""
        if isinstance(node, ast.JoinedStr):
            values = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
            return "an f-string" if any(not self._is_safe(v) for v in values) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_string(node.left):
            parts = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            return "`%`" if any(not self._is_safe(p) for p in parts) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts = _concatenated(node)
            if any(_is_string(p) for p in parts) and any(not self._is_safe(p) for p in parts):
                return "`+`"
            return None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and _is_string(node.func.value)
        ):
            values = [*node.args, *(k.value for k in node.keywords)]
            return "`.format()`" if any(not self._is_safe(v) for v in values) else None
        return None

    def _is_safe(self, node: ast.expr, depth: int = 0) -> bool:
        """A value that cannot carry user input: literals, constants, table names, numbers, placeholder lists, and
        strings or lists built only from those."""
        if depth > 6:
            return False
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            values = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
            return all(self._is_safe(v, depth + 1) for v in values)
        if isinstance(node, ast.IfExp):
            return self._is_safe(node.body, depth + 1) and self._is_safe(node.orelse, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            parts = _concatenated(node) if isinstance(node.op, ast.Add) else [node.left, node.right]
            return all(self._is_safe(p, depth + 1) for p in parts)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return all(self._is_safe(e, depth + 1) for e in node.elts)
        if isinstance(node, ast.Attribute):
            return node.attr == "__tablename__" or node.attr.isupper()
        if isinstance(node, ast.Name):
            return self._is_safe_name(node, depth)
        if isinstance(node, ast.Call):
            if self.context.refers_to(node.func, _SAFE_CALLS) or _is_placeholders(node):
                return True
            func = node.func
            return (
                isinstance(func, ast.Attribute)
                and func.attr == "join"
                and _is_string(func.value)
                and len(node.args) == 1
                and self._is_safe(node.args[0], depth + 1)
            )
        return False

    def _is_safe_name(self, node: ast.Name, depth: int) -> bool:
        """A constant, a parameter typed as a number, or a name every binding and ``append`` of which is safe."""
        name = node.id
        if name.isupper() or self.context.type_of(node) in _SAFE_TYPES:
            return True
        function = self.context.enclosing_function()
        if function is not None:
            arguments = function.args
            every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
            if any(a is not None and a.arg == name for a in every):
                return False
        nodes = self.context.index.own_nodes(function) if function is not None else self.context.tree.body
        looped = False
        for statement in nodes:
            if (
                isinstance(statement, ast.For)
                and isinstance(statement.target, ast.Name)
                and statement.target.id == name
            ):
                looped = True
                if not isinstance(statement.iter, ast.List | ast.Tuple | ast.Set):
                    return False
                if not self._is_safe(statement.iter, depth + 1):
                    return False
            elif (
                isinstance(statement, ast.Call)
                and isinstance(statement.func, ast.Attribute)
                and statement.func.attr in _ADDERS
                and isinstance(statement.func.value, ast.Name)
                and statement.func.value.id == name
            ):
                added = statement.args[1:] if statement.func.attr == "insert" else statement.args
                if not all(self._is_safe(a, depth + 1) for a in added):
                    return False
        values = list(self._assignments(name))
        return (looped or bool(values)) and all(self._is_safe(v, depth + 1) for v in values)

    def _looks_like_sql(self, node: ast.expr) -> bool:
        """Whether the literal text at the start of ``node`` begins with an SQL keyword."""
        first: ast.expr = node
        while True:
            if isinstance(first, ast.BinOp):
                first = first.left
            elif isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute):
                first = first.func.value
            elif isinstance(first, ast.JoinedStr) and first.values:
                first = first.values[0]
            else:
                break
        return isinstance(first, ast.Constant) and isinstance(first.value, str) and bool(_SQL.match(first.value))


def _is_string(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr)


def _concatenated(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_concatenated(node.left), *_concatenated(node.right)]
    return [node]


def _is_placeholders(node: ast.expr) -> bool:
    """``", ".join("?" for _ in ids)`` / ``", ".join(f":p{i}" for i in ...)``: placeholders, not values."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and _is_string(node.func.value)
        and len(node.args) == 1
        and isinstance(node.args[0], ast.GeneratorExp | ast.ListComp)
    ):
        return False
    element = node.args[0].elt
    loop_names = {
        n.id for generator in node.args[0].generators for n in walk(generator.target) if isinstance(n, ast.Name)
    }
    if isinstance(element, ast.Constant):
        return True
    return isinstance(element, ast.JoinedStr) and all(
        isinstance(v.value, ast.Name) and v.value.id in loop_names
        for v in element.values
        if isinstance(v, ast.FormattedValue)
    )
