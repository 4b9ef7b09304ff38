"""Why ``fetch_docs`` has no answer: each case a clear error that names the library, the topic and what was tried.

Nothing here is a bug of ours, so nothing ends as "internal error (please report it)":

- a library neither installed nor known online, a version neither installed nor fetchable, a topic nothing matches,
  or online docs switched off with nothing local: ``InputError`` naming the argument (CLI exit 2, MCP tool error);
- a library that is not installed and whose online docs could not be fetched (no network, a timeout, a refused
  host): ``DocsUnavailable``, a ``DocsFetchError`` that says which URL failed and why, and what the caller can do.
  The caller can act on it (go online, install the library, allow the host), so it counts as an input error too:
  ``fastapi-expert docs`` prints ``error: ...`` and exits 2, and the MCP client gets a tool error with the same text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_expert.docs.settings import HOSTS_ENV, OFFLINE_ENV
from fastapi_expert.errors import DocsFetchError, FastAPIExpertError, InputError

if TYPE_CHECKING:
    from fastapi_expert.docs.environment import Distributions, InstalledDistribution, PythonEnvironment

__all__ = ["DocsUnavailable", "fetch_failed", "nothing_found", "same_version", "unknown_library"]

#: The topic as quoted in messages: enough to recognise it, never the whole 500 characters.
_TOPIC_CHARS = 80


class DocsUnavailable(DocsFetchError):
    """No local docs can answer, and the online docs could not be fetched: the network's fault, not ours.

    ``str()`` names the library and topic, says that nothing local exists, which URL failed and why, and what to do.
    """

    is_input_error = True

    def __init__(self, message: str, *, url: str, library: str, topic: str) -> None:
        FastAPIExpertError.__init__(self, message)  # the message names the URL itself, after the library and topic
        self.url = url
        self.library = library
        self.topic = topic


def same_version(asked: str, installed: str) -> bool:
    """``2.14`` and ``v2.14.4`` ask for an installed ``2.14.4``; ``2.1`` does not."""
    asked = asked.removeprefix("v")
    return installed == asked or installed.startswith(asked + ".")


def unknown_library(library: str, environment: PythonEnvironment, distributions: Distributions) -> InputError:
    close = distributions.close_names(library)
    hint = f"; close names: {', '.join(close)}" if close else ""
    return InputError(
        f"no distribution or import name {library!r} is installed in {environment.label}, and fastapi-expert knows "
        f"no online docs for it{hint}",
        argument="library",
    )


def nothing_found(
    library: str,
    topic: str,
    version: str | None,
    installed: InstalledDistribution | None,
    *,
    offline: bool,
    has_online: bool,
    version_exact_online: bool,
) -> InputError:
    """The error when no source had a section about ``topic``, or none could be asked."""
    quoted = _quoted(topic)
    if version is not None and (installed is None or not same_version(version, installed.version)):
        if offline:
            why = f"online docs are off (--offline or {OFFLINE_ENV}=1)"
        elif has_online and not version_exact_online:
            why = "fastapi-expert knows no version-exact online docs for it (its llms.txt index is the latest docs)"
        else:
            why = "fastapi-expert knows no online docs for it"
        note = f" (installed: {installed.version})" if installed is not None else ""
        return InputError(f"{library} {version} is not installed{note} and {why}", argument="version")
    if installed is None:
        if offline or not has_online:
            return InputError(
                f"{library} is not installed and online docs are off (--offline or {OFFLINE_ENV}=1), so nothing "
                f"can answer {quoted}; install it in the project to read its docs offline",
                argument="library",
            )
        return InputError(
            f"nothing in {library}'s online docs matches {quoted}; try other words or an API name", argument="topic"
        )
    note = " (online docs are off)" if has_online and offline else ""
    return InputError(
        f"nothing in {installed.name} {installed.version}'s installed API, bundled docs or our knowledge base matches "
        f"{quoted}{note}; try other words or an API name",
        argument="topic",
    )


def fetch_failed(
    library: str,
    topic: str,
    version: str | None,
    installed: InstalledDistribution | None,
    *,
    local: bool,
    environment: PythonEnvironment,
    error: DocsFetchError,
) -> FastAPIExpertError:
    """The error when the online docs were needed and could not be fetched (``error`` names the URL and why)."""
    quoted = _quoted(topic)
    if version is not None and not local:
        note = f" (installed: {installed.version})" if installed is not None else ""
        return InputError(
            f"{library} {version} is not installed{note} and its docs could not be fetched: {error}", argument="version"
        )
    if local:  # nothing local matched, and the online docs could not say more
        return InputError(
            f"nothing in {library}'s installed API, bundled docs or our knowledge base matches {quoted}, and the "
            f"online docs could not be fetched: {error}",
            argument="topic",
        )
    return DocsUnavailable(
        f"no docs for {library} about {quoted}: {library} is not installed in {environment.label}, so there are no "
        f"local docs, and its online docs could not be fetched: {error}. Install {library} in the project to read "
        f"its docs offline, or retry online (hosts outside the allow-list need {HOSTS_ENV})",
        url=error.url,
        library=library,
        topic=topic,
    )


def _quoted(topic: str) -> str:
    return repr(topic if len(topic) <= _TOPIC_CHARS else topic[: _TOPIC_CHARS - 3] + "...")
