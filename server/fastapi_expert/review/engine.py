"""The review: our rules and ruff on the same files, merged into one list sorted by severity, path and line.

Files of a directory are checked in parallel across cores (in chunks, so process start-up is paid once per worker);
ruff runs once, as one subprocess, at the same time. A file that cannot be read (binary, not UTF-8, too large) or
parsed is a finding, and the other files are still reviewed. When our rule and ruff flag the same problem on the same
line, the report keeps ours and lists ruff's code in ``also``.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

from fastapi_expert.config import ReviewConfig
from fastapi_expert.errors import InputError
from fastapi_expert.findings import Finding, Severity
from fastapi_expert.review.cache import ReviewCache
from fastapi_expert.review.checker import check_source
from fastapi_expert.review.registry import RULESET_VERSION, all_rules, rule_by_code, select_rules
from fastapi_expert.review.ruff import DEFAULT_SELECTION, RuffRun
from fastapi_expert.review.rule import Rule

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "UNREADABLE_CODE",
    "ReviewRequest",
    "ReviewResult",
    "ReviewSummary",
    "collect_files",
    "review_code",
    "review_paths",
]

#: A file larger than this is reported as unreadable rather than parsed (generated code, data, minified bundles).
MAX_FILE_BYTES = 2 * 1024 * 1024
#: A review of more files than this is refused (point it at the project's sources).
MAX_FILES = 20_000
UNREADABLE_CODE = "FE900"
#: Below this many files, one process checks them all (starting workers would cost more than it saves).
_PARALLEL_THRESHOLD = 48
_SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "env", "__pycache__", "node_modules", "build", "dist", ".tox", ".nox"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewSummary:
    """Counts first: assistants truncate long tool output."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"use_attribute_docstrings": True}

    files: int
    errors: int
    warnings: int
    infos: int
    truncated: bool
    """True when more findings exist than were returned (see max_findings)."""
    duration_ms: int


@dataclass(frozen=True, kw_only=True)  # no slots: the MCP SDK reads class attributes as field defaults
class ReviewResult:
    """The summary, then the findings sorted by severity, path and line."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"use_attribute_docstrings": True}

    summary: ReviewSummary
    findings: list[Finding]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``--format json``): the summary, then the findings."""
        summary = {item.name: getattr(self.summary, item.name) for item in fields(self.summary)}
        return {"summary": summary, "findings": [finding.to_dict() for finding in self.findings]}


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """What to check and how: rule selection, ruff selection and target, and how many findings to return."""

    config: ReviewConfig = field(default_factory=ReviewConfig)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    target_version: str = "py311"
    max_findings: int = 200
    #: Where results are cached per file content (``None``: no cache).
    cache_dir: Path | None = None

    def cache(self, rules: Sequence[type[Rule]]) -> ReviewCache | None:
        if self.cache_dir is None:
            return None
        salt = (
            RULESET_VERSION,
            _code_fingerprint(),
            ",".join(rule.CODE for rule in rules),
            ",".join(self.ruff_selection()),
            self.config.fingerprint(self.target_version),
        )
        return ReviewCache(self.cache_dir, salt)

    def rules(self) -> tuple[type[Rule], ...]:
        select = self.select or self.config.select
        ignore = (*self.config.ignore, *self.ignore)
        for argument, patterns in (("select", select), ("ignore", ignore)):
            for pattern in patterns:
                if not _known_pattern(pattern):
                    raise InputError(f"unknown rule {pattern!r} (see `fastapi-expert rules`)", argument=argument)
        ours = tuple(p for p in select if _is_ours(p))
        if select and not ours:
            return ()  # only ruff codes were selected
        return select_rules(ours, ignore)

    def ruff_selection(self) -> tuple[str, ...]:
        base = self.config.ruff_select if self.config.ruff_select is not None else DEFAULT_SELECTION
        chosen = (*base, *self.config.extend_ruff_select)
        explicit = [p for p in self.select if not p.upper().startswith("FE")]
        if self.select:
            chosen = tuple(explicit)
        return tuple(p for p in chosen if not any(p.upper().startswith(i.upper()) for i in self.ignore))


def _is_ours(pattern: str) -> bool:
    return pattern.upper().startswith("FE") or rule_by_code(pattern) is not None


def _known_pattern(pattern: str) -> bool:
    if not pattern or len(pattern) > 60:
        return False
    upper = pattern.upper()
    if upper.startswith("FE"):
        return any(rule.CODE.startswith(upper) for rule in all_rules())
    if rule_by_code(pattern) is not None:
        return True
    return upper.isalnum() and upper[0].isalpha()  # a ruff code or prefix; ruff itself rejects unknown ones


