"""FE014: the text of an unexpected exception (``str(exc)``, a traceback) sent to the client."""

from __future__ import annotations

import ast
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import FunctionNode, ModuleIndex, fastapi_names, walk
from fastapi_expert.review.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["ExceptionDetailLeak"]

_HTTP_EXCEPTIONS = fastapi_names("HTTPException", "WebSocketException") | {
    "fastapi.exceptions.HTTPException",
    "fastapi.exceptions.WebSocketException",
    "starlette.exceptions.HTTPException",
    "starlette.exceptions.WebSocketException",
}
_RESPONSE_MODULES = ("fastapi.responses.", "starlette.responses.")
_RESPONSES = fastapi_names("Response")
_TRACEBACKS = frozenset(
    f"traceback.{name}"
    for name in ("format_exc", "format_exception", "format_tb", "format_stack", "format_exception_only")
)
_TEXTS = _TRACEBACKS | {"builtins.str", "builtins.repr"}
#: Calls that hand their argument on unchanged into a response body.
_PASS_THROUGH = frozenset(
    {"builtins.dict", "builtins.list", "builtins.tuple", "builtins.str", "builtins.repr", "json.dumps"}
    | {"fastapi.encoders.jsonable_encoder"}
)
_WEBSOCKET_SENDS = frozenset({"send_text", "send_json", "send_bytes", "close"})
#: Exceptions whose text describes the server's insides: anything at all, the OS (paths), database and HTTP drivers.
_BROAD = frozenset(
    f"builtins.{name}"
    for name in (
        "Exception",
        "BaseException",
        "OSError",
        "IOError",
        "EnvironmentError",
        "FileNotFoundError",
        "PermissionError",
        "ConnectionError",
        "TimeoutError",
    )
)
_LIBRARIES = (
    "sqlalchemy.",
    "sqlmodel.",
    "psycopg.",
    "psycopg2.",
    "asyncpg.",
    "pymysql.",
    "MySQLdb.",
    "mysql.",
    "oracledb.",
    "cx_Oracle.",
    "pyodbc.",
    "elasticsearch.",
    "opensearchpy.",
    "cassandra.",
    "neo4j.",
    "pika.",
    "aio_pika.",
    "kafka.",
    "aiokafka.",
    "paramiko.",
    "ldap3.",
    "google.api_core.",
    "google.cloud.",
    "azure.core.",
    "sqlite3.",
    "aiosqlite.",
    "pymongo.",
    "motor.",
    "redis.",
    "httpx.",
    "requests.",
    "aiohttp.",
    "urllib3.",
    "botocore.",
    "boto3.",
    "subprocess.",
    "smtplib.",
)


