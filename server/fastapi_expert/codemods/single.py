"""``add_auth`` on one module given as text: the edited module plus a new auth module next to it.

Where the auth module goes: ``auth.py`` in the module's folder, never inlined into the module: the module keeps
its own code and the auth module can be reviewed, tested and replaced on its own. A user's own module of that name
is never overwritten nor shadowed: the name is taken when the caller says a file or folder of that name sits next to
the module (``taken``: the CLI lists the folder, leaving out an auth module of ours), when the module imports
anything but ``require_auth``, ``CurrentUser`` and ``router`` from it, or when the module is itself that module;
the next free one of ``security.py`` and ``fastapi_auth.py`` is used then. The import is absolute for a module at
the top (``main.py``: ``from auth import``, as ``uvicorn main:app`` runs it) and relative for one in a folder
(``app/main.py``: ``from .auth import``, as a package runs it).

To know which routes are protected already (also by a previous run, whose ``from auth import require_auth`` only
means something together with the auth module), the module is planned as a two-module project held in memory: the
module and the auth module this run would write. The libcst tree is parsed only when the plan edits something.
"""

from __future__ import annotations

import ast
import tempfile
from collections.abc import Collection
from functools import cache
from pathlib import Path, PurePosixPath

import libcst as cst
from libcst.codemod import CodemodContext

from fastapi_expert.codemods.plan import ModulePlan, Protect, login_notes, plan_auth
from fastapi_expert.codemods.result import AddAuthResult, protected_routes
from fastapi_expert.codemods.schemes import (
    DEPENDENCY_NAME,
    TOKEN_ROUTER_NAME,
    USER_ALIAS,
    AuthScheme,
    render_auth_module,
    scheme_named,
)
from fastapi_expert.errors import InputError, SourceParseError
from fastapi_expert.models import GeneratedFile
from fastapi_expert.project.changes import ChangeSet
from fastapi_expert.project.routes import inventory
from fastapi_expert.project.sources import ProjectSources, parse_module, statements_of

__all__ = ["MAX_SOURCE_BYTES", "add_auth_to_source", "auth_module_path", "auth_source", "plan_single_module"]

#: The largest module ``add_auth`` edits (bytes of UTF-8).
MAX_SOURCE_BYTES = 1_000_000


@cache
def auth_source(scheme: AuthScheme) -> str:
    """The rendered auth module of ``scheme`` (rendered once per process)."""
    return render_auth_module(scheme)


#: The names the auth module takes, the first one free.
AUTH_MODULE_NAMES = ("auth", "security", "fastapi_auth")
#: What the codemod imports from an auth module of ours (anything else imported from a module is the user's).
_OUR_NAMES = frozenset({DEPENDENCY_NAME, USER_ALIAS, TOKEN_ROUTER_NAME})


def auth_module_path(filename: str, source: str = "", taken: Collection[str] = ()) -> tuple[str, str]:
    """The auth module's path next to ``filename`` and the module name to import it by (``auth`` / ``.auth``): the
    first of ``AUTH_MODULE_NAMES`` that is not the module itself, not in ``taken`` (names of files or folders next
    to it, with or without ``.py``) and not a module ``source`` imports other names from."""
    path = PurePosixPath(filename)
    unavailable = {PurePosixPath(name).stem for name in taken} | {path.stem} | _users_modules(source, path)
    stem = next((name for name in AUTH_MODULE_NAMES if name not in unavailable), None)
    if stem is None:
        names = ", ".join(f"{name}.py" for name in AUTH_MODULE_NAMES)
        raise InputError(f"{names} are all taken next to {filename}: add_auth needs one of them", argument="filename")
    target = path.parent / f"{stem}.py"
    return target.as_posix(), (f".{stem}" if len(path.parts) > 1 else stem)


def _users_modules(source: str, path: PurePosixPath) -> set[str]:
    """Sibling modules ``source`` uses for more than what our auth module exports (``from auth import verify``,
    ``import auth``): they exist and are the user's."""
    if not source:
        return set()
    try:
        tree = parse_module(source, path.as_posix())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()  # reported by the planning, with its position
    in_package = len(path.parts) > 1
    found: set[str] = set()
    for statement in statements_of(tree):
        node = statement.node
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if "." not in alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and "." not in node.module:
            sibling = node.level == 1 if in_package else node.level == 0
            if sibling and any(alias.name not in _OUR_NAMES for alias in node.names):
                found.add(node.module)
    return found