def review_code(code: str, filename: str, request: ReviewRequest) -> ReviewResult:
    """Review one snippet as if it were the file ``filename``."""
    started = time.perf_counter()
    if len(code.encode()) > MAX_FILE_BYTES:
        raise InputError(f"is {len(code.encode())} bytes; the limit is {MAX_FILE_BYTES}", argument="code")
    if "\x00" in code:
        raise InputError("contains NUL bytes: it is not Python source", argument="code")
    rules = request.rules()
    cache = request.cache(rules)
    key = cache.key(f"{filename}\x00{code}") if cache is not None else ""
    cached = cache.get(key, filename) if cache is not None else None
    if cached is not None:
        return _result(cached, files=1, started=started, request=request)
    selection = request.ruff_selection()
    # ruff works in its own process while our rules run in this one: the snippet costs the slower of the two.
    with RuffRun(
        stdin=code if selection else None,
        stdin_filename=filename,
        select=selection,
        target_version=request.target_version,
    ) as ruff:
        ours = check_source(code, filename, rules)
        theirs = [replace(f, path=filename) for f in ruff.result()]
    merged = _merge(ours, theirs, rules)
    if cache is not None:
        cache.put(key, merged)
    return _result(merged, files=1, started=started, request=request)


@functools.cache
def _code_fingerprint() -> str:
    """Size and modification time of the review's own modules: an edited rule (an editable install, a patched
    environment) invalidates cached results even where the version did not change. Computed once per process."""
    package = Path(__file__).parent
    parts = []
    for path in sorted([*package.glob("*.py"), *package.glob("rules/*.py")]):
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def collect_files(paths: Iterable[Path], root: Path, exclude: Sequence[str] = ()) -> list[tuple[Path, str]]:
    """The Python files under ``paths`` as ``(absolute path, path relative to root)``; every path must be inside root.

    Symlinks are followed only when they stay inside ``root``; hidden folders, virtualenvs and build output are
    skipped, and so is anything matching an ``exclude`` glob.
    """
    root = root.resolve()
    prefix = str(root).rstrip(os.sep) + os.sep
    found: dict[str, str] = {}
    for given in paths:
        path = given if given.is_absolute() else root / given
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            raise InputError(f"{str(given)!r} is outside {root}", argument="paths")
        if not resolved.exists():
            raise InputError(f"{str(given)!r} does not exist", argument="paths")
        candidates = [str(resolved)] if resolved.is_file() else _walk(str(resolved), prefix)
        for candidate in candidates:
            relative = Path(candidate).relative_to(root).as_posix() if os.sep != "/" else candidate[len(prefix) :]
            if any(fnmatch.fnmatch(relative, pattern) for pattern in exclude):
                continue
            found[candidate] = relative
            if len(found) > MAX_FILES:
                raise InputError(f"name more than {MAX_FILES} Python files; review a smaller tree", argument="paths")
    return [(Path(path), relative) for path, relative in sorted(found.items(), key=lambda item: item[1])]


def _walk(directory: str, prefix: str) -> Iterable[str]:
    """Python files under ``directory`` (resolved, inside the root ``prefix``): ``os.scandir`` answers "folder?" and
    "link?" from the directory entry, so only symlinked files cost a system call."""
    pending = [directory]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if entry.is_dir(follow_symlinks=False):
                # Linked folders are not entered (a link could lead out of the root, or into a cycle).
                if name not in _SKIPPED_DIRS and not name.startswith("."):
                    pending.append(entry.path)
            elif name.endswith((".py", ".pyi")):
                if not entry.is_symlink():
                    yield entry.path
                    continue
                resolved = os.path.realpath(entry.path)
                if resolved.startswith(prefix) and os.path.isfile(resolved):
                    yield resolved


def review_paths(paths: Sequence[Path], root: Path, request: ReviewRequest) -> ReviewResult:
    """Review every Python file under ``paths`` (confined to ``root``)."""
    started = time.perf_counter()
    rules = request.rules()
    files = collect_files(paths, root, request.config.extend_exclude)
    selection = request.ruff_selection()
    cache = request.cache(rules)
    ours: list[Finding] = []
    contents: list[tuple[Path, str, str]] = []
    for path, display in files:
        text, problem = _read(path)
        if problem is not None:
            ours.append(_unreadable_finding(display, problem))
        elif text is not None:
            contents.append((path, display, text))
    keys = {display: cache.key(text) for _, display, text in contents} if cache is not None else {}
    hits = cache.get_many([(key, display) for display, key in keys.items()]) if cache is not None else {}
    cached = [finding for findings in hits.values() for finding in findings]
    readable = [(path, display) for path, display, _ in contents if display not in hits]
    texts = [text for _, display, text in contents if display not in hits]
    with RuffRun(
        [path for path, _ in readable] if selection else (),
        select=selection,
        target_version=request.target_version,
        display_path={str(path): display for path, display in readable},
    ) as ruff:
        ours += _check_files(readable, texts, rules)
        theirs = ruff.result()
    merged = _merge(ours, theirs, rules)
    if cache is not None:
        per_file: dict[str, list[Finding]] = {display: [] for _, display in readable}
        for finding in merged:
            if finding.path in per_file:
                per_file[finding.path].append(finding)
        cache.put_many((keys[display], findings) for display, findings in per_file.items())
    merged = [f for f in merged + cached if not _ignored_for_file(f, request.config.per_file_ignores)]
    return _result(merged, files=len(files), started=started, request=request)


