"""False positives on real code: review every file of FastAPI's ``docs_src/`` and explain every error and warning.

The corpus is the FastAPI sdist of the version the allow-list was judged against (``fastapi = "..."`` in
``docs_src_allowlist.toml``; ``--fastapi-version installed`` takes the one in this virtualenv instead), fetched with
``pip download --no-binary :all: --no-deps fastapi==<version>`` into ``bench/.cache/`` (gitignored) and reused from
there; its ``docs_src/`` and ``pyproject.toml`` are unpacked beside it. The review is the engine's, in-process, with
the configuration the CLI would load there (FastAPI's ``pyproject.toml``: no ``[tool.fastapi-expert]``, target from
``requires-python``), every rule that exists and the default ruff selection, no cache.

Prints the findings per rule and severity, then every error or warning that no allow-list entry explains
(UNEXPLAINED) and every entry that no longer matches a finding (STALE); exits 1 if there is either. An entry names a
``path`` relative to ``docs_src`` (a glob is allowed), a ``code``, optionally a ``line``, and the ``reason``: the true
problem the example shows. A false positive is not allow-listed: it is a rule bug to fix.
``tests/review/test_docs_corpus.py`` asserts the same.

    .venv/bin/python bench/docs_src_findings.py [--fastapi-version VERSION|installed]
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.metadata
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi_expert.config import load_config
from fastapi_expert.models import Finding, Severity
from fastapi_expert.review.engine import ReviewRequest, review_paths

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
ALLOWLIST = BENCH / "docs_src_allowlist.toml"
#: Severities an allow-list must explain (infos are suggestions: counted, not judged).
JUDGED = (Severity.ERROR, Severity.WARNING)
_ENTRY_KEYS = {"path", "code", "line", "reason"}


@dataclass(frozen=True)
class Allowed:
    """One allow-list entry: findings of ``code`` in ``path`` (a glob relative to docs_src), on ``line`` if given."""

    path: str
    code: str
    line: int | None
    reason: str

    def matches(self, finding: Finding) -> bool:
        return (
            finding.code == self.code
            and fnmatch.fnmatchcase(finding.path, self.path)
            and (self.line is None or finding.line == self.line)
        )

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where} {self.code} ({self.reason})"


@dataclass(frozen=True)
class AllowList:
    fastapi: str
    entries: tuple[Allowed, ...]


def load_allowlist(path: Path = ALLOWLIST) -> AllowList:
    """The allow-list; ``ValueError`` naming the entry for anything malformed."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    version = data.get("fastapi")
    if not isinstance(version, str) or not version:
        raise ValueError(f'{path}: `fastapi = "<version>"` (the corpus the entries were judged on) is required')
    entries = []
    for index, raw in enumerate(data.get("allow", [])):
        where = f"{path}: allow[{index}]"
        if not isinstance(raw, dict) or not set(raw) <= _ENTRY_KEYS or not {"path", "code", "reason"} <= set(raw):
            raise ValueError(f"{where}: an entry has path, code, reason and an optional line; got {raw!r}")
        line = raw.get("line")
        if line is not None and (not isinstance(line, int) or line < 1):
            raise ValueError(f"{where}: line must be a positive integer")
        texts = [raw["path"], raw["code"], raw["reason"]]
        if not all(isinstance(text, str) and text.strip() for text in texts):
            raise ValueError(f"{where}: path, code and reason must be non-empty strings")
        entries.append(Allowed(raw["path"], raw["code"], line, raw["reason"]))
    return AllowList(version, tuple(entries))


def installed_fastapi() -> str:
    return importlib.metadata.version("fastapi")


def sdist(version: str, cache: Path = CACHE) -> Path:
    """FastAPI's sdist for ``version`` in ``cache``, downloaded with pip when it is not there yet.

    A failed download raises ``subprocess.CalledProcessError`` (a test that needs the corpus fails, it does not skip).
    """
    target = cache / f"fastapi-{version}.tar.gz"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as download:
        command = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"]
        command += ["--dest", download, f"fastapi=={version}"]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        found = Path(download) / target.name
        if not found.is_file():
            raise FileNotFoundError(f"pip download left no {target.name} in {download}: {os.listdir(download)}")
        os.replace(found, target)
    return target


def corpus(version: str, cache: Path = CACHE) -> Path:
    """The unpacked ``fastapi-<version>/`` folder (``docs_src/`` and ``pyproject.toml``), unpacked once."""
    root = cache / f"fastapi-{version}"
    if (root / "docs_src").is_dir():
        return root
    archive = sdist(version, cache)
    prefix = f"fastapi-{version}/"
    with tempfile.TemporaryDirectory(dir=cache) as scratch, tarfile.open(archive) as tar:
        members = [
            member
            for member in tar.getmembers()
            if member.name.startswith(f"{prefix}docs_src/") or member.name == f"{prefix}pyproject.toml"
        ]
        if not any(member.name.startswith(f"{prefix}docs_src/") for member in members):
            raise FileNotFoundError(f"{archive} has no {prefix}docs_src/")
        tar.extractall(scratch, members=members, filter="data")
        try:
            os.replace(Path(scratch) / root.name, root)
        except OSError:  # a concurrent run unpacked it first
            if not (root / "docs_src").is_dir():
                raise
    return root


