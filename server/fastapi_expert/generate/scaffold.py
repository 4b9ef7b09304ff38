"""``scaffold_endpoint``: a REST resource, as a complete project or inside the user's, validated before it is returned.

Standalone (no ``project_dir``): the project's files are validated as themselves in the sandbox (syntax, ruff, our
review, import, start-up, OpenAPI, a request per route, and with ``fuzz`` schemathesis), then its own generated test
suite runs with pytest. With ``project_dir``: the changes are applied to a copy of the project, whose app must import
and build its OpenAPI schema and whose own test suite must still pass, run by the project's virtualenv when it has
one (else ours: a module it lacks fails the step, named). A failed step is ``ValidationFailed``; nothing is written.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import anyio
from pydantic import BaseModel, Field

from fastapi_expert.errors import InputError
from fastapi_expert.generate.endpoint import EndpointSpec
from fastapi_expert.models import GeneratedFile
from fastapi_expert.project import ChangeSet, files_from
from fastapi_expert.validate.models import ValidationReport, ValidationStep
from fastapi_expert.validate.project import syntax_step

__all__ = ["ScaffoldResult", "scaffold_endpoint", "validate_standalone"]


class ScaffoldResult(BaseModel):
    """What ``scaffold_endpoint`` generated, the validation it passed, and what it wrote."""

    files: list[GeneratedFile] = Field(description="Every new or changed file, with its whole new content.")
    diff: str = Field(
        description="A unified diff (git apply-able in the project root; new files only when standalone)."
    )
    validation: ValidationReport = Field(description="The validation the files passed.")
    written: list[str] = Field(default_factory=list, description="Paths written (write=true with project_dir).")
    notes: list[str] = Field(default_factory=list, description="Choices made (persistence followed, migrations).")


def _empty(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    return dest


def _write_tree(root: Path, files: Sequence[GeneratedFile]) -> None:
    for file in files:
        target = root / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.content, encoding="utf-8")


async def validate_standalone(
    files: Sequence[GeneratedFile], *, fuzz: bool = False, database_url: str | None = None
) -> ValidationReport:
    """The standalone project validated as itself: the harness' steps on its files alone (sandboxed: syntax, ruff,
    review, import, startup, openapi, routes) and, at the same time, its own tests in one pytest run."""
    from fastapi_expert.validate.harness import validate_files

    syntax = syntax_step(files)
    if not syntax.ok:
        skipped = ValidationStep(name="tests", ok=False, duration_ms=0, detail="skipped: syntax failed", skipped=True)
        return ValidationReport(ok=False, steps=[syntax, skipped])
    tests: list[ValidationStep] = []
    report: list[ValidationReport] = []

    async def harness() -> None:
        report.append(await validate_files(files, fuzz=fuzz, reference=_empty, database_url=database_url))

    async def own_tests() -> None:
        tests.append(await anyio.to_thread.run_sync(_run_own_tests, files, database_url))

    # Two processes from the start (the harness' child is usually a warm spare): the run takes as long as the longer.
    async with anyio.create_task_group() as group:
        group.start_soon(harness)
        group.start_soon(own_tests)
    steps = [*report[0].steps, *tests]
    return ValidationReport(ok=all(step.ok for step in steps), steps=steps)


def _run_own_tests(files: Sequence[GeneratedFile], database_url: str | None) -> ValidationStep:
    """The generated project's pytest run (no plugins: its tests need none, and autoloading ours costs seconds)."""
    from fastapi_expert.validate.project import TESTS_STEP, project_steps

    with tempfile.TemporaryDirectory(prefix="fastapi-expert-scaffold-") as folder:
        _write_tree(Path(folder), files)
        steps = project_steps(
            Path(folder), "app.main:app", python=Path(sys.executable), database_url=database_url, plugins=False
        )
    return next(step for step in steps if step.name == TESTS_STEP)


def _standalone_diff(files: Sequence[GeneratedFile]) -> str:
    with tempfile.TemporaryDirectory(prefix="fastapi-expert-diff-") as folder:
        content = {file.path: file.content for file in files}
        change_set = ChangeSet.compute(Path(folder), content, originals=dict.fromkeys(content))
        return change_set.diff()


async def scaffold_endpoint(
    spec: EndpointSpec,
    *,
    project_dir: Path | None = None,
    write: bool = False,
    fuzz: bool = False,
    roots: Sequence[Path] = (),
) -> ScaffoldResult:
    """Generate, validate and (with ``project_dir`` and ``write``) write the resource of ``spec``."""
    if project_dir is None:
        if write:
            raise InputError("needs project_dir: a standalone project is returned, not written", argument="write")
        from fastapi_expert.generate.standalone import generate_standalone

        files = await anyio.to_thread.run_sync(generate_standalone, spec)
        report = await validate_standalone(files, fuzz=fuzz)
        report.raise_for_failure()
        diff = await anyio.to_thread.run_sync(_standalone_diff, files)
        return ScaffoldResult(files=files, diff=diff, validation=report)
    from fastapi_expert.generate.inplace import confined_project, plan_in_place

    root = confined_project(project_dir, roots or [Path.cwd()])
    plan = await anyio.to_thread.run_sync(plan_in_place, spec, root)
    report, notes = await anyio.to_thread.run_sync(_validate_in_place, plan)
    report.raise_for_failure()
    written = await anyio.to_thread.run_sync(plan.changes.write) if write else []
    return ScaffoldResult(
        files=files_from(plan.changes),
        diff=plan.changes.diff(),
        validation=report,
        written=written,
        notes=[*plan.notes, *notes],
    )


def _validate_in_place(plan: object) -> tuple[ValidationReport, list[str]]:
    from fastapi_expert.generate.inplace import InPlacePlan
    from fastapi_expert.validate.project import validate_changes

    assert isinstance(plan, InPlacePlan)  # noqa: S101 (typed for the thread call)
    return validate_changes(plan.layout, plan.changes)
