"""``add_auth`` as the tool and the CLI call it: one module or a project, validated, then written (with ``write``).

The validation runs the generated auth module in the reference app (``validate_files``): syntax, ruff, our review,
import, start-up, the OpenAPI schema and a round trip through a probe router that uses ``require_auth`` and
``CurrentUser`` the way the edited modules do (the probe is never returned). With ``project_dir``, the changes are
then applied to a copy of the project, whose app must import and build its OpenAPI schema and whose own test suite
(with the auth fixture the codemod added) must still pass (``validate.project.validate_changes``, by the project's
virtualenv when it has one). A failed validation is ``ValidationFailed`` (our bug) and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anyio

from fastapi_expert.codemods.plan import Protect
from fastapi_expert.codemods.result import AddAuthResult
from fastapi_expert.codemods.schemes import AuthScheme, scheme_named
from fastapi_expert.codemods.single import auth_source
from fastapi_expert.errors import InputError
from fastapi_expert.models import GeneratedFile
from fastapi_expert.project import ChangeSet
from fastapi_expert.validate.models import ValidationReport

__all__ = ["add_auth", "validate_scheme"]


async def validate_scheme(scheme: AuthScheme) -> ValidationReport:
    """The validation of ``scheme``'s auth module in the reference app; ``ValidationFailed`` when a step fails."""
    from fastapi_expert.generate.render import render_python
    from fastapi_expert.validate.harness import validate_files

    probe = await anyio.to_thread.run_sync(
        lambda: render_python("auth/probe_router.py.j2", filename="auth_probe.py", has_user=scheme.has_user)
    )
    files = [
        GeneratedFile(path="app/auth.py", content=auth_source(scheme)),
        GeneratedFile(path="app/routers/auth_probe.py", content=probe),
    ]
    report = await validate_files(files)
    report.raise_for_failure()
    return report


async def add_auth(
    *,
    source: str | None = None,
    filename: str = "main.py",
    project_dir: Path | None = None,
    scheme: str = "oauth2-password-jwt",
    protect: Protect = "mutating",
    write: bool = False,
    validate: bool = True,
    taken: Sequence[str] = (),
) -> AddAuthResult:
    """Protect the routes of ``source`` (one module, never written) or of the project at ``project_dir`` (a diff,
    or with ``write`` the files written all or nothing). The generated code is validated first (``validate``).
    ``taken``: with ``source``, the files and folders next to the module (the auth module takes none of them)."""
    if (source is None) == (project_dir is None):
        raise InputError("pass exactly one of source (with filename) or project_dir", argument="source")
    auth_scheme = scheme_named(scheme)
    if source is not None:
        if write:
            raise InputError(
                "write needs project_dir (a module given as source is returned, not written)", argument="write"
            )
        from fastapi_expert.codemods.single import add_auth_to_source

        result = await anyio.to_thread.run_sync(
            lambda: add_auth_to_source(source, filename, scheme=scheme, protect=protect, taken=taken)
        )
        changes = None
    else:
        from fastapi_expert.codemods.project import add_auth_to_project

        assert project_dir is not None  # noqa: S101 (checked above)
        result, changes = await anyio.to_thread.run_sync(
            lambda: add_auth_to_project(project_dir, scheme=scheme, protect=protect)
        )
    if not result.files:
        return result
    validation = await validate_scheme(auth_scheme) if validate else None
    notes = list(result.notes)
    if validation is not None and changes is not None and project_dir is not None:
        project, project_notes = await anyio.to_thread.run_sync(_validate_in_project, project_dir, changes)
        # The project's syntax step repeats the reference app's (every edited module compiles): its app and tests.
        steps = [*validation.steps, *(step for step in project.steps if step.name != "syntax")]
        validation = ValidationReport(ok=True, steps=steps)
        notes.extend(project_notes)
        result = result.model_copy(update={"notes": notes})
    written: list[str] = []
    if write and changes is not None:
        written = await anyio.to_thread.run_sync(changes.write)
    return result.model_copy(update={"validation": validation, "written": written})


def _validate_in_project(project_dir: Path, changes: ChangeSet) -> tuple[ValidationReport, list[str]]:
    """The project's own app and tests, in a copy with ``changes`` applied; ``ValidationFailed`` when a step fails."""
    from fastapi_expert.project import detect_layout
    from fastapi_expert.validate.project import validate_changes

    report, notes = validate_changes(detect_layout(project_dir), changes)
    report.raise_for_failure()
    return report, notes
