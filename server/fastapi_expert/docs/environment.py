"""The user's Python environment and the distributions installed in it.

The environment is the project's virtualenv, found from the working directory (``.venv`` or ``venv`` in it or a
parent), else the one ``VIRTUAL_ENV`` names, else the server's own interpreter. Its distributions are read with
``importlib.metadata`` on its site-packages (never by importing anything), and a library is found by distribution
name (PEP 503 normalised: ``fastapi_users`` = ``fastapi-users``) or by import name (``jwt`` -> ``PyJWT``,
``yaml`` -> ``PyYAML``), from ``top_level.txt`` or, when a distribution has none, from its ``RECORD``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path

__all__ = [
    "Distributions",
    "InstalledDistribution",
    "PythonEnvironment",
    "canonical_name",
    "distributions_of",
    "find_environment",
]

_VENV_NAMES = (".venv", "venv")
_NOT_IMPORT_NAMES = frozenset({"__pycache__", "..", "bin", "share", "include", "tests", "test"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def canonical_name(name: str) -> str:
    """The PEP 503 normalised form of a distribution name: ``Fastapi_Users`` -> ``fastapi-users``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, slots=True)
class PythonEnvironment:
    """A Python environment: where it is and the directories its packages are imported from."""

    label: str
    site_packages: tuple[Path, ...]

    @classmethod
    def of_virtualenv(cls, root: Path, label: str) -> PythonEnvironment:
        """The environment of the virtualenv at ``root``, with the paths its ``.pth`` files add (editable installs)."""
        found = [*root.glob("lib/python3*/site-packages"), *root.glob("lib64/python3*/site-packages")]
        found += [site for site in (root / "Lib" / "site-packages",) if site.is_dir()]
        sites = sorted({site.resolve() for site in found})  # lib64 is often a link to lib
        extra = [path for site in sites for path in _pth_paths(site)]
        return cls(label=f"{label} {root}", site_packages=tuple(dict.fromkeys([*sites, *extra])))

    @classmethod
    def of_server(cls) -> PythonEnvironment:
        """The environment this server runs in (its ``sys.path``)."""
        paths = [Path(entry) for entry in sys.path if entry and Path(entry).is_dir()]
        return cls(label=f"the server's own environment {sys.prefix}", site_packages=tuple(dict.fromkeys(paths)))


