"""The answer of ``fetch_docs``: the library, the version it documents, and the most relevant sections."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["DocSection", "DocSource", "DocsAnswer"]

#: Where a section comes from: the installed package's API, markdown shipped in it, our knowledge base, or the web.
DocSource = Literal["installed", "bundled", "knowledge", "online"]


class DocSection(BaseModel):
    """One section of documentation, verbatim from its source (nothing added but the title)."""

    title: str = Field(description="The heading of the section, or the qualified name of an API object.")
    source: DocSource = Field(
        description="installed (API extracted from the installed package), bundled (docs shipped inside the "
        "package), knowledge (fastapi-expert's tested patterns), online (official docs, fetched and cached)."
    )
    url: str | None = Field(
        default=None, description="Where the section lives: the page URL (online) or the knowledge:// uri."
    )
    path: str | None = Field(
        default=None, description="The file in the environment the section was read from (installed, bundled)."
    )
    content: str = Field(description="The section's text (markdown), as the source has it.")
    truncated: bool = Field(default=False, description="True when the content was cut to fit max_chars.")


class DocsAnswer(BaseModel):
    """The most relevant sections for a topic, best first, for the version the user has."""

    library: str = Field(description="The distribution's name as installed (or as asked, for online-only docs).")
    version: str = Field(description="The installed version, the version asked for, or 'latest' (online only).")
    import_names: list[str] = Field(default_factory=list, description="The import names of the distribution.")
    environment: str | None = Field(default=None, description="The Python environment the library was found in.")
    sections: list[DocSection]
