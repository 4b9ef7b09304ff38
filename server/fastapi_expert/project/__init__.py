"""The user's project as the project-level tools (``scaffold_endpoint``, ``add_auth``) see it: its layout and its
routes, read statically (nothing of it is imported or run), and the changes the tools make to it, shown as one
unified diff and written all or nothing."""

from __future__ import annotations

from fastapi_expert.project.changes import ChangeSet, FileChange, files_from
from fastapi_expert.project.layout import (
    AppObject,
    IncludeSite,
    LayoutKind,
    ModuleLocation,
    ProjectLayout,
    RouterPackage,
    SchemeInstance,
    VirtualEnv,
    detect_layout,
)
from fastapi_expert.project.migrations import AlembicRevision, AlembicSetup
from fastapi_expert.project.persistence import ModelBase, Persistence, SessionDependency
from fastapi_expert.project.routers import AuthDependency, Inclusion, Mount, Prefix, RouterInfo
from fastapi_expert.project.routes import (
    Endpoint,
    Matches,
    PatternMatch,
    RouteInventory,
    inventory_project,
    inventory_source,
    match_routes,
)
from fastapi_expert.project.sources import UnparsedFile
from fastapi_expert.project.testing import ClientFixture, Conftest, PytestSetup

__all__ = [
    "AlembicRevision",
    "AlembicSetup",
    "AppObject",
    "AuthDependency",
    "ChangeSet",
    "ClientFixture",
    "Conftest",
    "Endpoint",
    "FileChange",
    "IncludeSite",
    "Inclusion",
    "LayoutKind",
    "Matches",
    "ModelBase",
    "ModuleLocation",
    "Mount",
    "PatternMatch",
    "Persistence",
    "Prefix",
    "ProjectLayout",
    "PytestSetup",
    "RouteInventory",
    "RouterInfo",
    "RouterPackage",
    "SchemeInstance",
    "SessionDependency",
    "UnparsedFile",
    "VirtualEnv",
    "detect_layout",
    "files_from",
    "inventory_project",
    "inventory_source",
    "match_routes",
]
