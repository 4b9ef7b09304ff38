"""What a validation run reports: one ``ValidationStep`` per step, in order, and the overall verdict."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from fastapi_expert.errors import ValidationFailed

__all__ = ["STEP_NAMES", "ValidationReport", "ValidationStep"]

#: Every step a validation may report, in the order they run. Static steps run in the server's own process; the
#: others run in the sandboxed child. A step after the first failure is reported as skipped (``ok=False``).
STEP_NAMES: tuple[str, ...] = (
    "syntax",
    "ruff",
    "review",
    "import",
    "startup",
    "openapi",
    "routes",
    "fuzz",
)


class ValidationStep(BaseModel):
    """One step of a validation run."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="The step: syntax, ruff, review, import, startup, openapi, routes or fuzz.")
    ok: bool = Field(description="True when the step passed.")
    duration_ms: float = Field(ge=0, description="Wall time the step took, in milliseconds (0 when skipped).")
    detail: str = Field(
        default="",
        description="What the step found: the real error of a failed step (trimmed traceback, findings), "
        "a short summary of a passed one, 'skipped: ...' after an earlier failure.",
    )
    skipped: bool = Field(default=False, description="True when the step did not run because an earlier one failed.")


class ValidationReport(BaseModel):
    """The verdict of a validation run: ``ok`` when every step that ran passed."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    steps: list[ValidationStep]

    @property
    def failed_step(self) -> ValidationStep | None:
        """The first step that failed (not skipped), if any."""
        return next((step for step in self.steps if not step.ok and not step.skipped), None)

    def raise_for_failure(self) -> None:
        """``ValidationFailed`` naming the first failed step and its detail, unless every step that ran passed: what
        a generator does with the report of its own output (a failure there is our bug)."""
        if self.ok:
            return
        failed = self.failed_step
        if failed is None:
            raise ValidationFailed(step="unknown", detail="no step passed")
        raise ValidationFailed(step=failed.name, detail=failed.detail)
