"""The imports a codemod schedules, added by libcst's ``AddImportsVisitor`` to the module's head, in isort order.

``AddImportsVisitor`` reads and edits only the module's leading import block (the imports before its first other
statement, after a docstring): it extends a ``from x import ...`` of the block or adds statements after it. So it
runs on the head alone (the first statement, the import lines after it and a stand-in for the statement that
follows them, whose leading blank lines it may change), not on the whole module: one pass over a few lines.

It puts the names it adds first (``from fastapi import Depends, APIRouter``) and the statements it adds after the
block (``from auth import require_auth`` right under ``from fastapi import ...``, where isort wants it in a section
of its own, after a blank line). So the names of every statement it extends or adds are sorted as isort and ruff's
``I001`` sort them by default (constants, then classes, then the rest, case-insensitively); and when the block was
sorted before (ruff's ``I001``, default settings, the project's own modules and the auth module first-party), ruff's
fix puts the new statements where they belong. A block that was not sorted keeps its order: only the names of the
statements the visitor touched are sorted.
"""

from __future__ import annotations

import subprocess
from collections.abc import Collection, Sequence

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from fastapi_expert.errors import CodemodError

__all__ = ["add_imports", "isort_key"]

_RUFF_TIMEOUT = 30.0


def isort_key(name: str) -> tuple[int, str, str]:
    """A member's place in a ``from x import a, B, C``: ``CONSTANTS``, then ``Classes``, then the rest, each
    case-insensitively (isort's and ruff's ``order-by-type`` default)."""
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, name.lower(), name


def add_imports(context: CodemodContext, module: cst.Module, *, first_party: Collection[str] = ()) -> cst.Module:
    """``module`` with the imports scheduled in ``context`` (``AddImportsVisitor.add_needed_import``) added: names
    sorted, and new statements where isort puts them when the block was sorted (``first_party``: the top-level names
    of the project's own packages and modules)."""
    if AddImportsVisitor.CONTEXT_KEY not in context.scratch:
        return module
    body = module.body
    end = next((index for index in range(1, len(body)) if not _is_import_line(body[index])), len(body))
    following = body[end:]
    head = module.with_changes(body=body[:end], footer=())
    if following:
        stand_in = cst.SimpleStatementLine([cst.Pass()], leading_lines=following[0].leading_lines)
        edited = AddImportsVisitor(context).transform_module(head.with_changes(body=[*head.body, stand_in]))
        *imports, edited_stand_in = edited.body
        following = [following[0].with_changes(leading_lines=edited_stand_in.leading_lines), *following[1:]]
    else:
        imports = list(AddImportsVisitor(context).transform_module(head).body)
    edited_head = head.with_changes(body=_sorted_names(head.body, imports))
    edited_head = _in_isort_order(head, edited_head, first_party)
    return module.with_changes(header=edited_head.header, body=[*edited_head.body, *following])


def _in_isort_order(original: cst.Module, edited: cst.Module, first_party: Collection[str]) -> cst.Module:
    """``edited`` (the module's head) with its import statements where isort puts them, when ``original`` (the head
    before) was sorted: ruff's ``I001`` fix, which then only moves what the visitor added."""
    if original.deep_equals(edited) or _ruff_isort(original.code, first_party, fix=False) is None:
        return edited
    fixed = _ruff_isort(edited.code, first_party, fix=True)
    return cst.parse_module(fixed) if fixed is not None else edited


def _ruff_isort(code: str, first_party: Collection[str], *, fix: bool) -> str | None:
    """ruff's ``I001`` on ``code``: with ``fix``, the sorted code; without, ``code`` when it is sorted already, else
    ``None``. Isolated from the user's configuration (default isort settings), like the review's ruff."""
    from fastapi_expert.review.ruff import _ruff_binary

    known = ", ".join(f'"{name}"' for name in sorted(first_party) if name.isidentifier())
    command = [_ruff_binary(), "check", "--isolated", "--no-cache", "--quiet", "--select", "I001"]
    command += ["--target-version", "py311", "--config", f"lint.isort.known-first-party = [{known}]"]
    command += ["--fix", "--stdin-filename", "module.py", "-"] if fix else ["--stdin-filename", "module.py", "-"]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed command line, the code on stdin
            command, input=code.encode(), capture_output=True, timeout=_RUFF_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CodemodError(f"ruff could not sort the imports: {error}") from error
    if completed.returncode > 1:
        raise CodemodError(f"ruff could not sort the imports: {completed.stderr.decode(errors='replace')[-500:]}")
    if fix:
        return completed.stdout.decode() if completed.returncode == 0 else None
    return code if completed.returncode == 0 else None


def _is_import_line(statement: cst.BaseStatement) -> bool:
    """A line the visitor counts in the import block: one ``import`` or ``from ... import`` statement alone."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Import | cst.ImportFrom)
    )


def _sorted_names(before: Sequence[cst.BaseStatement], after: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """``after`` (the head as the visitor left it) with the names of the statements it extended or added sorted.

    The visitor keeps the statements it finds in place and adds new ones after the import block (``__future__``
    ones before it, which ``add_auth`` never asks for): a statement at the same index with other names was extended,
    one past the original statements is new."""
    result = list(after)
    for index, statement in enumerate(after):
        original = before[index] if index < len(before) else None
        if original is not None and original.deep_equals(statement):
            continue
        result[index] = _with_sorted_names(statement)
    return result


def _with_sorted_names(statement: cst.BaseStatement) -> cst.BaseStatement:
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return statement
    node = statement.body[0]
    if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
        return statement
    names = list(node.names)
    ordered = sorted(names, key=lambda alias: isort_key(_evaluated(alias.name)))
    if ordered == names:
        return statement
    # The names move, the layout stays: the statement's own separator between them, its last comma (a trailing
    # one, or none) after the last.
    separator = _separator(node, names)
    reordered = [alias.with_changes(comma=separator) for alias in ordered[:-1]]
    reordered.append(ordered[-1].with_changes(comma=names[-1].comma))
    return statement.with_changes(body=[node.with_changes(names=reordered)])


def _separator(node: cst.ImportFrom, names: Sequence[cst.ImportAlias]) -> cst.Comma | cst.MaybeSentinel:
    """The comma between two names as the statement writes it (the visitor's new names have none of their own):
    copied from one of the user's, else one name per line when the parenthesis opens a line, else ``", "``."""
    for alias in names[:-1]:
        if isinstance(alias.comma, cst.Comma):
            return alias.comma
    if node.lpar is not None and isinstance(node.lpar.whitespace_after, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=node.lpar.whitespace_after)
    return cst.MaybeSentinel.DEFAULT


def _evaluated(name: cst.Attribute | cst.Name) -> str:
    return name.value if isinstance(name, cst.Name) else cst.Module([]).code_for_node(name)
