"""``python -m fastapi_expert`` runs the same command line as ``fastapi-expert``."""

import sys

from fastapi_expert.cli import main

if __name__ == "__main__":
    sys.exit(main())
