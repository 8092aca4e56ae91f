"""The one-at-a-time components: each runner adds its runs to the :class:`Stage`.

* ``sweep``: every point of the DBSCAN grid (``sweep.dbscan``, one ``(eps_km,
  min_share)`` applied to all sources at once), plus HDBSCAN (``clustering.hdbscan``);
* ``bootstrap``: documents resampled with replacement (per source, within its current
  window), which reweights the locations; the variant's own clustering parameters are
  re-run on the reweighted locations (density threshold = ``min_share`` x the
  replicate's world total);
* ``weights``: Monte Carlo over the source weights of the score (:func:`weight_vectors`)
  on the nominal clusters;
* ``counting``: the other counting (fractional <-> whole);
* ``vc``: venture capital toggled (dropped from a variant that has it, added with weight
  ``vc_weight`` to one that has not).

A new component is a runner here, registered in :data:`RUNNERS` (see the package
docstring for the other places it is named).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from stclusters.sensitivity.runs import NOMINAL, STREAMS, Point, Run
from stclusters.sensitivity.score import rank_clusters

if TYPE_CHECKING:
    from stclusters.sensitivity.stage import Stage


def weight_vectors(
    u: np.ndarray, nominal: np.ndarray, scheme: str, concentration: float, halfwidth: float
) -> np.ndarray:
    """Source-weight vectors from uniforms ``u`` (draws x sources).

    ``dirichlet``: independent Gamma(concentration x nominal_s / sum(nominal)) variates
    (inverse CDF of ``u``), i.e. a Dirichlet around the nominal proportions once
    normalised, scaled to the nominal sum; ``uniform20``: nominal_s x U(1 - halfwidth,
    1 + halfwidth). Ranks depend on the weights only up to a common factor.
    """
    from scipy.stats import gamma

    nominal = np.asarray(nominal, dtype=np.float64)
    u = np.clip(np.asarray(u, dtype=np.float64), 1e-12, 1 - 1e-12)
    if scheme == "dirichlet":
        alpha = concentration * nominal / nominal.sum()
        g = gamma.ppf(u, alpha)
        return g / g.sum(axis=1, keepdims=True) * nominal.sum()
    if scheme == "uniform20":
        return nominal * (1.0 - halfwidth + 2.0 * halfwidth * u)
    raise ValueError(f"unknown weight scheme {scheme!r} (dirichlet | uniform20)")


def _sweep(stage: Stage, points: Sequence[Point], lg: logging.Logger) -> None:
    """Every clustering point but the nominal one."""
    stage.add_many("sweep", [Run(p, stage.counting, stage.has_vc) for p in points[1:]])
    lg.info("sweep: %d points", len(points) - 1)


_BOOTSTRAP_LOG_EVERY = 50  # replicates between progress lines


def _bootstrap(stage: Stage, points: Sequence[Point], lg: logging.Logger) -> None:
    """The nominal point on each bootstrap replicate of the documents."""
    reps, step = stage.settings.replicates, _BOOTSTRAP_LOG_EVERY
    for lo in range(0, reps, step):
        stage.add_many("bootstrap", [Run(Point(NOMINAL), stage.counting, stage.has_vc,
                                         replicate=b) for b in range(lo, min(lo + step, reps))])
        if lo + step < reps:
            lg.info("bootstrap: %d of %d replicates", lo + step, reps)
    lg.info("bootstrap: %d replicates", stage.settings.replicates)


def _weights(stage: Stage, points: Sequence[Point], lg: logging.Logger) -> None:
    """The nominal clusters scored with source-weight draws: scores = shares @ draws."""
    st = stage.settings
    if st.draws <= 0:
        return
    rng = np.random.default_rng([st.seed, STREAMS["weights"]])
    srcs = list(stage.base_sources)
    nom_w = np.array([stage.all_w[s] for s in srcs], dtype=np.float64)
    W = weight_vectors(rng.random((st.draws, len(srcs))), nom_w, st.scheme,
                       st.concentration, st.halfwidth)
    cols = [f"{s}_share" for s in srcs]
    missing = [c for c in cols if c not in stage.nominal.columns]
    if missing:
        raise ValueError(f"ranking lacks {missing}")
    scores = stage.nominal[cols].to_numpy(np.float64) @ W.T  # clusters x draws
    ids = stage.nominal["cluster_id"].to_numpy(np.int64)
    for d in range(st.draws):
        run = Run(Point(NOMINAL), stage.counting, stage.has_vc,
                  weights=tuple(zip(srcs, W[d].tolist(), strict=True)))
        stage.record("weights", run, rank_clusters(scores[:, d], ids), len(stage.nominal))
    lg.info("weights: %d draws (%s)", st.draws, st.scheme)


def _counting(stage: Stage, points: Sequence[Point], lg: logging.Logger) -> None:
    """The nominal point under the other counting."""
    stage.add("counting", Run(Point(NOMINAL), stage.alt_counting, stage.has_vc))


def _vc(stage: Stage, points: Sequence[Point], lg: logging.Logger) -> None:
    """The nominal point with VC toggled."""
    stage.add("vc", Run(Point(NOMINAL), stage.counting, not stage.has_vc))


RUNNERS: dict[str, Callable[[Stage, Sequence[Point], logging.Logger], None]] = {
    "sweep": _sweep,
    "bootstrap": _bootstrap,
    "weights": _weights,
    "counting": _counting,
    "vc": _vc,
}
"""Component -> its runner (``runner(stage, clustering points, logger)``)."""


def run_components(
    stage: Stage, comps: Sequence[str], points: Sequence[Point], lg: logging.Logger
) -> None:
    """Run the components ``comps`` in the given order."""
    for c in comps:
        RUNNERS[c](stage, points, lg)
