"""``add_auth`` on one module given as text: the edited module plus a new auth module next to it.

Where the auth module goes: ``auth.py`` in the module's folder (``security.py`` when the module is itself called
``auth.py``), never inlined into the module: the module keeps its own code and the auth module can be reviewed,
tested and replaced on its own. The import is absolute for a module at the top (``main.py``: ``from auth import``,
as ``uvicorn main:app`` runs it) and relative for one in a folder (``app/main.py``: ``from .auth import``, as a
package runs it).

To know which routes are protected already (also by a previous run, whose ``from auth import require_auth`` only
means something together with the auth module), the module is planned as a two-module project held in memory: the
module and the auth module this run would write. The libcst tree is parsed only when the plan edits something.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path, PurePosixPath

import libcst as cst
from libcst.codemod import CodemodContext

from fastapi_expert.codemods.plan import ModulePlan, Protect, plan_auth
from fastapi_expert.codemods.result import AddAuthResult, protected_routes
from fastapi_expert.codemods.schemes import AuthScheme, render_auth_module, scheme_named
from fastapi_expert.errors import InputError, SourceParseError
from fastapi_expert.models import GeneratedFile
from fastapi_expert.project.changes import ChangeSet
from fastapi_expert.project.routes import inventory
from fastapi_expert.project.sources import ProjectSources

__all__ = ["MAX_SOURCE_BYTES", "add_auth_to_source", "auth_module_path", "auth_source", "plan_single_module"]

#: The largest module ``add_auth`` edits (bytes of UTF-8).
MAX_SOURCE_BYTES = 1_000_000


@cache
def auth_source(scheme: AuthScheme) -> str:
    """The rendered auth module of ``scheme`` (rendered once per process)."""
    return render_auth_module(scheme)


def auth_module_path(filename: str) -> tuple[str, str]:
    """The auth module's path next to ``filename`` and the module name to import it by (``auth`` / ``.auth``)."""
    path = PurePosixPath(filename)
    stem = "security" if path.stem == "auth" else "auth"
    target = path.parent / f"{stem}.py"
    return target.as_posix(), (f".{stem}" if len(path.parts) > 1 else stem)


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
    """The plan for ``source`` as ``filename`` next to its auth module."""
    return _planned(source, filename, scheme, protect)[0]


def _planned(source: str, filename: str, scheme: AuthScheme, protect: Protect) -> tuple[ModulePlan, bool]:
    """The plan, and whether the module defines a FastAPI app."""
    auth_path, _ = auth_module_path(filename)
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
    source: str, filename: str = "main.py", *, scheme: str = "oauth2-password-jwt", protect: Protect = "mutating"
) -> AddAuthResult:
    """Protect the routes of one module: the edited module and its new auth module (nothing when every selected
    route is protected already), with the diff between them and the input. Nothing is validated or written here."""
    from fastapi_expert.codemods.add_auth import AddAuthCommand

    auth_scheme = scheme_named(scheme)
    filename = _checked_filename(filename)
    _checked_size(source)
    auth_path, auth_import = auth_module_path(filename)
    plan, has_app = _planned(source, filename, auth_scheme, protect)
    notes = _notes(auth_scheme, plan, auth_path, has_app=has_app)
    if plan.empty:
        return AddAuthResult(files=[], diff="", validation=None, written=[], protected=[], notes=notes)
    command = AddAuthCommand(
        CodemodContext(filename=filename), scheme=auth_scheme.name, protect=protect, auth_module=auth_import, plan=plan
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
    notes: list[str] = []
    if plan.empty:
        notes.append("nothing to protect: every selected route is protected already (or none is selected)")
        return notes
    notes.append(f"set {', '.join(scheme.environment)} in the environment (see {auth_path})")
    if scheme.has_token_route and not has_app:
        notes.append(f"include the token route into your app: app.include_router(router) with router from {auth_path}")
    return notes
