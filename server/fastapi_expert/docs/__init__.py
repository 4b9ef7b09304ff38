"""``fetch_docs``: version-exact library documentation, offline first.

Sources, in order: the installed package's API (``installed``), markdown shipped inside it (``bundled``), our knowledge
base (``knowledge``) and the library's official docs online (``online``, cached on disk). ``service.DocsService`` is
the entry point; every module here is importable without ``mcp``, and ``griffe``/``httpx`` are imported on first use.
"""
