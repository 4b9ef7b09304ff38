"""The docs settings: cache directory and TTL, offline switch, network limits; read from the environment.

``FASTAPI_EXPERT_OFFLINE=1`` turns online docs off (the CLI's ``--offline`` does the same for one command);
pages are cached in ``docs/`` under fastapi-expert's cache folder, the same one the review cache uses
(``FASTAPI_EXPERT_CACHE_DIR``, else ``$XDG_CACHE_HOME/fastapi-expert``, else ``~/.cache/fastapi-expert``);
``FASTAPI_EXPERT_DOCS_TTL`` is how many seconds a cached page is fresh (default one day);
``FASTAPI_EXPERT_DOCS_HOSTS`` adds hosts, comma-separated, to the ones docs may be fetched from;
``FASTAPI_EXPERT_DOCS_LLMS_TXT`` adds (or replaces) llms.txt indexes, ``name=https://.../llms.txt`` comma-separated
(the host of each index is allowed with it; pages it links on other hosts need ``FASTAPI_EXPERT_DOCS_HOSTS``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from fastapi_expert.cache_root import cache_root
from fastapi_expert.docs.llmstxt import LLMS_TXT_SITES
from fastapi_expert.errors import ConfigError

__all__ = [
    "ALLOWED_HOSTS",
    "DEFAULT_TTL",
    "HOSTS_ENV",
    "LLMS_TXT_ENV",
    "OFFLINE_ENV",
    "TTL_ENV",
    "DocsSettings",
    "default_cache_dir",
]

OFFLINE_ENV = "FASTAPI_EXPERT_OFFLINE"
TTL_ENV = "FASTAPI_EXPERT_DOCS_TTL"
HOSTS_ENV = "FASTAPI_EXPERT_DOCS_HOSTS"
LLMS_TXT_ENV = "FASTAPI_EXPERT_DOCS_LLMS_TXT"
DEFAULT_TTL = 24 * 3600.0
#: Where official docs are fetched from: the markdown sources at their tags (GitHub serves them raw), and the sites
#: whose llms.txt indexes fastapi-expert knows.
ALLOWED_HOSTS = frozenset({"raw.githubusercontent.com"}).union(*(site.hosts for site in LLMS_TXT_SITES.values()))
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where fetched docs pages are cached: ``docs/`` in fastapi-expert's cache folder."""
    return cache_root(environ) / "docs"


@dataclass(frozen=True, slots=True)
class DocsSettings:
    """How docs are fetched and cached."""

    cache_dir: Path = field(default_factory=default_cache_dir)
    ttl: float = DEFAULT_TTL
    offline: bool = False
    allowed_hosts: frozenset[str] = ALLOWED_HOSTS
    #: Seconds to connect, and to wait for each read.
    timeout: float = 10.0
    #: A page larger than this is refused (docs pages are tens of kilobytes).
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    #: llms.txt indexes added by configuration: ``(distribution, index URL)`` pairs, before the known ones.
    llms_txt: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DocsSettings:
        """The settings the environment variables give, defaults for the rest."""
        environ = os.environ if environ is None else environ
        offline_value = environ.get(OFFLINE_ENV, "").strip().lower()
        if offline_value not in _TRUE | _FALSE:
            raise ConfigError(f"{OFFLINE_ENV} must be 1 or 0, got {offline_value!r}")
        ttl_value = environ.get(TTL_ENV, "").strip()
        try:
            ttl = float(ttl_value) if ttl_value else DEFAULT_TTL
        except ValueError:
            raise ConfigError(f"{TTL_ENV} must be a number of seconds, got {ttl_value!r}") from None
        if not 0 <= ttl < float("inf"):
            raise ConfigError(f"{TTL_ENV} must be a number of seconds, got {ttl_value!r}")
        extra_hosts = {host.strip().lower() for host in environ.get(HOSTS_ENV, "").split(",") if host.strip()}
        llms_txt = _llms_txt_indexes(environ.get(LLMS_TXT_ENV, ""))
        extra_hosts |= {(urlsplit(url).hostname or "").lower() for _, url in llms_txt}
        return cls(
            cache_dir=default_cache_dir(environ),
            ttl=ttl,
            offline=offline_value in _TRUE,
            allowed_hosts=ALLOWED_HOSTS | extra_hosts,
            llms_txt=llms_txt,
        )


def _llms_txt_indexes(value: str) -> tuple[tuple[str, str], ...]:
    """``name=https://host/llms.txt, ...`` as ``(name, url)`` pairs; anything else is a ``ConfigError``."""
    pairs: list[tuple[str, str]] = []
    for item in value.split(","):
        if not item.strip():
            continue
        name, _, url = (part.strip() for part in item.partition("="))
        parts = urlsplit(url)
        if not _NAME.fullmatch(name) or parts.scheme != "https" or not parts.hostname:
            raise ConfigError(f"{LLMS_TXT_ENV} must list name=https://host/llms.txt pairs, got {item.strip()!r}")
        pairs.append((name, url))
    return tuple(pairs)
