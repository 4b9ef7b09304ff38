"""Generated files as input, and laying them over a copy of the reference app without leaving it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from fastapi_expert.errors import InputError

if TYPE_CHECKING:
    # Imported where used: the sandboxed child imports this module for ``module_name`` and nothing else.
    from fastapi_expert.models import GeneratedFile

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_NAME_BYTES",
    "MAX_PATH_BYTES",
    "MAX_TOTAL_BYTES",
    "checked_files",
    "module_name",
    "overlay_files",
]

#: At most this many files per validation.
MAX_FILES = 200
#: At most this many bytes (UTF-8) per file, and in all.
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024
#: At most this many bytes (UTF-8) per path, and per path component (the file systems' NAME_MAX).
MAX_PATH_BYTES = 1024
MAX_NAME_BYTES = 255
_TEST_NAMES = ("conftest.py",)


def checked_files(items: Iterable[GeneratedFile | tuple[str, str]]) -> list[GeneratedFile]:
    """The files as ``GeneratedFile``\\ s, checked: relative POSIX paths, no duplicates, no NUL bytes, within the size
    limits. A bad one is an ``InputError`` naming it (``files[3].path``)."""
    from pydantic import ValidationError

    from fastapi_expert.models import GeneratedFile

    files: list[GeneratedFile] = []
    seen: dict[str, int] = {}
    total = 0
    for index, item in enumerate(items):
        if index >= MAX_FILES:
            raise InputError(f"more than {MAX_FILES} files; validate fewer at a time", argument="files")
        path, content = (item.path, item.content) if isinstance(item, GeneratedFile) else item
        try:
            checked = GeneratedFile(path=path, content=content)
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise InputError(problem, argument=f"files[{index}].path") from exc
        size = len(content.encode("utf-8", "surrogatepass"))
        if size > MAX_FILE_BYTES:
            raise InputError(f"is {size} bytes; the limit is {MAX_FILE_BYTES}", argument=f"files[{index}].content")
        if "\x00" in content:
            raise InputError("contains NUL bytes: it is not a text file", argument=f"files[{index}].content")
        if "\x00" in path or path in (".", "") or path.endswith("/"):
            raise InputError(f"{path!r} does not name a file", argument=f"files[{index}].path")
        _check_length(path, argument=f"files[{index}].path")
        normal = PurePosixPath(path).as_posix()
        if normal in seen:
            raise InputError(f"{path!r} is also files[{seen[normal]}]", argument=f"files[{index}].path")
        seen[normal] = index
        total += size
        if total > MAX_TOTAL_BYTES:
            raise InputError(f"are more than {MAX_TOTAL_BYTES} bytes in all", argument="files")
        files.append(checked)
    if not files:
        raise InputError("is empty; pass at least one file", argument="files")
    return files


def overlay_files(root: Path, files: Sequence[GeneratedFile]) -> list[Path]:
    """Write ``files`` over the tree at ``root`` (replacing files of the same path) and return where each went.

    Every target is confined to ``root`` after resolving symlinks: a path through a symlink that leads out, or onto
    an existing folder, is an ``InputError``; the file itself is never followed if it is a symlink.
    """
    root = root.resolve()
    written = []
    for index, file in enumerate(files):
        target = root / file.path
        argument = f"files[{index}].path"
        parent = target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise InputError(f"{file.path!r} goes through a file of the reference app", argument=argument) from exc
        if not parent.resolve().is_relative_to(root):
            raise InputError(f"{file.path!r} leads outside the app folder", argument=argument)
        if target.is_dir() and not target.is_symlink():
            raise InputError(f"{file.path!r} is a folder of the reference app", argument=argument)
        if target.is_symlink():
            target.unlink()
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            descriptor = os.open(target, flags, 0o644)
        except OSError as exc:
            raise InputError(f"{file.path!r} cannot be a file here: {exc.strerror}", argument=argument) from exc
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(file.content)
        written.append(target)
    return written


def _check_length(path: str, *, argument: str) -> None:
    """Refuse a path the file system would refuse (ENAMETOOLONG): too long in all, or a component too long."""
    size = len(path.encode("utf-8", "surrogatepass"))
    if size > MAX_PATH_BYTES:
        raise InputError(f"is {size} bytes long; the limit is {MAX_PATH_BYTES}", argument=argument)
    for part in PurePosixPath(path).parts:
        if len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise InputError(f"has a name longer than {MAX_NAME_BYTES} bytes: {part[:40]!r}...", argument=argument)


def module_name(path: str) -> str | None:
    """The module ``path`` is imported as (``app/routers/items.py`` -> ``app.routers.items``), or ``None`` for files
    that are not importable modules or are tests (``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``)."""
    pure = PurePosixPath(path)
    if pure.suffix != ".py" or pure.name in _TEST_NAMES or pure.parts[0] == "tests":
        return None
    if pure.stem.startswith("test_") or pure.stem.endswith("_test"):
        return None
    parts = list(pure.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)
