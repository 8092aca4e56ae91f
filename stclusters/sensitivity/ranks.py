"""Rank statistics: matching a nominal cluster to its counterpart in a run, weighted
quantiles, and the pooled and per-component rank distributions (median, 90 % interval,
share of runs in the top ``top_n``).

Matching: a nominal cluster's counterpart in a run is the run's cluster holding the
largest nominal weight of its member locations (members and attached, ``(source,
loc_id)``; ties to the better-ranked run cluster); its rank in the run is the
counterpart's rank. A nominal cluster none of whose locations is clustered in the run is
*unmatched*: rank = the run's number of clusters + 1 (outside the top ``top_n``).

Pooling: each component counts equally (``pooling: component``: a run of a component
with ``n`` runs weighs ``1/n``) or every run counts once (``pooling: run``); the pooled
rank distribution of each nominal cluster gives the median, the 5th and 95th percentiles
(inverted empirical CDF: observed ranks, no interpolation) and the share of runs in the
top ``top_n``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from stclusters.sensitivity.runs import COMPONENTS, Settings

BY_COMPONENT_COLUMNS = ["cluster_id", "name", "rank", "component", "n_runs", "median_rank",
                        "p05_rank", "p95_rank", "share_top100", "best_rank", "worst_rank"]
"""Columns of rank_uncertainty_by_component.csv."""


def match_ranks(
    nominal: np.ndarray, k_nominal: int, run: np.ndarray, run_rank: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """Rank in a run of each nominal cluster's counterpart: the run cluster holding the
    largest ``weight`` of its locations (ties: the better-ranked run cluster);
    unmatched clusters get ``len(run_rank) + 1``."""
    k_run = len(run_rank)
    out = np.full(k_nominal, k_run + 1, dtype=np.int64)
    both = (nominal >= 0) & (run >= 0)
    if k_run == 0 or not both.any():
        return out
    key = nominal[both] * k_run + (run_rank[run[both]] - 1)
    ov = np.bincount(key, weights=weight[both], minlength=k_nominal * k_run)
    ov = ov.reshape(k_nominal, k_run)
    best = ov.argmax(axis=1)  # first maximum = best-ranked run cluster
    hit = ov[np.arange(k_nominal), best] > 0
    out[hit] = best[hit] + 1
    return out


def weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, qs: Sequence[float]
) -> np.ndarray:
    """Row-wise weighted quantiles of ``values`` (rows x runs): the smallest observed
    value whose weighted empirical CDF reaches ``q`` (inverted CDF, no interpolation).
    Returns ``len(qs) x rows``."""
    values = np.asarray(values)
    w = np.asarray(weights, dtype=np.float64)
    order = np.argsort(values, axis=1, kind="stable")
    sv = np.take_along_axis(values, order, axis=1)
    cw = np.cumsum(w[order], axis=1)
    cw /= cw[:, -1:]
    out = np.empty((len(qs), values.shape[0]), dtype=values.dtype)
    for n, q in enumerate(qs):
        pos = (cw < q - 1e-12).sum(axis=1)
        out[n] = sv[np.arange(values.shape[0]), np.minimum(pos, values.shape[1] - 1)]
    return out


def pooling_weights(comp: np.ndarray, pooling: str) -> np.ndarray:
    """Each run's weight in the pooled distribution (``comp``: each run's component)."""
    if pooling == "component":
        _, inv, counts = np.unique(comp, return_inverse=True, return_counts=True)
        return 1.0 / counts[inv]
    if pooling == "run":
        return np.ones(len(comp))
    raise ValueError(f"unknown pooling {pooling!r} (component | run)")


def pooled_summary(
    nominal: pd.DataFrame, R: np.ndarray, comp: np.ndarray, comps: Sequence[str],
    st: Settings,
) -> pd.DataFrame:
    """Pooled rank distribution of each nominal cluster (rows of ``R``, clusters x runs)
    over the runs of components ``comps`` (rank_uncertainty.csv)."""
    use = np.isin(comp, comps)
    out = nominal[["cluster_id", "name", "economy", "rank"]].copy().reset_index(drop=True)
    if not use.any():  # nothing but the nominal run
        use = comp == "nominal"
    sub = R[:, use]
    w = pooling_weights(comp[use], st.pooling)
    q = weighted_quantiles(sub, w, [0.05, 0.25, 0.5, 0.75, 0.95])
    out["median_rank"] = q[2]
    out["p05_rank"] = q[0]
    out["p95_rank"] = q[4]
    out["share_top100"] = np.clip((sub <= st.top_n).astype(float) @ w / w.sum(), 0.0, 1.0)
    out["p25_rank"] = q[1]
    out["p75_rank"] = q[3]
    out["interval_width"] = out["p95_rank"] - out["p05_rank"]
    out["best_rank"] = sub.min(axis=1)
    out["worst_rank"] = sub.max(axis=1)
    out["n_runs"] = sub.shape[1]
    return out


def component_summary(
    nominal: pd.DataFrame, R: np.ndarray, comp: np.ndarray, st: Settings
) -> pd.DataFrame:
    """The same summary per component, every run weighing one (``joint``: the joint
    design's runs; rank_uncertainty_by_component.csv)."""
    parts = []
    for c in [*COMPONENTS, "joint"]:
        m = comp == c
        if not m.any():
            continue
        sub = R[:, m]
        q = weighted_quantiles(sub, np.ones(sub.shape[1]), [0.05, 0.5, 0.95])
        parts.append(pd.DataFrame({
            "cluster_id": nominal["cluster_id"].to_numpy(),
            "name": nominal["name"].to_numpy(),
            "rank": nominal["rank"].to_numpy(),
            "component": c,
            "n_runs": sub.shape[1],
            "median_rank": q[1],
            "p05_rank": q[0],
            "p95_rank": q[2],
            "share_top100": (sub <= st.top_n).mean(axis=1),
            "best_rank": sub.min(axis=1),
            "worst_rank": sub.max(axis=1),
        }))
    if not parts:
        return pd.DataFrame(columns=BY_COMPONENT_COLUMNS)
    return pd.concat(parts, ignore_index=True)
