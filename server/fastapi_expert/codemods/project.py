"""``add_auth`` on a project folder: the auth module where the project keeps such code, every router module edited,
the tests given a fixture that passes the auth dependency, shown as a diff or written all or nothing.

Where the auth module goes: the layout's security location (``app/core/security.py`` in the full-stack template,
``app/auth.py`` in a package, ``auth.py`` next to a single module). When a module of the user's own already sits
there, ours goes next to it as ``auth.py`` (never over the user's code); a module of ours already there (marked in
its docstring) is reused as it is. Modules import it absolutely (``from app.core.security import require_auth``).

The tests: an autouse fixture ``override_auth`` in the tests' top ``conftest.py`` (created when there is none) sets
``app.dependency_overrides[require_auth]`` to a test user for each test, so a suite that passed before still passes.
It takes the conftest's own ``app`` fixture when there is one (an app built by a factory for the tests), else the
app object at module level (``from app.main import app``); for an app built by a factory without such a fixture, it
is not added and a note says so.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from fastapi_expert.codemods.add_auth import AddAuthCommand
from fastapi_expert.codemods.imports import add_imports
from fastapi_expert.codemods.plan import ModulePlan, Protect, login_notes, plan_auth
from fastapi_expert.codemods.result import AddAuthResult, protected_routes
from fastapi_expert.codemods.schemes import AuthScheme, scheme_named
from fastapi_expert.codemods.single import auth_source
from fastapi_expert.errors import InputError, SourceParseError
from fastapi_expert.models import GeneratedFile
from fastapi_expert.project.changes import ChangeSet
from fastapi_expert.project.layout import ProjectLayout, detect_layout
from fastapi_expert.project.sources import ProjectSources

__all__ = ["FIXTURE_NAME", "MARKER", "ProjectAuth", "add_auth_to_project", "is_our_auth_module", "plan_project"]

#: Our auth modules say so in their docstring (a module with it is reused, never overwritten).
MARKER = "Added by fastapi-expert (`add_auth`"
FIXTURE_NAME = "override_auth"
_TEST_USERS = {
    "oauth2-password-jwt": ("User", 'User(username="test")'),
    "http-basic": (None, '"test"'),
    "api-key": (None, "None"),
}


@dataclass(frozen=True, slots=True)
class ProjectAuth:
    """Everything ``add_auth`` changes in a project: new and edited files (relative path -> content), their
    originals (``None`` for new files), the plans, and notes."""

    root: Path
    files: dict[str, str]
    originals: dict[str, str | None]
    plans: tuple[ModulePlan, ...]
    auth_path: str
    notes: tuple[str, ...]


def _auth_location(layout: ProjectLayout) -> tuple[str, str, bool]:
    """(path, module, exists-and-ours) of the auth module."""
    location = layout.security
    if not location.exists or is_our_auth_module(layout.root / location.path):
        return location.path, location.module, location.exists
    sibling = PurePosixPath(location.path).with_name("auth.py").as_posix()
    module = location.module.rpartition(".")[0]
    module = f"{module}.auth" if module else "auth"
    target = layout.root / sibling
    if target.exists() and not is_our_auth_module(target):
        raise InputError(
            f"both {location.path} and {sibling} exist and are not add_auth's; move one to let add_auth add its "
            "auth module",
            argument="project_dir",
        )
    return sibling, module, target.exists()


def is_our_auth_module(path: Path) -> bool:
    """Whether the module at ``path`` is an auth module ``add_auth`` wrote (its docstring says so)."""
    try:
        return MARKER in path.read_text(encoding="utf-8")[:2000]
    except (OSError, UnicodeDecodeError):
        return False


def plan_project(
    project_dir: Path, *, scheme: str = "oauth2-password-jwt", protect: Protect = "mutating"
) -> ProjectAuth:
    """The changes ``add_auth`` makes to the project at ``project_dir`` (nothing is written)."""
    auth_scheme = scheme_named(scheme)
    layout = detect_layout(project_dir)
    root = layout.root
    auth_path, auth_module, auth_exists = _auth_location(layout)
    sources = ProjectSources(root)
    routes = layout.routes
    edited = sorted({e.file for e in routes.endpoints if e.file != auth_path})
    plans = plan_auth(sources, routes, auth_scheme, protect, files=edited, app_path=layout.app.path)
    files: dict[str, str] = {}
    originals: dict[str, str | None] = {}
    first_party = {name.split(".")[0] for name in sources.modules_by_name}
    for path, plan in sorted(plans.items()):
        if plan.empty:
            continue
        module = sources.at(path)
        if module is None:
            continue
        original = module.source.text
        try:
            tree = cst.parse_module(original)
        except cst.ParserSyntaxError as error:
            raise SourceParseError(
                f"does not parse: {error.message}", path=path, line=error.raw_line, column=error.raw_column + 1
            ) from error
        command = AddAuthCommand(
            CodemodContext(filename=path),
            scheme=auth_scheme.name,
            auth_module=auth_module,
            plan=plan,
            first_party=first_party,
        )
        new = command.transform_module(tree).code
        if new != original:
            files[path], originals[path] = new, original
    notes: list[str] = login_notes(plans.values())
    active = [plan for plan in plans.values() if not plan.empty]
    if files:
        notes.append(f"set {', '.join(auth_scheme.environment)} in the environment (see {auth_path})")
        if not auth_exists:
            files[auth_path], originals[auth_path] = auth_source(auth_scheme), None
        notes += _add_test_fixture(layout, sources, auth_scheme, auth_module, files, originals)
    elif not active:
        notes.append("nothing to protect: every selected route is protected already (or none is selected)")
    return ProjectAuth(root, files, originals, tuple(active), auth_path, tuple(notes))


def _add_test_fixture(
    layout: ProjectLayout,
    sources: ProjectSources,
    scheme: AuthScheme,
    auth_module: str,
    files: dict[str, str],
    originals: dict[str, str | None],
) -> list[str]:
    from fastapi_expert.generate.render import render

    tests = layout.tests
    if tests.directory is None:
        return ["the project has no tests: none were updated"]
    conftest = (
        tests.conftests[0].path if tests.conftests else (PurePosixPath(tests.directory) / "conftest.py").as_posix()
    )
    module = sources.at(conftest) if tests.conftests else None
    app_fixture = module is not None and _has_app_fixture(module.tree)
    if layout.app.factory is not None and not app_fixture:
        return [
            f"the app is built by {layout.app.factory}(): override require_auth in your test client fixture "
            "(app.dependency_overrides[require_auth] = ...)"
        ]
    user_class, user_value = _TEST_USERS[scheme.name]
    context = {
        "app_module": layout.app.module,
        "app_variable": "app" if app_fixture else layout.app.variable,
        "app_fixture": app_fixture,
        "auth_module": auth_module,
        "user_class": user_class,
        "user_value": user_value,
    }
    if module is None:
        files[conftest] = render("auth/test_override.py.j2", imports=True, **context).lstrip("\n")
        originals[conftest] = None
        return []
    original = module.source.text
    tree = cst.parse_module(original)
    if any(isinstance(s, cst.FunctionDef) and s.name.value == FIXTURE_NAME for s in tree.body):
        return []
    snippet = cst.parse_module(render("auth/test_override.py.j2", imports=False, **context))
    codemod = CodemodContext(filename=conftest)
    AddImportsVisitor.add_needed_import(codemod, "pytest")
    if not app_fixture:
        AddImportsVisitor.add_needed_import(codemod, layout.app.module, layout.app.variable)
    AddImportsVisitor.add_needed_import(codemod, auth_module, "require_auth")
    if user_class is not None:
        AddImportsVisitor.add_needed_import(codemod, auth_module, user_class)
    first, *rest = snippet.body
    spaced = first.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    appended = tree.with_changes(body=[*tree.body, spaced, *rest])
    first_party = {name.split(".")[0] for name in sources.modules_by_name}
    files[conftest] = add_imports(codemod, appended, first_party=first_party).code
    originals[conftest] = original
    return []


def _has_app_fixture(tree: ast.Module) -> bool:
    """The tests' conftest defines a fixture ``app`` (the app a factory built for the tests): the override uses it."""
    return any(
        isinstance(node, ast.FunctionDef)
        and node.name == "app"
        and any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)
        for node in tree.body
    )


def add_auth_to_project(
    project_dir: Path, *, scheme: str = "oauth2-password-jwt", protect: Protect = "mutating"
) -> tuple[AddAuthResult, ChangeSet]:
    """The result (files, diff, protected routes, notes; not validated, nothing written) and the change set to
    write."""
    planned = plan_project(project_dir, scheme=scheme, protect=protect)
    changes = ChangeSet.compute(planned.root, planned.files, originals=planned.originals)
    result = AddAuthResult(
        files=[GeneratedFile(path=path, content=content) for path, content in sorted(planned.files.items())],
        diff=changes.diff(),
        validation=None,
        written=[],
        protected=protected_routes(planned.plans),
        notes=list(planned.notes),
    )
    return result, changes
