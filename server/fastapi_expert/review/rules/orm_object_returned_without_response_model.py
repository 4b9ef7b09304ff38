"""FE047: a route returns an ORM object with neither ``response_model=`` nor a return annotation."""

from __future__ import annotations

import ast
from functools import cached_property
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode
from fastapi_expert.review.rule import Invalid, Rule, Valid

__all__ = ["OrmObjectReturnedWithoutResponseModel"]

_DECLARATIVE_BASES = frozenset(
    f"{module}.{name}"
    for module in ("sqlalchemy.orm", "sqlalchemy.orm.decl_api")
    for name in ("DeclarativeBase", "DeclarativeBaseNoMeta")
)
_BASE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
    }
)
_SQLMODEL = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
_SELECTS = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlalchemy.sql.select", "sqlmodel.select"})
#: Methods that turn a query into objects (one, or a list).
_RESULTS = frozenset(
    {"first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "all", "get", "unique"}
)
_MAX_DEPTH = 12


class OrmObjectReturnedWithoutResponseModel(Rule):
    """## What it does
    Flags a route that returns an ORM object — an instance of a SQLAlchemy model (a class with `__tablename__`, or
    deriving from the module's `DeclarativeBase`/`declarative_base()`) or of a SQLModel `table=True` model, built
    with its constructor, loaded with `session.get(Model, ...)`, `session.query(Model)...first()`,
    `session.scalars(select(Model))...`, or taken as a parameter annotated with the model — when the route has
    neither `response_model=` nor a return annotation.

    ## Why is this bad?
    With no response model FastAPI serializes the object with `jsonable_encoder`: every loaded column goes out,
    `hashed_password`, internal flags and foreign keys included — and any column added to the table later leaks
    too, silently. The OpenAPI schema documents nothing, and lazy relationships may load during serialization.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    app = FastAPI()


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]
        hashed_password: Mapped[str]


    @app.get("/users/{user_id}")
    def read_user(user_id: int, session: Session):
        return session.get(User, user_id)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel, ConfigDict
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    app = FastAPI()


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]
        hashed_password: Mapped[str]


    class UserPublic(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        id: int
        email: str


    @app.get("/users/{user_id}", response_model=UserPublic)
    def read_user(user_id: int, session: Session):
        return session.get(User, user_id)
    ```

    ## Known problems
    Only routes without any return annotation are checked: what an annotation or `response_model=` exposes is
    FE005's concern. Models imported from another module are not recognised unless the class shows
    `__tablename__` here.

    ## References
    - [FastAPI: Response model](https://fastapi.tiangolo.com/tutorial/response-model/)
    - [FastAPI: SQL databases — multiple models](https://fastapi.tiangolo.com/tutorial/sql-databases/#heroes-with-multiple-models)
    """

    CODE = "FE047"
    MESSAGE = "an ORM object is returned with no response model: every column is serialized"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("__tablename__", "DeclarativeBase", "declarative_base", "SQLModel")

    VALID: ClassVar = [
        # a response model
        Valid(
            "from fastapi import FastAPI\nfrom sqlalchemy.orm import DeclarativeBase\napp = FastAPI()\n"
            "class Base(DeclarativeBase): ...\nclass User(Base):\n    __tablename__ = 'u'\n"
            "@app.get('/u/{i}', response_model=dict)\ndef r(i: int, db):\n    return db.get(User, i)\n"
        ),
        # a return annotation (FE005's concern)
        Valid(
            "from fastapi import FastAPI\nfrom sqlmodel import SQLModel, Field\napp = FastAPI()\n"
            "class Hero(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n"
            "@app.post('/heroes')\ndef r(hero: Hero, db) -> Hero:\n    db.add(hero)\n    return hero\n"
        ),
        # a SQLModel without table=True is a plain pydantic model
        Valid(
            "from fastapi import FastAPI\nfrom sqlmodel import SQLModel\napp = FastAPI()\n"
            "class HeroPublic(SQLModel):\n    name: str\n@app.get('/h')\ndef r():\n    return HeroPublic(name='x')\n"
        ),
        # returns a column, a count: not an ORM object
        Valid(
            "from fastapi import FastAPI\nfrom sqlalchemy import select, func\n"
            "from sqlalchemy.orm import declarative_base\n"
            "app = FastAPI()\nBase = declarative_base()\nclass User(Base):\n    __tablename__ = 'u'\n"
            "@app.get('/n')\ndef r(db):\n    return db.scalar(select(func.count()).select_from(User))\n"
            "@app.get('/e')\ndef s(db):\n    return db.scalars(select(User.email)).all()\n"
        ),
        # not a route
        Valid(
            "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase): ...\n"
            "class User(Base):\n    __tablename__ = 'u'\ndef load(db, i):\n    return db.get(User, i)\n"
        ),
        # a name bound in a loop too, names bound to each other, an attribute, a call of a function
        Valid(
            "from fastapi import FastAPI\nfrom sqlalchemy.orm import DeclarativeBase\napp = FastAPI()\n"
            "class Base(DeclarativeBase): ...\nclass User(Base):\n    __tablename__ = 'u'\n"
            "@app.get('/a')\ndef a(db):\n    user = db.get(User, 1)\n    for user in db.query(User).all():\n"
            "        pass\n    return user\n"
            "@app.get('/b')\ndef b(db):\n    x = y\n    y = x\n    return x\n"
            "@app.get('/c')\ndef c(db):\n    return db.get(User, 1).email, load(db), db.execute('x')\n"
        ),
        Valid(
            "from fastapi import FastAPI\nfrom sqlalchemy import select\nfrom sqlalchemy.orm import DeclarativeBase\n"
            "app = FastAPI()\nclass Base(DeclarativeBase): ...\nclass User(Base):\n    __tablename__ = 'u'\n"
            "@app.get('/d')\ndef d(db):\n    return load(db)\n@app.get('/e')\ndef e(db):\n"
            "    return db.execute(select(User))\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI\nfrom sqlalchemy.orm import DeclarativeBase\napp = FastAPI()\n"
            "class Base(DeclarativeBase): ...\nclass User(Base):\n    __tablename__ = 'u'\n"
            "@app.get('/u/{i}')\ndef r(i: int, db):\n    return db.get(User, i)\n",
            line=9,
            column=12,
            message="`r` returns a `User` ORM object with no response model: every column is serialized",
        ),
        # built, added and returned; an imported Base with __tablename__; a router with an aliased import
        Invalid(
            "import fastapi as fa\nfrom app.db import Base\nrouter = fa.APIRouter()\nclass User(Base):\n"
            "    __tablename__ = 'users'\n@router.post('/users', status_code=201)\n"
            "async def create(data: dict, db):\n    user = User(**data)\n    db.add(user)\n"
            "    await db.commit()\n    return user\n",
            line=11,
        ),
        # a legacy query, a select chain with scalars, a SQLModel table
        Invalid(
            "from fastapi import FastAPI\nfrom sqlmodel import SQLModel, Field, select\napp = FastAPI()\n"
            "class Hero(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n"
            "@app.get('/heroes')\nasync def r(db):\n"
            "    return (await db.scalars(select(Hero).where(Hero.id > 1).limit(10))).all()\n",
            line=8,
        ),
        Invalid(
            "from fastapi import FastAPI\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"
            "class User(Base):\n    __tablename__ = 'u'\ndef make():\n    app = FastAPI()\n"
            "    @app.get('/u')\n    def r(db):\n        return db.query(User).filter(User.id == 1).first()\n"
            "    return app\n",
            line=10,
        ),
        # the current user, straight from a dependency
        Invalid(
            "from typing import Annotated\nfrom fastapi import Depends, FastAPI\n"
            "from sqlalchemy.orm import DeclarativeBase\napp = FastAPI()\nclass Base(DeclarativeBase): ...\n"
            "class User(Base):\n    __tablename__ = 'u'\ndef current_user() -> User: ...\n"
            "@app.get('/me')\ndef me(user: Annotated[User, Depends(current_user)]):\n    return user\n",
            line=11,
        ),
        Invalid(
            "from fastapi import FastAPI\nfrom sqlalchemy.orm import DeclarativeBase\napp = FastAPI()\n"
            "class Base(DeclarativeBase): ...\nclass User(Base):\n    __tablename__ = 'u'\n"
            "@app.get('/u')\nasync def r(db):\n    return await db.get(User, 1)\n",
            line=9,
        ),
    ]

    @cached_property
    def orm_classes(self) -> frozenset[str]:
        index = self.context.index
        bases = set(_DECLARATIVE_BASES)
        for statement in self.context.tree.body:
            if (
                isinstance(statement, ast.Assign)
                and isinstance(statement.value, ast.Call)
                and index.resolve(statement.value.func) in _BASE_FACTORIES
            ):
                bases |= {f"<local>.{t.id}" for t in statement.targets if isinstance(t, ast.Name)}
        found = set(index.subclasses_of(frozenset(bases)))
        models = index.subclasses_of(_SQLMODEL)
        for name, node in index.classes.items():
            table = any(
                k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords
            )
            if (table and name in models) or any(
                isinstance(s, ast.Assign | ast.AnnAssign) and "__tablename__" in _targets(s) for s in node.body
            ):
                found.add(name)
        return frozenset(
            name
            for name in found
            if not any(isinstance(s, ast.Assign) and "__abstract__" in _targets(s) for s in index.classes[name].body)
        )

    def finish(self) -> None:
        if not self.orm_classes:
            return
        for route in self.context.index.routes:
            function = route.function
            if route.is_websocket or function.returns is not None:
                continue
            if any(k.arg in {"response_model", None} for k in route.decorator.keywords):
                continue
            for node in self.context.index.own_nodes(function):
                if isinstance(node, ast.Return) and node.value is not None:
                    model = self._orm_of(node.value, function, 0)
                    if model is not None:
                        message = (
                            f"`{function.name}` returns a `{model}` ORM object with no response model: "
                            "every column is serialized"
                        )
                        self.report(node.value, message)

    def _orm_of(self, node: ast.expr, function: FunctionNode, depth: int) -> str | None:
        """The ORM class of the object(s) ``node`` evaluates to, if it is one."""
        index = self.context.index
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Await):
            return self._orm_of(node.value, function, depth + 1)
        if isinstance(node, ast.Name):
            return self._orm_of_name(node.id, function, depth)
        if not isinstance(node, ast.Call):
            return None
        constructed = index.local_class(node.func)
        if constructed is not None:
            return constructed if constructed in self.orm_classes else None
        func = node.func
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr == "get" and node.args and self._entity(node.args[0]):
            return self._entity(node.args[0])
        if func.attr in _RESULTS | {"scalar"}:
            return self._queried(node)
        return None

    def _orm_of_name(self, name: str, function: FunctionNode, depth: int) -> str | None:
        index = self.context.index
        for parameter in index.parameters(function):
            if parameter.name == name:
                held = index.local_class(parameter.type)
                return held if held in self.orm_classes else None
        own = index.own_nodes(function)
        values = [
            node.value
            for node in own
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
        ]
        stores = sum(
            1 for node in own if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
        )
        if not values or stores != len(values):
            return None  # bound some other way too (a loop, unpacking, a with)
        models = {self._orm_of(value, function, depth + 1) for value in values}
        return models.pop() if len(models) == 1 else None

    def _queried(self, node: ast.expr) -> str | None:
        """The entity of ``select(Model)``/``query(Model)`` found down a method chain (``.where().limit()...``)."""
        if isinstance(node, ast.Await):
            return self._queried(node.value)
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        is_select = self.context.index.resolve(func) in _SELECTS
        if (is_select or (isinstance(func, ast.Attribute) and func.attr == "query")) and len(node.args) == 1:
            return self._entity(node.args[0])
        for inner in (func.value if isinstance(func, ast.Attribute) else None, *node.args[:1]):
            found = self._queried(inner) if inner is not None else None
            if found is not None:
                return found
        return None

    def _entity(self, node: ast.expr) -> str | None:
        name = self.context.index.local_class(node)
        return name if name in self.orm_classes else None


def _targets(statement: ast.Assign | ast.AnnAssign) -> set[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return {t.id for t in targets if isinstance(t, ast.Name)}
