"""Summaries of a clustering parameter sweep: how the clusters respond to eps and density.

For one source, each grid point's labels are compared with the baseline point's (the
variant's own parameters):

* ``n_clusters``: clusters found;
* ``share_clustered``: share of the source's world output (current window) inside
  clusters;
* ``top_share``: share of world output held by the ``top_n`` largest clusters (by output);
* ``spearman``: Spearman rank correlation between the baseline's top ``top_n`` clusters'
  ranks and the ranks of their matches at the point. A baseline cluster's *match* is the
  point's cluster that holds the largest weight of the baseline cluster's locations
  (weighted overlap; ties by the better-ranked cluster); a baseline cluster with no
  clustered location at the point is unmatched and takes the rank after the point's
  last cluster;
* ``top_retained``: share of the baseline's top ``top_n`` clusters whose match is in the
  point's top ``top_n``.

Clusters are ranked by output (the source's weight), ties by label.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from stclusters.arrays import unique

METRICS = {
    "n_clusters": "Clusters found",
    "top_share": "Share of world output in the top {top_n} (%)",
    "share_clustered": "Share of world output in clusters (%)",
    "spearman": "Spearman rank correlation with the baseline (top {top_n})",
    "top_retained": "Baseline top {top_n} kept in the top {top_n} (%)",
}


def cluster_ranks(labels: np.ndarray, weight: np.ndarray) -> pd.DataFrame:
    """Clusters of ``labels`` (>= 0) with their output and rank (1 = largest; ties by
    label). Index: label."""
    labels = np.asarray(labels, dtype=np.int64)
    pos = labels >= 0
    if not pos.any():
        return pd.DataFrame({"weight": pd.Series(dtype=float), "rank": pd.Series(dtype="int64")})
    w = np.bincount(labels[pos], weights=np.asarray(weight, float)[pos])
    present = unique(labels[pos])
    t = pd.DataFrame({"label": present, "weight": w[present]})
    t = t.sort_values(["weight", "label"], ascending=[False, True], kind="stable")
    t["rank"] = np.arange(1, len(t) + 1, dtype=np.int64)
    return t.set_index("label")


def match_to(labels_from: np.ndarray, labels_to: np.ndarray, weight: np.ndarray,
             ranks_to: pd.DataFrame) -> pd.Series:
    """For each cluster of ``labels_from``, the cluster of ``labels_to`` holding the
    largest weight of its locations (ties: better rank in ``ranks_to``); clusters with no
    clustered location in ``labels_to`` are absent. Index: from-label; value: to-label."""
    a = np.asarray(labels_from, np.int64)
    b = np.asarray(labels_to, np.int64)
    both = (a >= 0) & (b >= 0)
    if not both.any():
        return pd.Series(dtype="int64")
    ov = pd.DataFrame({"a": a[both], "b": b[both], "w": np.asarray(weight, float)[both]})
    ov = ov.groupby(["a", "b"], as_index=False)["w"].sum()
    ov["rank_b"] = ranks_to.loc[ov["b"].to_numpy(), "rank"].to_numpy()
    ov = ov.sort_values(["a", "w", "rank_b"], ascending=[True, False, True], kind="stable")
    best = ov.drop_duplicates("a")
    return pd.Series(best["b"].to_numpy(), index=best["a"].to_numpy())


def point_metrics(
    weight: np.ndarray, labels: np.ndarray, base_labels: np.ndarray, top_n: int = 100
) -> dict[str, float]:
    """Metrics of one grid point against the baseline labels (module docstring)."""
    weight = np.asarray(weight, dtype=np.float64)
    total = float(weight.sum())
    ranks = cluster_ranks(labels, weight)
    base = cluster_ranks(base_labels, weight)
    out = {
        "n_clusters": int(len(ranks)),
        "share_clustered": 100.0 * float(ranks["weight"].sum()) / total if total else np.nan,
        "top_share": (100.0 * float(ranks["weight"].head(top_n).sum()) / total
                      if total else np.nan),
    }
    base_top = base[base["rank"] <= top_n]
    if len(base_top) == 0:
        out.update(spearman=np.nan, top_retained=np.nan)
        return out
    match = match_to(base_labels, labels, weight, ranks)
    matched = match.reindex(base_top.index)
    point_rank = np.where(
        matched.notna(),
        ranks["rank"].reindex(matched.fillna(-1).astype(np.int64).to_numpy()).to_numpy(),
        len(ranks) + 1,
    ).astype(float)
    if len(base_top) < 2 or np.all(point_rank == point_rank[0]):
        rho = 1.0 if np.array_equal(labels, base_labels) else np.nan
    else:
        rho = float(spearmanr(base_top["rank"].to_numpy(float), point_rank).statistic)
    out["spearman"] = rho
    out["top_retained"] = 100.0 * float(np.mean(matched.notna().to_numpy()
                                                 & (point_rank <= top_n)))
    return out


def _aligned_labels(locations: pd.DataFrame):
    """Sorted ``loc_id``, weights, and a function aligning a labels table to them."""
    loc = locations[["loc_id", "weight"]].sort_values("loc_id", kind="stable")
    ids = loc["loc_id"].to_numpy(np.int64)
    w = loc["weight"].to_numpy(np.float64)

    def aligned(lab: pd.DataFrame, what: str) -> np.ndarray:
        s = lab.set_index("loc_id")["label"].reindex(ids)
        if s.isna().any():
            raise ValueError(f"{what}: labels miss {int(s.isna().sum())} locations")
        return s.to_numpy(np.int64)

    return w, aligned


METRIC_COLUMNS = ["n_clusters", "share_clustered", "top_share", "spearman", "top_retained"]


def _grid_summary(
    locations: pd.DataFrame,
    points: Mapping[tuple[float, float], pd.DataFrame],
    baseline: pd.DataFrame,
    top_n: int,
    baseline_point: tuple[float, float] | None,
    shares: tuple[str, str],
    weights: tuple[str | None, str | None],
) -> pd.DataFrame:
    """One row per grid point ``(a, b)``: the two parameters (named ``shares``), the
    shares as thresholds in record units (``weights``: a column name per share, None for
    a parameter that is no share), the metrics of :func:`point_metrics` and
    ``is_baseline``."""
    w, aligned = _aligned_labels(locations)
    total = float(w.sum())
    base = aligned(baseline, "baseline")
    rows = []
    for (a, b), lab in sorted(points.items()):
        row = {shares[0]: float(a), shares[1]: float(b)}
        row.update({n: float(x) * total for n, x in zip(weights, (a, b), strict=True) if n})
        row.update(point_metrics(w, aligned(lab, f"point {a}/{b}"), base, top_n))
        row["is_baseline"] = baseline_point is not None and bool(
            np.isclose(a, baseline_point[0]) and np.isclose(b, baseline_point[1])
        )
        rows.append(row)
    cols = [*shares, *(n for n in weights if n), *METRIC_COLUMNS, "is_baseline"]
    return pd.DataFrame(rows, columns=cols)


def sweep_summary(
    locations: pd.DataFrame,
    points: Mapping[tuple[float, float], pd.DataFrame],
    baseline: pd.DataFrame,
    top_n: int = 100,
    baseline_point: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """One row per grid point ``(eps_km, min_share)``: the metrics of
    :func:`point_metrics` plus ``min_weight`` and ``is_baseline``.

    ``locations``: one source's current-window locations (``loc_id``, ``weight``);
    ``points[(eps_km, min_share)]`` and ``baseline``: labels tables (``loc_id``,
    ``label``) over the same locations.
    """
    return _grid_summary(locations, points, baseline, top_n, baseline_point,
                         ("eps_km", "min_share"), (None, "min_weight"))


def hdbscan_sweep_summary(
    locations: pd.DataFrame,
    points: Mapping[tuple[float, float], pd.DataFrame],
    baseline: pd.DataFrame,
    top_n: int = 100,
    baseline_point: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """:func:`sweep_summary` for an HDBSCAN grid: one row per point
    ``(min_samples_share, min_cluster_share)`` with both thresholds in record units.

    ``baseline`` is the variant's own labels (its DBSCAN clusters for a DBSCAN variant),
    so ``spearman`` and ``top_retained`` say how far HDBSCAN's ranking agrees with it;
    ``baseline_point`` marks the variant's own HDBSCAN parameters when it uses HDBSCAN.
    """
    return _grid_summary(locations, points, baseline, top_n, baseline_point,
                         ("min_samples_share", "min_cluster_share"),
                         ("min_samples_weight", "min_cluster_weight"))