class ExceptionDetailLeak(Rule):
    """## What it does
    Flags the text of an unexpected exception — `str(exc)`, `repr(exc)`, `f"{exc}"`, `exc.args`,
    `traceback.format_exc()` — put into `HTTPException(detail=...)`, a response (`JSONResponse(...)`, a `dict`
    returned by a route or exception handler) or a websocket message. "Unexpected" means caught as `Exception`/
    `BaseException`, an `OSError`, or an exception of a database, HTTP or cloud driver (`sqlalchemy`, `asyncpg`,
    `httpx`, `botocore`...), in an `except` clause or in an exception handler registered for one of them.

    ## Why is this bad?
    These messages describe the server, not the request: SQL statements with table and column names, file system
    paths, internal host names and ports, driver versions, sometimes connection strings with credentials. Sent to
    the client they map your internals for an attacker. Log the exception, answer with a generic message (and a
    correlation id if support needs one).

    Your own exceptions (classes defined in the module), `HTTPException`'s own `exc.detail` and a
    `RequestValidationError` handler returning `exc.errors()` (FastAPI's documented pattern), and text sent only
    after an `isinstance(exc, ...)` test narrowed the exception, are fine and are not reported.

    ## Example
    ```python
    from fastapi import FastAPI, HTTPException

    app = FastAPI()


    def charge(order_id: int) -> None: ...


    @app.post("/orders/{order_id}/pay")
    def pay(order_id: int) -> dict[str, str]:
        try:
            charge(order_id)
        except Exception as exc:
            raise HTTPException(status_code=500, detail=str(exc)) from exc
        return {"status": "paid"}
    ```

    ## Use instead
    ```python
    import logging

    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    logger = logging.getLogger(__name__)


    def charge(order_id: int) -> None: ...


    @app.post("/orders/{order_id}/pay")
    def pay(order_id: int) -> dict[str, str]:
        try:
            charge(order_id)
        except Exception as exc:
            logger.exception("payment failed for order %s", order_id)
            raise HTTPException(status_code=502, detail="Payment failed") from exc
        return {"status": "paid"}
    ```

    ## Known problems
    `ValueError`, `KeyError` and other built-in exceptions whose text is usually the application's own are not
    reported, nor are messages passed through functions of your own before reaching the response.

    ## References
    - [FastAPI: Handling Errors](https://fastapi.tiangolo.com/tutorial/handling-errors/)
    - [OWASP: Improper Error Handling](https://owasp.org/www-community/Improper_Error_Handling)
    """

    CODE = "FE014"
    MESSAGE = "the exception's text is sent to the client: it can reveal queries, paths, hosts and credentials"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("except", "exception_handler", "traceback")

    VALID: ClassVar = [
        # a domain exception of the module: its message is the application's own
        Valid(
            "from fastapi import FastAPI, HTTPException\napp = FastAPI()\nclass OwnerError(Exception): ...\n"
            "@app.get('/')\ndef r():\n    try:\n        ...\n    except OwnerError as e:\n"
            "        raise HTTPException(status_code=400, detail=f'Owner error: {e}')\n"
        ),
        # logged, not sent
        Valid(
            "import logging\nfrom fastapi import FastAPI, HTTPException\napp = FastAPI()\n"
            "@app.get('/')\ndef r():\n    try:\n        ...\n    except Exception as e:\n"
            "        logging.error('failed: %s', e)\n        raise HTTPException(status_code=500, detail='failed')\n"
        ),
        # HTTPException's own detail and validation errors: FastAPI's documented handlers
        Valid(
            "from fastapi import FastAPI\nfrom fastapi.exceptions import RequestValidationError\n"
            "from fastapi.responses import JSONResponse, PlainTextResponse\n"
            "from starlette.exceptions import HTTPException as StarletteHTTPException\napp = FastAPI()\n"
            "@app.exception_handler(StarletteHTTPException)\nasync def h(request, exc):\n"
            "    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)\n"
            "@app.exception_handler(RequestValidationError)\nasync def v(request, exc):\n"
            "    return JSONResponse({'detail': exc.errors(), 'body': str(exc)}, status_code=422)\n"
        ),
        # a helper that is neither a route nor a handler returns the text to its caller
        Valid(
            "def describe(e: Exception) -> str:\n    try:\n        ...\n"
            "    except Exception as exc:\n        return str(exc)\n"
        ),
        # narrowed to an exception type whose text is meant for the client
        Valid(
            "from fastapi import APIRouter, HTTPException\nrouter = APIRouter()\n"
            "@router.post('/install')\ndef install():\n    try:\n        ...\n    except Exception as exc:\n"
            "        detail = str(exc) if isinstance(exc, AssertionError) else 'Failed to install.'\n"
            "        raise HTTPException(500, detail=detail) from exc\n"
        ),
        # logged or tested, not sent; a module-level exception object; an f-string without the exception
        Valid(
            "import logging\nfrom fastapi import FastAPI\nfrom fastapi.responses import PlainTextResponse\n"
            "app = FastAPI()\nerror = Exception('x')\n"
            "text = str(error)\n"
            "@app.get('/')\ndef r(debug: bool):\n    try:\n        ...\n    except Exception as e:\n"
            "        logging.error(str(e))\n        if str(e):\n            return {'error': f'{debug}'}\n"
            "        return {'error': 'failed %s' % debug, 'count': 1 + 2, 'when': '{}'.format(debug)}\n"
            "@app.get('/close')\ndef c(conn):\n    try:\n        ...\n    except Exception as e:\n"
            "        conn.close(reason=str(e))\n"
            "async def on_value_error(request, exc):\n    return PlainTextResponse(str(exc))\n"
            "app.add_exception_handler(ValueError, on_value_error)\n"
        ),
        # ValueError's text is the application's own message
        Valid(
            "from fastapi import APIRouter, HTTPException\nrouter = APIRouter()\n"
            "@router.post('/')\ndef r(x: str):\n    try:\n        return int(x)\n    except ValueError as e:\n"
            "        raise HTTPException(400, str(e))\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI, HTTPException\napp = FastAPI()\n@app.get('/')\ndef r():\n"
            "    try:\n        ...\n    except Exception as e:\n"
            "        raise HTTPException(status_code=500, detail=str(e))\n",
            line=8,
            column=53,
        ),
        # a database error returned as a dict from an APIRouter route, through a variable
        Invalid(
            "from fastapi import APIRouter\nfrom sqlalchemy.exc import SQLAlchemyError\nrouter = APIRouter()\n"
            "@router.post('/items')\nasync def create():\n    try:\n        ...\n    except SQLAlchemyError as err:\n"
            "        message = f'database error: {err}'\n        return {'error': message}\n",
            line=10,
        ),
        # an exception handler for Exception, with a traceback
        Invalid(
            "import traceback\nfrom fastapi import FastAPI, Request\nfrom fastapi.responses import JSONResponse\n"
            "app = FastAPI()\n@app.exception_handler(Exception)\n"
            "async def crash(request: Request, exc: Exception):\n"
            "    return JSONResponse(status_code=500, content={'error': repr(exc), 'trace': traceback.format_exc()})\n",
            line=7,
        ),
        # registered with add_exception_handler; a tuple of caught types including OSError
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.responses import PlainTextResponse\n"
            "async def on_error(request, exc):\n    return PlainTextResponse(f'{exc!r}', status_code=500)\n"
            "app = FastAPI()\napp.add_exception_handler(500, on_error)\n",
            line=4,
        ),
        # through jsonable_encoder, with .format() and .args
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.encoders import jsonable_encoder\n"
            "from fastapi.responses import JSONResponse\napp = FastAPI()\n@app.get('/')\ndef r():\n"
            "    try:\n        ...\n    except BaseException as e:\n"
            "        return JSONResponse(jsonable_encoder({'error': 'failed: {}'.format(e), 'args': e.args}))\n",
            line=10,
        ),
        # a websocket message; a handler given to FastAPI(exception_handlers=...)
        Invalid(
            "from fastapi import FastAPI, WebSocket\nfrom fastapi.responses import PlainTextResponse\n"
            "async def boom(request, exc):\n    if request.url.path:\n"
            "        return PlainTextResponse(str(exc), status_code=500)\n"
            "app = FastAPI(exception_handlers={Exception: boom})\n"
            "@app.websocket('/ws')\nasync def ws(websocket: WebSocket):\n    try:\n        ...\n"
            "    except Exception as e:\n        await websocket.send_text(f'error: {e}')\n",
            line=5,
        ),
        Invalid(
            "import fastapi as fa\nimport httpx\nrouter = fa.APIRouter()\n@router.get('/proxy')\nasync def proxy():\n"
            "    try:\n        ...\n    except (KeyError, httpx.HTTPError) as e:\n"
            "        raise fa.HTTPException(502, 'upstream: %s' % e)\n",
            line=9,
        ),
    ]

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        #: (function id, local name) of variables holding an exception's text.
        self._carriers: set[tuple[int, str]] = set()

    # -- what is an exception's text ---------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        qualified = self.context.qualified_name(node.func) if self.context.may_refer_to(node.func, _TEXTS) else None
        if qualified in _TRACEBACKS:
            self._sent(node)
        elif qualified in {"builtins.str", "builtins.repr"} and len(node.args) == 1:
            self._judge(node, node.args[0])
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
        ):
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                if self._judge(node, argument):
                    return

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and self._judge(node, value.value):
                return

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            operands = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            for operand in operands:
                if self._judge(node, operand):
                    return

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "args" and isinstance(node.ctx, ast.Load):
            self._judge(node, node.value)

    def visit_Name(self, node: ast.Name) -> None:
        if not self._carriers or not isinstance(node.ctx, ast.Load):
            return
        if (id(self.context.enclosing_function()), node.id) in self._carriers:
            self._sent(node)

    def _judge(self, text: ast.expr, exception: ast.expr) -> bool:
        """Report ``text`` when ``exception`` is an unexpected exception and ``text`` reaches the client."""
        if not isinstance(exception, ast.Name) or not self._unexpected(exception.id):
            return False
        self._sent(text)
        return True

    def _unexpected(self, name: str) -> bool:
        for node in reversed(self.context.stack):
            if isinstance(node, ast.If | ast.IfExp) and _narrows(node.test, name):
                return False  # ``str(exc) if isinstance(exc, AssertionError) else "failed"``
            if isinstance(node, ast.ExceptHandler) and node.name == name:
                return node.type is not None and _is_unexpected(self.context.index, node.type)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                handled = self._handlers.get(id(node))
                arguments = [*node.args.posonlyargs, *node.args.args]
                return handled is not None and len(arguments) > 1 and arguments[1].arg == name
        return False

    # -- where it goes -----------------------------------------------------------------------------------------------

    def _sent(self, text: ast.expr) -> None:
        """Follow ``text`` up to the statement holding it: report it if that is a response, remember a variable."""
        for node in reversed(self.context.stack):  # pragma: no branch (an expression is always in a statement)
            if isinstance(node, ast.Call):
                if self._is_sink(node):
                    self.report(text)
                    return
                if self.context.qualified_name(node.func) not in _PASS_THROUGH:
                    return
            elif isinstance(node, ast.Return):
                if self._answers_client(self.context.enclosing_function()):
                    self.report(text)
                return
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                function = self.context.enclosing_function()
                self._carriers.update((id(function), t.id) for t in targets if isinstance(t, ast.Name))
                return
            elif isinstance(node, ast.stmt | ast.Lambda | ast.comprehension):
                return

    def _is_sink(self, call: ast.Call) -> bool:
        qualified = self.context.qualified_name(call.func) or ""
        if qualified in _HTTP_EXCEPTIONS or qualified in _RESPONSES or qualified.startswith(_RESPONSE_MODULES):
            return True
        return isinstance(call.func, ast.Attribute) and call.func.attr in _WEBSOCKET_SENDS and self._in_websocket()

    def _in_websocket(self) -> bool:
        route = self.context.route_of(self.context.enclosing_function())
        return route is not None and route.is_websocket

    def _answers_client(self, function: FunctionNode | None) -> bool:
        return function is not None and (self.context.route_of(function) is not None or id(function) in self._handlers)

    # -- exception handlers ------------------------------------------------------------------------------------------

    @cached_property
    def _handlers(self) -> dict[int, ast.expr]:
        """Functions registered as exception handlers for unexpected exceptions (by id), with the type they handle:
        ``@app.exception_handler(Exception)``, ``app.add_exception_handler(500, f)``,
        ``FastAPI(exception_handlers={Exception: f})``."""
        index = self.context.index
        registered: list[tuple[ast.expr, ast.expr]] = []  # (exception type, handler)
        found: dict[int, ast.expr] = {}
        for definition in index.definitions:
            for decorator in definition.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr == "exception_handler"
                    and decorator.args
                    and _is_unexpected(index, decorator.args[0])
                ):
                    found[id(definition)] = decorator.args[0]
        for node in index.nodes_of(ast.Call):
            if (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_exception_handler"
                and len(node.args) > 1
            ):
                registered.append((node.args[0], node.args[1]))
            for keyword in node.keywords:
                if keyword.arg == "exception_handlers" and isinstance(keyword.value, ast.Dict):
                    registered.extend(
                        (k, v) for k, v in zip(keyword.value.keys, keyword.value.values, strict=True) if k is not None
                    )
        for kind, handler in registered:
            function = index.functions.get(handler.id) if isinstance(handler, ast.Name) else None
            if function is not None and _is_unexpected(index, kind):
                found[id(function)] = kind
        return found


def _is_unexpected(index: ModuleIndex, node: ast.expr) -> bool:
    """Whether an ``except`` clause's or exception handler's type catches unexpected exceptions."""
    if isinstance(node, ast.Tuple):
        return any(_is_unexpected(index, element) for element in node.elts)
    if isinstance(node, ast.Constant):
        return node.value == 500
    qualified = index.resolve(node) or ""
    return qualified in _BROAD or qualified.startswith(_LIBRARIES)


def _narrows(test: ast.expr, name: str) -> bool:
    """Whether ``test`` checks the exception's type (``isinstance(exc, ...)``, ``type(exc) is ...``)."""
    for node in walk(test):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"isinstance", "type"}
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == name
        ):
            return True
    return False