def _check_files(files: Sequence[tuple[Path, str]], texts: Sequence[str], rules: Sequence[type[Rule]]) -> list[Finding]:
    codes = tuple(rule.CODE for rule in rules)
    if len(files) < _PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        findings: list[Finding] = []
        for (_, display), text in zip(files, texts, strict=True):
            findings += check_source(text, display, rules)
        return findings
    workers = min(os.cpu_count() or 1, 8)
    # Chunks of equal weight: the files, largest first, dealt round-robin (consecutive runs of a sorted tree made
    # chunks of uneven cost, and one worker finished long after the other).
    by_size = sorted(range(len(files)), key=lambda index: len(texts[index]), reverse=True)
    count = min(len(files), workers * 4)
    # The texts travel with the chunks: the main process has read them already, and reading a file again in the
    # worker cost more (about 0.1 ms a file here) than sending it down the pipe.
    chunks = [[(files[i][1], texts[i]) for i in by_size[start::count]] for start in range(count)]
    findings = []
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only when there is work to spread

    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(_check_chunk, chunks, [codes] * len(chunks)):
            findings += result
    return findings


def _check_chunk(files: Sequence[tuple[str, str]], codes: tuple[str, ...]) -> list[Finding]:
    """Our findings for ``(display path, text)`` pairs, in a worker process."""
    by_code = {rule.CODE: rule for rule in all_rules()}
    rules = [by_code[code] for code in codes]
    findings: list[Finding] = []
    for display, text in files:
        findings += check_source(text, display, rules)
    return findings


def _read(path: Path) -> tuple[str, None] | tuple[None, str]:
    """The file's text, or why it is not reviewed (too large, unreadable, binary, not UTF-8)."""
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_FILE_BYTES:
                return None, f"the file is {size} bytes; files over {MAX_FILE_BYTES} bytes are not reviewed"
            data = stream.read()
    except OSError as exc:
        return None, f"the file cannot be read: {exc.strerror}"
    if b"\x00" in data:
        return None, "the file is binary (it contains NUL bytes)"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"the file is not UTF-8 (byte {exc.start})"


def _unreadable_finding(display: str, problem: str) -> Finding:
    return Finding(
        rule="unreadable-file",
        code=UNREADABLE_CODE,
        severity=Severity.ERROR,
        path=display,
        line=1,
        column=1,
        end_line=1,
        end_column=1,
        message=problem,
        source="fastapi-expert",
    )


def _merge(ours: list[Finding], theirs: list[Finding], rules: Sequence[type[Rule]]) -> list[Finding]:
    """One list: a ruff finding that one of our rules also reports on the same line folds into ours as ``also``; one
    whose code a selected rule ``REPLACES`` is dropped."""
    overlaps = {rule.CODE: rule.OVERLAPS for rule in rules}
    replaced = {code for rule in rules for code in rule.REPLACES}
    theirs = [finding for finding in theirs if finding.code not in replaced]
    by_line: dict[tuple[str, int], list[int]] = {}
    merged = list(ours)
    for index, finding in enumerate(merged):
        by_line.setdefault((finding.path, finding.line), []).append(index)
    for finding in theirs:
        owner = next(
            (
                index
                for index in by_line.get((finding.path, finding.line), [])
                if any(finding.code.startswith(prefix) for prefix in overlaps.get(merged[index].code, ()))
            ),
            None,
        )
        if owner is None:
            merged.append(finding)
        else:
            also = [*merged[owner].also, finding.code]
            merged[owner] = replace(merged[owner], also=sorted(set(also)))
    return merged


def _ignored_for_file(finding: Finding, per_file: dict[str, tuple[str, ...]]) -> bool:
    for pattern, codes in per_file.items():
        if fnmatch.fnmatch(finding.path, pattern) and any(
            finding.code.startswith(code.upper()) or finding.rule == code for code in codes
        ):
            return True
    return False


def _result(findings: list[Finding], *, files: int, started: float, request: ReviewRequest) -> ReviewResult:
    findings.sort(key=lambda finding: finding.sort_key)
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        counts[finding.severity] += 1
    summary = ReviewSummary(
        files=files,
        errors=counts[Severity.ERROR],
        warnings=counts[Severity.WARNING],
        infos=counts[Severity.INFO],
        truncated=len(findings) > request.max_findings,
        duration_ms=round((time.perf_counter() - started) * 1000),
    )
    return ReviewResult(summary=summary, findings=findings[: request.max_findings])
