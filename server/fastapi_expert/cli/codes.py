"""The exit codes of every verb (DESIGN.md's one table), and the shell's code for a closed output pipe."""

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
#: The reader of the output went away (``| head``): 128 + SIGPIPE, what a shell reports for a program killed by it.
EXIT_BROKEN_PIPE = 141
