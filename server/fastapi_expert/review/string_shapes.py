"""Where client text sits in a string the program builds: the shape of a value, part by part.

A shape is the sequence of a value's parts in order: literal text, ``DATA`` (text the client chose) and
``OPAQUE`` (a value the program decides: a constant defined elsewhere, a call's result). ``f"https://{host}/x"``
is ``("https://", DATA, "/x")``. Whether the client picks a URL's host, or starts a component of a path, is
then a question about the text before its first ``DATA``.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "DATA",
    "OPAQUE",
    "Marker",
    "Part",
    "Shape",
    "danger",
    "joined",
    "open_prefix",
    "opens_target",
    "starts_component",
]


class Marker:
    """A part of a built string that is not literal text: client data, or a value the program decides."""

    __slots__ = ()


DATA: Final = Marker()
OPAQUE: Final = Marker()
Part = str | Marker
Shape = tuple[Part, ...]


def open_prefix(prefix: str) -> bool:
    """Whether a URL that starts with ``prefix`` and continues with client text may point anywhere.

    ``""``, ``"https://"``, ``"http://localhost:8000"`` (``@evil.example`` follows) and ``"/"`` (``/evil.example``
    follows) leave the host open; ``"https://api.example/"``, ``"/items/"`` and ``"?q="`` do not.
    """
    text = prefix.strip()
    if not text or text in {"/", "\\"} or re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:", text):
        return True
    if "://" in text:
        rest = text.split("://", 1)[1]
    elif text[:2] in {"//", "\\\\", "/\\", "\\/"}:
        rest = text[2:]
    else:
        return False
    return not any(character in rest for character in "/?#\\")


def joined(pieces: list[list[Part]]) -> list[Part]:
    """The parts of path pieces joined with ``/`` (``os.path.join``, ``Path(a, b)``, ``a / b``)."""
    parts: list[Part] = []
    for index, piece in enumerate(pieces):
        parts.extend(["/", *piece] if index else piece)
    return parts


def opens_target(shape: Shape) -> bool:
    """Whether the client's text comes before the end of the URL's host (``open_prefix`` of what precedes it)."""
    prefix = ""
    for part in shape:
        if part is DATA:
            return open_prefix(prefix)
        if isinstance(part, Marker):
            return False
        prefix += part
    return False


def starts_component(shape: Shape) -> bool:
    """Whether the client's text starts a path component: first, or right after a ``/`` or ``\\``."""
    separated = True  # at the start of the value, or right after a separator
    for part in shape:
        if part is DATA and separated:
            return True
        if not isinstance(part, str):
            separated = False
        elif part:
            separated = part[-1] in {"/", "\\"}
    return False


def danger(shape: Shape) -> tuple[bool, bool]:
    """A sort key: shapes where the client picks a host, then those where it starts a path component, last."""
    return opens_target(shape), starts_component(shape)
