"""Where the tests find the real third-party files (never copied into the repository).

``$STCLUSTERS_REALDATA`` when set, else ``$STCLUSTERS_SHARED/realdata``, else
``<repo>/../shared/realdata`` (a checkout with ``shared/`` beside it). Tests that use the
files skip when they are absent.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def realdata_dir() -> Path:
    """The folder of the real files (it may not exist)."""
    if os.environ.get("STCLUSTERS_REALDATA"):
        return Path(os.environ["STCLUSTERS_REALDATA"])
    if os.environ.get("STCLUSTERS_SHARED"):
        return Path(os.environ["STCLUSTERS_SHARED"]) / "realdata"
    return REPO.parent / "shared" / "realdata"


REALDATA = realdata_dir()
