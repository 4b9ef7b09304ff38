"""Markdown files with YAML front matter: the format of knowledge entries and prompt templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["FrontMatterDocument", "read_front_matter"]

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class FrontMatterDocument:
    """The parsed parts of a ``---``-delimited markdown document."""

    meta: object
    body: str


def read_front_matter(path: Path) -> FrontMatterDocument:
    """Split ``path`` into its YAML front matter (any YAML value, validated by the caller) and its body.

    Raises ``ValueError`` with a readable message when the delimiters or the YAML are wrong.
    """
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError("does not start with a '---' front matter line")
    end = text.find("\n---\n", 4)
    if end == -1:
        raise ValueError("front matter is not closed by a '---' line")
    try:
        meta = yaml.load(text[4:end], Loader=_LOADER)  # noqa: S506 - a safe loader (the C one when available)
    except yaml.YAMLError as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}") from exc
    return FrontMatterDocument(meta=meta, body=text[end + 5 :].lstrip("\n"))
