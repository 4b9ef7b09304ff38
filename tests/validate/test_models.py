"""A report turns into ``ValidationFailed`` naming its first failed step, and only when a step failed."""

from __future__ import annotations

import pytest

from fastapi_expert.errors import ValidationFailed
from fastapi_expert.validate.models import ValidationReport, ValidationStep


def test_a_passing_report_raises_nothing_and_a_failing_one_names_its_first_failed_step() -> None:
    ok = ValidationStep(name="syntax", ok=True, duration_ms=1)
    failed = ValidationStep(name="import", ok=False, duration_ms=2, detail="ModuleNotFoundError: No module named 'x'")
    skipped = ValidationStep(name="startup", ok=False, duration_ms=0, detail="skipped: import failed", skipped=True)
    ValidationReport(ok=True, steps=[ok]).raise_for_failure()
    with pytest.raises(ValidationFailed) as info:
        ValidationReport(ok=False, steps=[ok, failed, skipped]).raise_for_failure()
    assert (info.value.step, info.value.detail) == ("import", failed.detail)
