"""The user's project as the project-level tools see it: its layout and routes, read statically, and the changes they
make to it, shown as a diff and written all or nothing."""

from __future__ import annotations

from fastapi_expert.project.changes import ChangeSet, FileChange, files_from

__all__ = ["ChangeSet", "FileChange", "files_from"]