def find_environment(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> PythonEnvironment:
    """The project's virtualenv (from ``cwd`` up), else ``VIRTUAL_ENV``, else the server's own environment."""
    environ = os.environ if environ is None else environ
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        for name in _VENV_NAMES:
            candidate = folder / name
            if (candidate / "pyvenv.cfg").is_file():
                found = PythonEnvironment.of_virtualenv(candidate, "project virtualenv")
                if found.site_packages:
                    return found
    active = environ.get("VIRTUAL_ENV")
    if active and (Path(active) / "pyvenv.cfg").is_file():
        found = PythonEnvironment.of_virtualenv(Path(active), "VIRTUAL_ENV")
        if found.site_packages:
            return found
    return PythonEnvironment.of_server()


def _pth_paths(site: Path) -> Iterable[Path]:
    """Directories that ``.pth`` files in ``site`` add to ``sys.path`` (lines that are not ``import`` statements)."""
    for pth in sorted(site.glob("*.pth")):
        try:
            lines = pth.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.strip()
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            path = (site / line).resolve()
            if path.is_dir():
                yield path


@dataclass(frozen=True, slots=True)
class InstalledDistribution:
    """One installed distribution: its name as its metadata spells it, its version and what it installs."""

    name: str
    version: str
    import_names: tuple[str, ...]
    #: The site-packages directory it is installed in (``files`` are relative to it).
    location: Path
    #: The installed files as RECORD lists them: ``/``-separated paths relative to ``location``.
    files: tuple[str, ...]

    @property
    def canonical(self) -> str:
        return canonical_name(self.name)


class Distributions:
    """Every distribution of one environment, found by distribution name or import name."""

    def __init__(self, environment: PythonEnvironment) -> None:
        self.environment = environment
        #: Metadata folders by the canonical name their folder name spells (``SQLAlchemy-2.1.9.dist-info``): a
        #: library asked for by distribution name is read alone, without parsing every distribution's metadata.
        self._folders: dict[str, Path] = {}
        for site in environment.site_packages:
            try:
                names = sorted(os.listdir(site))
            except OSError:
                continue
            for name in names:
                if name.endswith((".dist-info", ".egg-info")):
                    self._folders.setdefault(canonical_name(name.split("-", 1)[0]), site / name)

    @cached_property
    def _by_name(self) -> dict[str, InstalledDistribution]:
        by_name: dict[str, InstalledDistribution] = {}
        for dist in _scan(self.environment.site_packages):
            by_name.setdefault(dist.canonical, dist)  # the first on the path wins, as at import time
        return by_name

    def _by_folder(self, canonical: str) -> InstalledDistribution | None:
        folder = self._folders.get(canonical)
        if folder is None:
            return None
        found = _installed(metadata.PathDistribution(folder))
        return found if found is not None and found.canonical == canonical else None

    @cached_property
    def _by_import_name(self) -> dict[str, list[InstalledDistribution]]:
        found: dict[str, list[InstalledDistribution]] = {}
        for dist in self._by_name.values():
            for name in dist.import_names:
                found.setdefault(name, []).append(dist)
        return found

    @property
    def names(self) -> list[str]:
        """Every distribution's name, sorted."""
        return sorted(dist.name for dist in self._by_name.values())

    def find(self, library: str) -> InstalledDistribution | None:
        """The distribution ``library`` names, as a distribution name or an import name; ``None`` when neither."""
        by_name = self._by_folder(canonical_name(library)) or self._by_name.get(canonical_name(library))
        if by_name is not None and by_name.import_names:
            return by_name
        for candidate in (library, library.replace("-", "_"), library.lower(), library.lower().replace("-", "_")):
            providers = self._by_import_name.get(candidate)
            if providers:
                # Several distributions can share a namespace package: prefer the one named like it.
                return min(providers, key=lambda dist: (dist.canonical != canonical_name(candidate), dist.canonical))
        # A distribution that installs no module of its own (a meta-package) is still the one asked for.
        return by_name

    def close_names(self, library: str, limit: int = 5) -> list[str]:
        """Installed distribution and import names that look like ``library`` (typos, ``-`` vs ``_``)."""
        from rapidfuzz import fuzz, process

        choices: dict[str, str] = {}
        for dist in self._by_name.values():
            choices.setdefault(dist.canonical, dist.name)
            for name in dist.import_names:
                choices.setdefault(canonical_name(name), name)
        matches = process.extract(
            canonical_name(library), list(choices), scorer=fuzz.ratio, score_cutoff=70, limit=limit
        )
        return list(dict.fromkeys(choices[match[0]] for match in matches))


def distributions_of(environment: PythonEnvironment) -> Distributions:
    """The (memoised) distributions of ``environment``; re-read when a site-packages directory changes."""
    stamp = tuple((path, _mtime(path)) for path in environment.site_packages)
    cached = _DISTRIBUTIONS.get(environment)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    found = Distributions(environment)
    _DISTRIBUTIONS[environment] = (stamp, found)
    return found


_DISTRIBUTIONS: dict[PythonEnvironment, tuple[tuple[tuple[Path, float], ...], Distributions]] = {}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _scan(paths: tuple[Path, ...]) -> Iterable[InstalledDistribution]:
    for dist in metadata.distributions(path=[str(path) for path in paths]):
        found = _installed(dist)
        if found is not None:
            yield found


def _installed(dist: metadata.Distribution) -> InstalledDistribution | None:
    meta = dist.metadata
    name, version = (meta["Name"], meta["Version"]) if meta else (None, None)
    if not name or not version:
        return None
    # RECORD read as text: ``Distribution.files`` builds an object per line, ten times slower on big wheels.
    record = (dist.read_text("RECORD") or "").splitlines()
    files = tuple(line.rsplit(",", 2)[0].strip('"') for line in record if line)
    return InstalledDistribution(
        name=str(name),
        version=str(version),
        import_names=_import_names(dist, files),
        location=Path(str(dist.locate_file(""))),
        files=files,
    )


def _import_names(dist: metadata.Distribution, files: tuple[str, ...]) -> tuple[str, ...]:
    names = (dist.read_text("top_level.txt") or "").split()
    if not names:
        for file in files:
            top, separator, _ = file.partition("/")
            if top.endswith((".dist-info", ".data", ".egg-info")) or top in _NOT_IMPORT_NAMES:
                continue
            if separator:
                names.append(top)
            elif top.endswith((".py", ".pyi", ".so", ".pyd")):
                names.append(top.split(".", 1)[0])
    names = [name.replace("/", ".").split(".", 1)[0] for name in names]
    public = [name for name in names if _IDENTIFIER.fullmatch(name) and not name.startswith("_")]
    # ``_yaml`` next to ``yaml`` is an implementation detail; a package made only of private modules keeps them.
    return tuple(dict.fromkeys(public or [name for name in names if _IDENTIFIER.fullmatch(name)]))
