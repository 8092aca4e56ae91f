"""Test-suite ordering: the longest test files first; numba's cache filled once.

With pytest-xdist (``make test`` runs ``-n 3 --dist loadfile --no-loadscope-reorder``)
each test file goes to one worker, in collection order; starting the minutes-long
Snakemake runs first lets the short unit tests fill the other workers meanwhile, instead
of one long run at the end. (xdist's default reorders files by their number of tests,
which says nothing of their length: ``--no-loadscope-reorder`` keeps this order.)
Without xdist the order changes nothing but the order.

The weighted HDBSCAN (stclusters.whdbscan) is compiled by numba on first use and cached
next to its source; in a fresh checkout every process that reaches it before the cache
exists compiles it again (about 25 CPU seconds each: unit tests and workflow jobs at
once). Under xdist the controller starts one background process that compiles it at the
start of the session, so that the others load the cache.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: test files by their length on a 2-core machine (longest first; measured with
#: ``--durations``); files not named here follow, the ones with slow tests first
LONGEST_FIRST = [
    "test_workflow.py",
    "test_bad_inputs.py",
    "test_hostile_inputs.py",
    "test_degenerate_inputs.py",
    "test_resume.py",
    "test_realdata_workflow.py",
    "test_geocode_parts.py",
    "test_figures.py",
    "test_cluster.py",
    "test_gazetteer.py",
    "test_code_tracking.py",
    "test_geocode_stream.py",
    "test_sensitivity.py",
    "test_scale.py",
    "test_demo.py",
    "test_briefs.py",
]
_RANK = {name: i for i, name in enumerate(LONGEST_FIRST)}

_WARM = """
import numpy as np
from stclusters.cluster import hdbscan_labels
rng = np.random.default_rng(0)
lat, lon = 48 + rng.uniform(-1, 1, 200), 11 + rng.uniform(-1, 1, 200)
hdbscan_labels(lat, lon, np.ones(200), 20.0, 5.0)
hdbscan_labels(lat, lon, rng.uniform(0.5, 2.0, 200), 20.0, 5.0)
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first, then files with slow tests (stable: tests keep their order
    within each file)."""
    slow_files = {item.path.name for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (_RANK.get(item.path.name, len(_RANK)),
                                 item.path.name not in slow_files))


def pytest_configure(config: pytest.Config) -> None:
    """On the xdist controller: compile the numba kernels once, in the background."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    config._stclusters_warm = subprocess.Popen(  # type: ignore[attr-defined]
        [sys.executable, "-c", _WARM], cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pytest_unconfigure(config: pytest.Config) -> None:
    warm = getattr(config, "_stclusters_warm", None)
    if warm is not None and warm.poll() is None:
        warm.kill()
        warm.wait()
