"""The fixture projects under fixtures/ are data: their own tests and conftest.py files are not ours to collect."""

from __future__ import annotations

collect_ignore_glob = ["fixtures/*"]
