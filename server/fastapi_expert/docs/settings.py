"""The docs settings: cache directory and TTL, offline switch, network limits; read from the environment.

``FASTAPI_EXPERT_OFFLINE=1`` turns online docs off (the CLI's ``--offline`` does the same for one command);
pages are cached in ``docs/`` under fastapi-expert's cache folder, the same one the review cache uses
(``FASTAPI_EXPERT_CACHE_DIR``, else ``$XDG_CACHE_HOME/fastapi-expert``, else ``~/.cache/fastapi-expert``);
``FASTAPI_EXPERT_DOCS_TTL`` is how many seconds a cached page is fresh (default one day);
``FASTAPI_EXPERT_DOCS_HOSTS`` adds hosts, comma-separated, to the ones docs may be fetched from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_expert.errors import ConfigError

__all__ = [
    "ALLOWED_HOSTS",
    "CACHE_DIR_ENV",
    "DEFAULT_TTL",
    "HOSTS_ENV",
    "OFFLINE_ENV",
    "TTL_ENV",
    "DocsSettings",
    "default_cache_dir",
]

OFFLINE_ENV = "FASTAPI_EXPERT_OFFLINE"
CACHE_DIR_ENV = "FASTAPI_EXPERT_CACHE_DIR"
TTL_ENV = "FASTAPI_EXPERT_DOCS_TTL"
HOSTS_ENV = "FASTAPI_EXPERT_DOCS_HOSTS"
DEFAULT_TTL = 24 * 3600.0
#: Where official docs are fetched from: the markdown sources at their tags (GitHub serves them raw).
ALLOWED_HOSTS = frozenset({"raw.githubusercontent.com"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where fetched docs pages are cached: ``docs/`` in fastapi-expert's cache folder."""
    environ = os.environ if environ is None else environ
    configured = environ.get(CACHE_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser() / "docs"
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fastapi-expert" / "docs"


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
        return cls(
            cache_dir=default_cache_dir(environ),
            ttl=ttl,
            offline=offline_value in _TRUE,
            allowed_hosts=ALLOWED_HOSTS | extra_hosts,
        )
