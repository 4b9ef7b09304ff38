"""Edits to a user's project, computed first and written later: a unified diff to show, an all-or-nothing write.

A ``ChangeSet`` is computed against a project root: for each file it keeps the relative path, the original text (or
``None`` for a file it creates) with its SHA-256, and the new text. ``diff()`` renders one git-style unified diff that
``git apply`` applies in the root. ``write()`` refuses when any file it would touch changed since the set was computed
(or a file it would create now exists), then stages every file as a temporary file next to its target, and only then
renames them into place; if a rename fails, the files already replaced get their original content back and the files
already created are removed, so the project ends up as it was.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from fastapi_expert.errors import InputError
from fastapi_expert.models import GeneratedFile

__all__ = ["ChangeSet", "FileChange", "files_from"]

#: Mode of a file created in a project before the umask applies (``0644`` under the usual ``022`` umask).
_NEW_FILE_MODE = 0o666
_ARGUMENT = "project_dir"
#: Lines as git counts them: only ``\n`` ends a line (a ``\r`` before it stays part of the line).
_GIT_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file of a change set: its path relative to the root, what it held (``None``: it is new) and will hold."""

    path: str
    original: str | None
    original_sha256: str | None
    content: str

    @property
    def is_new(self) -> bool:
        return self.original is None


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Edits and new files for the project at ``root``, in a stable order (by path); files left as they are omitted."""

    root: Path
    changes: tuple[FileChange, ...] = field(default=())

    @classmethod
    def compute(
        cls, root: Path, files: Mapping[str, str], *, originals: Mapping[str, str | None] | None = None
    ) -> ChangeSet:
        """The change set turning the project at ``root`` into one where each of ``files`` (relative POSIX path ->
        new content) holds its content.

        The originals are read from disk now, unless the caller passes the text it read (and based its edit on) in
        ``originals`` (``None`` for a file it creates); either way their hashes are what ``write`` checks against.
        """
        root = Path(root)
        if not root.is_dir():
            raise InputError(f"{str(root)!r} is not a directory", argument=_ARGUMENT)
        changes: list[FileChange] = []
        for path in sorted(files):
            target = _confined(root, path)
            if originals is not None and path in originals:
                original = originals[path]
                digest = None if original is None else _sha256(original.encode("utf-8"))
            else:
                original, digest = _read(target, path)
            if original == files[path]:
                continue
            changes.append(FileChange(path, original, digest, files[path]))
        return cls(root=root, changes=tuple(changes))

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(change.path for change in self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def diff(self) -> str:
        """One unified diff of every change, with git's ``a/``/``b/`` headers (``/dev/null`` for new files)."""
        return "".join(_file_diff(change) for change in self.changes)

    def write(self, root: Path | None = None) -> list[str]:
        """Write the changes into ``root`` (by default the root they were computed against), all or nothing, and
        return the relative paths written.

        Refuses with an ``InputError`` naming every such path when a file to edit changed (or disappeared) since the
        change set was computed, or a file to create now exists.
        """
        root = Path(root) if root is not None else self.root
        if not root.is_dir():
            raise InputError(f"{str(root)!r} is not a directory", argument=_ARGUMENT)
        targets = [(change, _confined(root, change.path)) for change in self.changes]
        seen: dict[Path, str] = {}
        for change, target in targets:
            if target in seen:
                raise InputError(f"{change.path!r} and {seen[target]!r} are the same file", argument=_ARGUMENT)
            seen[target] = change.path
        _check_unchanged(targets)
        staged: list[_Staged] = []
        try:
            for change, target in targets:
                staged.append(_stage(change, target))
            _check_unchanged(targets)  # once more, as late as possible before the renames
            _commit(staged)
        except BaseException:
            _discard(staged)
            raise
        _sync_directories({item.target.parent for item in staged})
        return [change.path for change in self.changes]


def files_from(change_set: ChangeSet) -> list[GeneratedFile]:
    """The new content of every file of ``change_set``, as the tools return it."""
    return [GeneratedFile(path=change.path, content=change.content) for change in change_set.changes]


# -- paths -------------------------------------------------------------------------------------------------------------


def _confined(root: Path, path: str) -> Path:
    """``root / path`` after checking that ``path`` is a relative POSIX path whose resolved location (symbolic links
    followed) stays inside the resolved ``root``."""
    pure = PurePosixPath(path)
    if (
        not path
        or "\\" in path
        or "\x00" in path
        or pure.is_absolute()
        or ".." in pure.parts
        or pure.as_posix() != path
        or path in {".", ""}
    ):
        raise InputError(
            f"{path!r} must be a relative POSIX path inside the project (no '..', no '\\')", argument=_ARGUMENT
        )
    resolved_root = root.resolve()
    resolved = (root / path).resolve()
    if resolved == resolved_root or not resolved.is_relative_to(resolved_root):
        raise InputError(f"{path!r} leads outside the project (through a symbolic link)", argument=_ARGUMENT)
    return resolved


def _read(target: Path, path: str) -> tuple[str | None, str | None]:
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        return None, None
    except IsADirectoryError as error:
        raise InputError(f"{path!r} is a directory, not a file", argument=_ARGUMENT) from error
    except OSError as error:
        raise InputError(f"{path!r} cannot be read: {error.strerror or error}", argument=_ARGUMENT) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path!r} is not UTF-8 text", argument=_ARGUMENT) from error
    return text, _sha256(data)


