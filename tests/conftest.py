"""Test-suite ordering: the workflow runs (tests marked ``slow``) first.

With pytest-xdist (``make test`` runs ``-n 3 --dist loadfile``) each test file goes to
one worker, in collection order; starting the minutes-long Snakemake runs first lets the
short unit tests fill the other workers meanwhile, instead of one long run at the end.
Without xdist the order changes nothing but the order.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests first (stable: files keep their order within each class)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