def _checked_filename(filename: str) -> str:
    try:
        checked = GeneratedFile(path=filename, content="").path
    except ValueError:
        raise InputError(
            f"{filename!r} must be a relative path like main.py or app/main.py (no '..')", argument="filename"
        ) from None
    if not checked.endswith(".py"):
        raise InputError(f"{filename!r} is not a Python module (.py)", argument="filename")
    return checked


def _checked_size(source: str) -> None:
    size = len(source.encode("utf-8", errors="surrogatepass"))
    if size > MAX_SOURCE_BYTES:
        raise InputError(f"is {size:,} bytes; the limit is {MAX_SOURCE_BYTES:,}", argument="source")


def _libcst_tree(source: str, filename: str) -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise SourceParseError(
            f"does not parse: {error.message}", path=filename, line=error.raw_line, column=error.raw_column + 1
        ) from error


def plan_single_module(
    source: str, filename: str, scheme: AuthScheme, protect: Protect, auth_module: str = "auth"
) -> ModulePlan:
    """The plan for ``source`` as ``filename`` next to its auth module, imported as ``auth_module``."""
    auth_path = (PurePosixPath(filename).parent / f"{auth_module.lstrip('.')}.py").as_posix()
    return _planned(source, filename, scheme, protect, auth_path)[0]


def _planned(
    source: str, filename: str, scheme: AuthScheme, protect: Protect, auth_path: str
) -> tuple[ModulePlan, bool]:
    """The plan, and whether the module defines a FastAPI app."""
    sources = ProjectSources.from_texts({filename: source, auth_path: auth_source(scheme)})
    if sources.at(filename) is None:
        unparsed = sources.unparsed[filename]
        reason = unparsed.message.removeprefix("syntax error: ")
        raise SourceParseError(f"does not parse: {reason}", path=filename, line=unparsed.line, column=unparsed.column)
    routes = inventory(sources)
    if not any(router.path == filename for router in routes.routers):
        raise InputError(
            f"{filename} defines no FastAPI app or APIRouter (looked for FastAPI(...) and APIRouter(...), "
            "however imported); add_auth protects the routes of one",
            argument="source",
        )
    has_app = any(router.path == filename and router.kind == "app" for router in routes.routers)
    return plan_auth(sources, routes, scheme, protect, files=[filename])[filename], has_app


def add_auth_to_source(
    source: str,
    filename: str = "main.py",
    *,
    scheme: str = "oauth2-password-jwt",
    protect: Protect = "mutating",
    taken: Collection[str] = (),
) -> AddAuthResult:
    """Protect the routes of one module: the edited module and its new auth module (nothing when every selected
    route is protected already), with the diff between them and the input. ``taken``: the names of the files and
    folders next to the module that the auth module must not take. Nothing is validated or written here."""
    from fastapi_expert.codemods.add_auth import AddAuthCommand

    auth_scheme = scheme_named(scheme)
    filename = _checked_filename(filename)
    _checked_size(source)
    auth_path, auth_import = auth_module_path(filename, source, taken)
    plan, has_app = _planned(source, filename, auth_scheme, protect, auth_path)
    notes = _notes(auth_scheme, plan, auth_path, has_app=has_app)
    if plan.empty:
        return AddAuthResult(files=[], diff="", validation=None, written=[], protected=[], notes=notes)
    folder = PurePosixPath(filename).parts[:-1]
    command = AddAuthCommand(
        CodemodContext(filename=filename),
        scheme=auth_scheme.name,
        protect=protect,
        auth_module=auth_import,
        plan=plan,
        first_party=folder[:1],
    )
    edited = command.transform_module(_libcst_tree(source, filename)).code
    if edited == source:
        return AddAuthResult(files=[], diff="", validation=None, written=[], protected=[], notes=notes)
    files = {filename: edited, auth_path: auth_source(auth_scheme)}
    with tempfile.TemporaryDirectory(prefix="fastapi-expert-auth-") as directory:
        diff = ChangeSet.compute(Path(directory), files, originals={filename: source, auth_path: None}).diff()
    return AddAuthResult(
        files=[GeneratedFile(path=path, content=content) for path, content in files.items()],
        diff=diff,
        validation=None,
        written=[],
        protected=protected_routes([plan]),
        notes=notes,
    )


def _notes(scheme: AuthScheme, plan: ModulePlan, auth_path: str, *, has_app: bool) -> list[str]:
    notes: list[str] = login_notes([plan])
    if plan.empty:
        notes.append("nothing to protect: every selected route is protected already (or none is selected)")
        return notes
    notes.append(f"set {', '.join(scheme.environment)} in the environment (see {auth_path})")
    if scheme.has_token_route and not has_app:
        notes.append(f"include the token route into your app: app.include_router(router) with router from {auth_path}")
    return notes
