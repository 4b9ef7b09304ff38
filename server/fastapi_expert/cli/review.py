"""``fastapi-expert review`` and ``fastapi-expert rules``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi_expert.cli.codes import EXIT_FINDINGS, EXIT_OK
from fastapi_expert.errors import InputError

if TYPE_CHECKING:
    from fastapi_expert.review.engine import ReviewResult

__all__ = ["add_parser"]


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    review = verbs.add_parser("review", help="review FastAPI code: our rules and a curated ruff selection")
    review.add_argument("paths", nargs="*", default=[], help="files or folders (default: .); `-` reads stdin")
    review.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text")
    review.add_argument("--select", action="append", default=[], metavar="CODES", help="comma-separated codes")
    review.add_argument("--ignore", action="append", default=[], metavar="CODES", help="comma-separated codes")
    review.add_argument("--fail-on", choices=["error", "warning", "info"], help="exit 1 from this severity up")
    review.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings reach --fail-on")
    review.add_argument("--stdin-filename", metavar="NAME", help="review stdin as this file (for editors)")
    review.add_argument("--max-findings", type=int, default=10_000, metavar="N", help="findings to print at most")
    review.add_argument("--diff", metavar="BASE", help="report only findings on lines changed since git revision BASE")
    review.add_argument("--baseline", metavar="FILE", help="report only findings that are not in this baseline")
    review.add_argument("--write-baseline", metavar="FILE", help="write the current findings as the baseline")
    review.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    review.add_argument("--fix", action="store_true", help="apply safe fixes to the files (atomic writes)")
    review.add_argument("--unsafe-fixes", action="store_true", help="with --fix, apply unsafe fixes too")
    review.set_defaults(handler=_review)

    rules = verbs.add_parser("rules", help="list the review rules, or document one")
    rules.add_argument("code", nargs="?", help="a rule code (FE001) or name")
    rules.set_defaults(handler=_rules)


def _codes(values: list[str]) -> tuple[str, ...]:
    return tuple(code.strip() for value in values for code in value.split(",") if code.strip())


def _review(args: argparse.Namespace) -> int:
    from fastapi_expert.config import load_config
    from fastapi_expert.findings import Severity
    from fastapi_expert.review.cache import default_cache_dir
    from fastapi_expert.review.engine import ReviewRequest, review_code, review_paths
    from fastapi_expert.review.fixing import fix_paths
    from fastapi_expert.review.report import format_github, format_text, reaches

    if args.max_findings < 1:
        raise InputError("must be at least 1", argument="--max-findings")
    stdin = args.stdin_filename is not None or args.paths == ["-"]
    if stdin and args.paths not in ([], ["-"]):
        raise InputError("reading stdin excludes other paths", argument="paths")
    if args.fix and stdin:
        raise InputError("fixes are written to files; stdin cannot be fixed", argument="--fix")
    if args.unsafe_fixes and not args.fix:
        raise InputError("goes with --fix", argument="--unsafe-fixes")
    cwd = Path.cwd()
    loaded = load_config(cwd / (args.stdin_filename or "") if stdin else Path(args.paths[0]) if args.paths else cwd)
    request = ReviewRequest(
        config=loaded.config,
        select=_codes(args.select),
        ignore=_codes(args.ignore),
        target_version=loaded.target_version,
        max_findings=args.max_findings,
        cache_dir=None if args.no_cache else default_cache_dir(),
    )
    if stdin:
        data = sys.stdin.buffer.read()
        try:
            code = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"is not UTF-8 (byte {exc.start})", argument="stdin") from exc
        result = review_code(code, args.stdin_filename or "stdin.py", request)
    else:
        paths = [Path(p).resolve() for p in args.paths or ["."]]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise InputError(f"{', '.join(missing)} does not exist", argument="paths")
        # Findings name files relative to the working directory, or to the paths' common folder outside it.
        inside = all(p.is_relative_to(cwd) for p in paths)
        root = cwd if inside else Path(os.path.commonpath([p if p.is_dir() else p.parent for p in paths]))
        if args.fix:
            outcome = fix_paths(paths, root, request, unsafe=args.unsafe_fixes)
            result = outcome.result
            files = len(outcome.applied)
            print(
                f"fixed {outcome.total} finding{'s' * (outcome.total != 1)} in {files} file{'s' * (files != 1)}",
                file=sys.stderr,
            )
            for finding, reason in outcome.dropped:
                print(
                    f"{finding.path}:{finding.line}:{finding.column}: {finding.code} fix dropped: {reason}",
                    file=sys.stderr,
                )
        else:
            result = review_paths(paths, root, request)
    if not stdin and (args.diff or args.baseline or args.write_baseline):
        result = _narrow(result, args, root)
    if args.format == "json":
        print(_json(result))
    elif args.format == "github":
        print(format_github(result), end="")
    elif args.format == "sarif":
        from fastapi_expert.review.sarif import format_sarif

        print(format_sarif(result, cwd if stdin else root), end="")
    else:
        print(format_text(result), end="")
    level = Severity(args.fail_on or loaded.config.fail_on)
    failing = any(reaches(finding, level) for finding in result.findings)
    return EXIT_FINDINGS if failing and not args.exit_zero else EXIT_OK


def _rules(args: argparse.Namespace) -> int:
    from fastapi_expert.review.explain import explain
    from fastapi_expert.review.registry import all_rules

    if args.code:
        print(explain(args.code).documentation, end="")
        return EXIT_OK
    for rule in all_rules():
        fix = f"fix: {rule.FIX_SAFETY}" if rule.FIX_SAFETY else ""
        print(f"{rule.CODE}  {rule.SEVERITY.value:<7}  {rule.name():<40}  {fix}".rstrip())
    return EXIT_OK


def _json(result: ReviewResult) -> str:
    """The result as JSON, one finding per line: readable and diffable, and written by the C encoder (``indent``
    would switch json to its pure-Python encoder, the slowest part of a warm review)."""
    data = result.to_dict()
    findings = [json.dumps(finding, ensure_ascii=False) for finding in data["findings"]]
    body = "[\n    " + ",\n    ".join(findings) + "\n  ]" if findings else "[]"
    return f'{{\n  "summary": {json.dumps(data["summary"])},\n  "findings": {body}\n}}'


def _narrow(result: ReviewResult, args: argparse.Namespace, root: Path) -> ReviewResult:
    """Apply --write-baseline, --baseline and --diff to a finished review."""
    from fastapi_expert.findings import Severity
    from fastapi_expert.review.baseline import fingerprints, read_baseline, write_baseline
    from fastapi_expert.review.gitdiff import changed_lines, only_changed

    findings = result.findings
    if args.write_baseline:
        write_baseline(Path(args.write_baseline), findings, root)
    if args.baseline:
        accepted = read_baseline(Path(args.baseline))
        findings = [f for f, fp in zip(findings, fingerprints(findings, root), strict=True) if fp not in accepted]
    if args.diff:
        findings = only_changed(findings, changed_lines(args.diff, root))
    counts = {severity: sum(f.severity == severity for f in findings) for severity in Severity}
    summary = replace(
        result.summary, errors=counts[Severity.ERROR], warnings=counts[Severity.WARNING], infos=counts[Severity.INFO]
    )
    return replace(result, findings=findings, summary=summary)
