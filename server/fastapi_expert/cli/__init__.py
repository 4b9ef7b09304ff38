"""The ``fastapi-expert`` command: argument parsing, output, and the one mapping from errors to exit codes.

Exit codes (DESIGN.md, one table for every verb): 0 clean; 1 findings at or above ``--fail-on``, a failed validation,
or changes pending under ``--check``; 2 usage error or bad input; 3 internal error (a bug: the message asks for a
report).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from fastapi_expert import __version__
from fastapi_expert.cli import auth, docs, knowledge, review, scaffold, schema, serve, validate
from fastapi_expert.cli.codes import EXIT_BROKEN_PIPE, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from fastapi_expert.errors import FastAPIExpertError, ValidationFailed

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "exit_code_for", "main"]

Handler = Callable[[argparse.Namespace], int]


def exit_code_for(error: BaseException) -> int:
    """The exit code an error ends the command with: 1 for generated code that failed its validation, 2 for bad
    input, 3 for anything else (our bug)."""
    if isinstance(error, ValidationFailed):
        return EXIT_FINDINGS
    if isinstance(error, FastAPIExpertError) and error.is_input_error:
        return EXIT_USAGE
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code = handler(args)
        sys.stdout.flush()  # inside the try: a reader that went away is reported here, not at interpreter exit
        return code
    except FastAPIExpertError as exc:
        code = exit_code_for(exc)
        prefix = "internal error (please report it)" if code == EXIT_INTERNAL else "error"
        print(f"fastapi-expert: {prefix}: {exc}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours. Point stdout at /dev/null so the interpreter's own
        # flush at exit does not fail again, and end as a process killed by SIGPIPE would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        if os.environ.get("FASTAPI_EXPERT_DEBUG"):
            raise
        print(
            f"fastapi-expert: internal error (please report it, with FASTAPI_EXPERT_DEBUG=1 for the traceback): "
            f"{type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastapi-expert",
        description="A FastAPI expert: an MCP server for AI assistants, and the same capabilities on the command line.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbs = parser.add_subparsers(title="commands", metavar="COMMAND")

    for verb in (serve, knowledge, review, docs, schema, scaffold, validate, auth):
        verb.add_parser(verbs)
    return parser
