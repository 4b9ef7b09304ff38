"""The project's Alembic setup, read statically: its config, script location, versions and current heads.

The config is the ``[alembic]`` section of an ``alembic.ini`` (the shallowest one; ``%(here)s`` is its folder), or
``[tool.alembic]`` of ``pyproject.toml``. Revision files are read with ``ast`` (never imported): ``revision`` and
``down_revision`` (a string, ``None`` or a tuple for merges), plain or annotated. The heads are the revisions no other
revision names as its ``down_revision``.
"""

from __future__ import annotations

import ast
import configparser
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fastapi_expert.project.sources import ProjectSources

__all__ = ["AlembicRevision", "AlembicSetup", "find_alembic"]


@dataclass(frozen=True, slots=True)
class AlembicRevision:
    """One revision file."""

    revision: str
    down_revisions: tuple[str, ...]  # () for the first revision, two or more for a merge
    path: str
    message: str | None  # the first line of its docstring


@dataclass(frozen=True, slots=True)
class AlembicSetup:
    """Where the project's migrations live (paths relative to the project root) and which revisions are heads."""

    config: str  # alembic.ini (or pyproject.toml)
    script_location: str
    versions: tuple[str, ...]  # the version locations (``<script_location>/versions`` unless configured)
    revisions: tuple[AlembicRevision, ...]
    heads: tuple[str, ...]


def find_alembic(sources: ProjectSources) -> AlembicSetup | None:
    """The project's Alembic setup, or ``None`` when it has no Alembic config (or one that names no scripts)."""
    configs = sorted(
        (path for path in sources.other_files if PurePosixPath(path).name == "alembic.ini"),
        key=lambda path: (path.count("/"), path),
    )
    for config in configs:
        options = _ini_options(sources.other_files[config])
        if options is not None:
            found = _setup(sources, config, options)
            if found is not None:
                return found
    pyproject = sources.other_files.get("pyproject.toml")
    if pyproject is not None:
        options = _pyproject_options(pyproject)
        if options is not None:
            return _setup(sources, "pyproject.toml", options)
    return None


def _ini_options(path: Path) -> dict[str, str] | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    if not parser.has_section("alembic"):
        return None
    here = path.parent.as_posix()
    return {key: value.replace("%(here)s", here).replace("%%", "%") for key, value in parser.items("alembic")}


def _pyproject_options(path: Path) -> dict[str, str] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    section = data.get("tool", {}).get("alembic")
    if not isinstance(section, dict) or not isinstance(section.get("script_location"), str):
        return None
    here = path.parent.as_posix()
    options = {"script_location": section["script_location"].replace("%(here)s", here)}
    locations = section.get("version_locations")
    if isinstance(locations, list):
        options["version_locations"] = " ".join(str(item).replace("%(here)s", here) for item in locations)
    return options


def _setup(sources: ProjectSources, config: str, options: dict[str, str]) -> AlembicSetup | None:
    base = (sources.root / config).parent
    script_location = options.get("script_location", "").strip()
    if not script_location:
        return None
    script = _inside(sources.root, base, script_location)
    if script is None:
        return None
    separator = options.get("version_path_separator", "space")
    raw = options.get("version_locations", "")
    if separator in {"os", ":", ";"}:
        listed = raw.replace(";", ":").split(":")
    elif separator == "newline":
        listed = raw.splitlines()
    else:
        listed = raw.replace(",", " ").split()
    versions = [v for v in (_inside(sources.root, base, item.strip()) for item in listed if item.strip()) if v]
    if not versions:
        versions = [f"{script}/versions" if script != "." else "versions"]
    revisions = _in_order(_revisions(sources, versions))
    named = {down for revision in revisions for down in revision.down_revisions}
    heads = tuple(revision.revision for revision in revisions if revision.revision not in named)
    return AlembicSetup(config, script, tuple(versions), revisions, heads)


def _inside(root: Path, base: Path, location: str) -> str | None:
    """``location`` (absolute, or relative to the config's folder) relative to the root, if it lies inside it."""
    if ":" in location and not Path(location).is_absolute() and not (len(location) > 1 and location[1] == ":"):
        return None  # a package resource ("myapp:migrations"): not a folder of the project we can read
    path = Path(location) if Path(location).is_absolute() else base / location
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return relative.as_posix()


def _revisions(sources: ProjectSources, versions: list[str]) -> tuple[AlembicRevision, ...]:
    found: list[AlembicRevision] = []
    for path in sorted(sources.files):
        if not any(PurePosixPath(path).parent.as_posix() == folder for folder in versions):
            continue
        module = sources.at(path)
        if module is None:
            continue
        values: dict[str, ast.expr | None] = {}
        value: ast.expr | None
        for statement in module.tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AnnAssign):
                target, value = statement.target, statement.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"}:
                values[target.id] = value
        revision = _strings(values.get("revision"))
        if len(revision) != 1:
            continue
        docstring = ast.get_docstring(module.tree)
        message = docstring.strip().splitlines()[0] if docstring and docstring.strip() else None
        found.append(AlembicRevision(revision[0], _strings(values.get("down_revision")), path, message))
    return tuple(found)


def _in_order(revisions: tuple[AlembicRevision, ...]) -> tuple[AlembicRevision, ...]:
    """Revisions from the base to the heads (each after every revision it names; ties and cycles by file name)."""
    pending = list(revisions)
    ordered: list[AlembicRevision] = []
    placed: set[str] = set()
    known = {revision.revision for revision in revisions}
    while pending:
        ready = [r for r in pending if all(d in placed or d not in known for d in r.down_revisions)] or pending[:1]
        for revision in ready:
            ordered.append(revision)
            placed.add(revision.revision)
            pending.remove(revision)
    return tuple(ordered)


def _strings(node: ast.expr | None) -> tuple[str, ...]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return ()
