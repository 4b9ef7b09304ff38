"""What ``add_auth`` returns: the files, the diff, the validation they passed, what was written, and which routes it
protected and how (DESIGN.md fixes ``files``, ``diff``, ``validation`` and ``written``; the rest is added)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from fastapi_expert.codemods.plan import ModulePlan
from fastapi_expert.models import GeneratedFile
from fastapi_expert.validate.models import ValidationReport

__all__ = ["AddAuthResult", "ProtectedRouteModel", "protected_routes"]


class ProtectedRouteModel(BaseModel):
    """A route this run protected."""

    methods: list[str]
    path: str = Field(description="The full path, with router and include_router prefixes.")
    function: str
    file: str
    line: int = Field(ge=1, description="The line of its decorator in the original file.")
    how: Literal["decorator", "router", "parameter"] = Field(
        description="decorator: dependencies=[Depends(require_auth)] on it; router: on its APIRouter(...); "
        "parameter: a current_user: CurrentUser parameter."
    )


class AddAuthResult(BaseModel):
    """The edited and new files (only those that change), their diff against the project or input, the validation
    they passed, the files written (with ``write``), the routes protected, and notes (environment to set)."""

    files: list[GeneratedFile] = Field(description="Every file that changes or is created, with its whole content.")
    diff: str = Field(description="A git-style unified diff of the changes ('' when nothing changes).")
    validation: ValidationReport | None = Field(
        description="The validation of the generated auth code in the reference app (None when nothing changes)."
    )
    written: list[str] = Field(description="The paths written (only with write=true).")
    protected: list[ProtectedRouteModel] = Field(default_factory=list, description="The routes this run protected.")
    notes: list[str] = Field(default_factory=list, description="What to do next (environment variables to set).")


def protected_routes(plans: Iterable[ModulePlan]) -> list[ProtectedRouteModel]:
    return [
        ProtectedRouteModel(
            methods=list(route.methods),
            path=route.path,
            function=route.function,
            file=route.file,
            line=route.line,
            how=route.how,
        )
        for plan in plans
        for route in plan.routes
    ]
