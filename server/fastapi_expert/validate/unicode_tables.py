"""Hypothesis' Unicode tables for the sandboxed children, built once per machine and Python.

The child draws strings matching a ``pattern`` with hypothesis (``examples.py``), which needs its Unicode tables
(``unicode_data/``: the general categories and the UTF-8 codec's intervals). Hypothesis builds them when its storage
holds none by looping over every code point, which costs the sandboxed child 5-8 s of CPU in every run (its folder is
new each time, and it cannot see ours). So ``unicode_tables`` builds them once, in our cache folder, and
``sandbox.prepare_run_folder`` copies them into each run's ``tmp/hypothesis/`` (the child's ``HYPOTHESIS_ENV``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

__all__ = ["HYPOTHESIS_ENV", "UnicodeTables", "unicode_tables"]

#: Where the child's hypothesis keeps its storage (``examples.py`` draws strings matching a ``pattern`` with it).
HYPOTHESIS_ENV = "HYPOTHESIS_STORAGE_DIRECTORY"
_TABLES_TIMEOUT = 300.0


class UnicodeTables:
    """Hypothesis' Unicode tables, built once per machine and Python in our cache folder and copied into each run's
    ``tmp/``.

    The build runs once, in a background thread, in a separate unconfined interpreter of ours (no code under
    validation runs there): until it is done, children build the tables themselves as before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None

    @property
    def storage(self) -> Path:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return Path(cache) / "fastapi-expert" / "hypothesis"

    def _tables(self) -> Path:
        return self.storage / "unicode_data"

    def _built(self) -> bool:
        folder = self._tables() / unicodedata.unidata_version
        with contextlib.suppress(OSError):
            return any(folder.iterdir())
        return False

    def ready(self) -> Path | None:
        """The tables' folder if they are built (else a build starts in the background and this returns ``None``)."""
        if self._built():
            return self._tables()
        with self._lock:
            if self._building is None:
                self._building = threading.Thread(target=self.build, name="hypothesis-unicode-tables", daemon=True)
                self._building.start()
        return None

    def build(self) -> bool:
        """Build the tables now (a draw in a fresh interpreter storing into our cache folder); ``True`` when built."""
        if self._built():
            return True
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": os.path.expanduser("~"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            HYPOTHESIS_ENV: str(self.storage),
        }
        command = [sys.executable, "-I", "-B", "-c", "from fastapi_expert.validate import examples; examples.warm()"]
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self.storage.mkdir(parents=True, exist_ok=True)
            subprocess.run(  # noqa: S603
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self.storage,
                env=env,
                timeout=_TABLES_TIMEOUT,
                check=True,
            )
        return self._built()


#: The tables of this process (one build attempt per process).
unicode_tables = UnicodeTables()