def _check_unchanged(targets: Iterable[tuple[FileChange, Path]]) -> None:
    problems: list[str] = []
    for change, target in targets:
        if change.is_new:
            if os.path.lexists(target):
                problems.append(f"{change.path} (now exists; it would be overwritten)")
            continue
        try:
            digest = _sha256(target.read_bytes())
        except FileNotFoundError:
            problems.append(f"{change.path} (deleted)")
            continue
        except OSError as error:
            problems.append(f"{change.path} (cannot be read: {error.strerror or error})")
            continue
        if digest != change.original_sha256:
            problems.append(f"{change.path} (changed)")
    if problems:
        raise InputError(
            "files changed since the changes were computed, nothing was written; compute them again: "
            + ", ".join(problems),
            argument=_ARGUMENT,
        )


# -- writing -----------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Staged:
    """A change written to a temporary file next to its target, waiting for its rename."""

    change: FileChange
    target: Path
    temporary: Path | None
    created_directories: list[Path]
    original_bytes: bytes | None = None
    original_mode: int | None = None
    done: bool = False


def _stage(change: FileChange, target: Path) -> _Staged:
    created = _make_parents(target.parent)
    staged = _Staged(change, target, None, created)
    if not change.is_new:
        staged.original_bytes = target.read_bytes()
        staged.original_mode = target.stat().st_mode & 0o7777
    staged.temporary = _temporary_file(target, change.content.encode("utf-8"), staged.original_mode)
    return staged


def _make_parents(directory: Path) -> list[Path]:
    """Create ``directory`` and its missing parents; return the ones created, deepest first."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        path.mkdir()
    return missing


def _temporary_file(target: Path, data: bytes, mode: int | None) -> Path:
    """A file in ``target``'s folder holding ``data``, flushed to disk; ``mode`` kept, or the umask's default."""
    for _ in range(100):
        name = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), _NEW_FILE_MODE)
        except FileExistsError:
            continue
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            if mode is not None:
                os.chmod(name, mode)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
        return name
    raise FileExistsError(f"no free temporary name next to {target}")  # pragma: no cover


def _commit(staged: list[_Staged]) -> None:
    for item in staged:
        if item.temporary is None:
            continue
        if item.change.is_new:
            _create(item.temporary, item.target, item.change.path)
        else:
            os.replace(item.temporary, item.target)
        item.temporary = None
        item.done = True


def _create(temporary: Path, target: Path, path: str) -> None:
    """Move ``temporary`` to ``target`` without replacing a file that appeared there meanwhile (a hard link where the
    file system has them, else a last check before the rename)."""
    try:
        os.link(temporary, target)
    except FileExistsError as error:
        raise InputError(f"{path} now exists; nothing was written", argument=_ARGUMENT) from error
    except OSError:
        if os.path.lexists(target):
            raise InputError(f"{path} now exists; nothing was written", argument=_ARGUMENT) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


def _discard(staged: list[_Staged]) -> None:
    """Undo a partial write: originals back in place, created files and folders removed, temporary files deleted."""
    for item in reversed(staged):
        if item.temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(item.temporary)
        if item.done:
            with contextlib.suppress(OSError):
                if item.original_bytes is None:
                    os.unlink(item.target)
                else:
                    restored = _temporary_file(item.target, item.original_bytes, item.original_mode)
                    os.replace(restored, item.target)
        for directory in item.created_directories:
            with contextlib.suppress(OSError):
                directory.rmdir()


def _sync_directories(directories: Iterable[Path]) -> None:
    """Flush the renames themselves to disk (POSIX; a no-op where folders cannot be opened)."""
    for directory in directories:
        try:
            handle = os.open(directory, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(handle)
        except OSError:
            pass
        finally:
            os.close(handle)


# -- diff --------------------------------------------------------------------------------------------------------------


def _git_lines(text: str) -> list[str]:
    return _GIT_LINE.findall(text)


def _quote(path: str) -> str:
    """A path as git writes it in a diff header: C-quoted when it holds quotes, backslashes, control characters or
    non-ASCII characters."""
    if all(32 <= ord(c) < 127 and c not in '"\\' for c in path):
        return path
    escapes = {'"': '\\"', "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
    out = []
    for byte in path.encode("utf-8"):
        char = chr(byte)
        if char in escapes:
            out.append(escapes[char])
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _prefixed(prefix: str, path: str) -> str:
    quoted = _quote(path)
    return f'"{prefix}{quoted[1:]}' if quoted.startswith('"') else f"{prefix}{quoted}"


def _file_diff(change: FileChange) -> str:
    a_name, b_name = _prefixed("a/", change.path), _prefixed("b/", change.path)
    header = [f"diff --git {a_name} {b_name}\n"]
    if change.is_new:
        header.append("new file mode 100644\n")
    old = _git_lines(change.original or "")
    new = _git_lines(change.content)
    if not old and not new:
        return "".join(header)
    header.append(f"--- {'/dev/null' if change.is_new else a_name}\n")
    header.append(f"+++ {b_name}\n")
    body: list[str] = []
    for number, line in enumerate(difflib.unified_diff(old, new, n=3, lineterm="")):
        if number < 2:
            continue  # difflib's own ---/+++ lines: ours are above
        if line.startswith("@@"):
            body.append(line + "\n")
        elif line.endswith("\n"):
            body.append(line)
        else:
            body.append(line + "\n\\ No newline at end of file\n")
    return "".join(header + body)
