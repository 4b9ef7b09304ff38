"""An in-memory store: one table (a dict of rows by id) per resource, owned by the app
(`app.state.store`).

Nothing survives a restart, and each worker process has its own store: for demos and
tests. The routes run on the event loop and never await between reading and writing a
table, so each request sees and leaves it consistent.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request


class Table(dict[int, dict[str, Any]]):
    """Rows by id, in insertion (id) order."""

    def __init__(self) -> None:
        super().__init__()
        self.last_id = 0

    def insert(self, values: Mapping[str, Any]) -> dict[str, Any]:
        self.last_id += 1
        row = {"id": self.last_id, **values}
        self[self.last_id] = row
        return row

    def taken(
        self,
        values: Mapping[str, Any],
        unique: Iterable[str],
        ignore: int | None = None,
    ) -> bool:
        """Whether another row already has one of the `unique` values.

        Null is never taken, as in SQL.
        """
        names = [name for name in unique if values.get(name) is not None]
        return any(
            row[name] == values[name]
            for row in self.values()
            if row["id"] != ignore
            for name in names
        )


class Store:
    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}

    def table(self, name: str) -> Table:
        return self.tables.setdefault(name, Table())


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]