def review_docs_src(root: Path) -> tuple[list[Finding], int, float]:
    """Every finding on ``root/docs_src`` (paths relative to docs_src), the number of files, and the seconds taken."""
    docs_src = root / "docs_src"
    loaded = load_config(docs_src)
    request = ReviewRequest(
        config=loaded.config, target_version=loaded.target_version, max_findings=10**9, cache_dir=None
    )
    started = time.perf_counter()
    result = review_paths([docs_src], docs_src, request)
    return result.findings, result.summary.files, time.perf_counter() - started


@dataclass(frozen=True)
class Outcome:
    findings: list[Finding]
    files: int
    seconds: float
    explained: list[tuple[Finding, Allowed]]
    unexplained: list[Finding]
    stale: list[Allowed]


def judge(findings: Sequence[Finding], allowlist: AllowList) -> tuple[list[tuple[Finding, Allowed]], list[Finding]]:
    """Split the errors and warnings into allow-listed ones (with their entry) and unexplained ones."""
    explained: list[tuple[Finding, Allowed]] = []
    unexplained: list[Finding] = []
    for finding in findings:
        if finding.severity not in JUDGED:
            continue
        entry = next((entry for entry in allowlist.entries if entry.matches(finding)), None)
        if entry is None:
            unexplained.append(finding)
        else:
            explained.append((finding, entry))
    return explained, unexplained


def check(root: Path, allowlist: AllowList) -> Outcome:
    findings, files, seconds = review_docs_src(root)
    explained, unexplained = judge(findings, allowlist)
    used = {id(entry) for _, entry in explained}
    stale = [entry for entry in allowlist.entries if id(entry) not in used]
    return Outcome(findings, files, seconds, explained, unexplained, stale)


def _location(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}"


def report(outcome: Outcome, version: str) -> str:
    """Counts per rule and severity, then the unexplained findings and stale entries."""
    severities = Counter(finding.severity for finding in outcome.findings)
    lines = [
        f"FastAPI {version} docs_src: {outcome.files} files, {len(outcome.findings)} findings "
        f"({severities[Severity.ERROR]} errors, {severities[Severity.WARNING]} warnings, "
        f"{severities[Severity.INFO]} infos) in {outcome.seconds:.2f} s (in-process, no cache)",
        "",
        f"{'code':<10}{'rule':<44}{'severity':<10}{'count':>6}{'allow-listed':>14}",
    ]
    per_rule = Counter((f.code, f.rule, f.severity) for f in outcome.findings)
    allowed = Counter(f.code for f, _ in outcome.explained)
    order = {severity: index for index, severity in enumerate(Severity)}
    for (code, rule, severity), count in sorted(per_rule.items(), key=lambda item: (order[item[0][2]], item[0][0])):
        listed = str(allowed[code]) if severity in JUDGED else "-"
        lines.append(f"{code:<10}{rule[:43]:<44}{severity.value:<10}{count:>6}{listed:>14}")
    explained = len(outcome.explained)
    judged = explained + len(outcome.unexplained)
    lines += ["", f"errors and warnings: {judged}, allow-listed: {explained}, unexplained: {len(outcome.unexplained)}"]
    if outcome.unexplained:
        lines += ["", f"UNEXPLAINED ({len(outcome.unexplained)}): a false positive to fix, or a true one to allow-list"]
        lines += [
            f"  {_location(f)} {f.code} [{f.severity.value}] {f.message}"
            for f in sorted(outcome.unexplained, key=lambda f: f.sort_key)
        ]
    if outcome.stale:
        lines += ["", f"STALE allow-list entries ({len(outcome.stale)}): they match no finding any more; remove them"]
        lines += [f"  {entry}" for entry in outcome.stale]
    return "\n".join(lines) + "\n"


def resolve_version(option: str | None, allowlist: AllowList) -> str:
    if option is None:
        return allowlist.fastapi
    return installed_fastapi() if option == "installed" else option


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--fastapi-version",
        metavar="VERSION",
        help="the corpus version (default: the allow-list's; `installed`: the one in this virtualenv)",
    )
    args = parser.parse_args(argv)
    allowlist = load_allowlist()
    version = resolve_version(args.fastapi_version, allowlist)
    if version != allowlist.fastapi:
        print(f"note: the allow-list was judged on FastAPI {allowlist.fastapi}; reviewing {version}\n")
    outcome = check(corpus(version), allowlist)
    print(report(outcome, version), end="")
    return 1 if outcome.unexplained or outcome.stale else 0


if __name__ == "__main__":
    sys.exit(main())
