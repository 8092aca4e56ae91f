"""The vocabulary of the sensitivity stage: its components, their factors in the joint
design, clustering points, runs, and the resolved settings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

COMPONENTS = ("sweep", "bootstrap", "weights", "counting", "vc")
"""The components of the stage, in output order."""

FACTORS = {
    "sweep": "clustering",
    "counting": "counting",
    "vc": "vc",
    "weights": "source_weights",
    "bootstrap": "documents",
}
"""Component -> name of its factor in the joint (Sobol') design and in indices.csv."""

SOURCE_CODES = {"pct": 0, "pub": 1, "vc": 2}
"""Fixed source numbers for seeding: replicate ``b`` draws the same documents of a
source in every variant."""

STREAMS = {"bootstrap": 1, "weights": 2}
"""Seed-sequence tags of the random streams (``[seed, tag, ...]``)."""

NOMINAL, HDBSCAN, DBSCAN = "nominal", "hdbscan", "dbscan"
"""Kinds of clustering point."""


@dataclass(frozen=True)
class Point:
    """A clustering point: the variant's own parameters (``nominal``), one DBSCAN
    ``(eps_km, min_share)`` for all sources, or ``hdbscan`` (cached labels)."""

    kind: str  # nominal | dbscan | hdbscan
    eps_km: float = math.nan
    min_share: float = math.nan

    @property
    def label(self) -> str:
        """The point as written in runs.csv."""
        if self.kind == DBSCAN:
            return f"dbscan eps_km={self.eps_km:g} min_share={self.min_share:g}"
        return self.kind


@dataclass(frozen=True)
class Run:
    """One re-ranking: clustering point, counting, whether VC is in, bootstrap replicate
    (-1: the data as they are) and source weights (None: nominal)."""

    point: Point
    counting: str
    vc_in: bool
    replicate: int = -1
    weights: tuple[tuple[str, float], ...] | None = None


@dataclass
class Settings:
    """The ``sensitivity`` config section, resolved (see config.yaml and
    :func:`stclusters.sensitivity.config.settings_from_config`)."""

    components: Sequence[str] = COMPONENTS
    grid: Sequence[tuple[float, float]] = ()
    hdbscan: bool = True
    replicates: int = 200
    draws: int = 1000
    scheme: str = "dirichlet"
    concentration: float = 20.0
    halfwidth: float = 0.2
    base_samples: int = 64
    pooling: str = "component"
    seed: int = 0
    top_n: int = 100


def clustering_points(settings: Settings) -> list[Point]:
    """The nominal point, then the DBSCAN grid, then HDBSCAN (when on)."""
    points = [Point(NOMINAL)]
    for e, m in settings.grid:
        points.append(Point(DBSCAN, float(e), float(m)))
    if settings.hdbscan:
        points.append(Point(HDBSCAN))
    return points
