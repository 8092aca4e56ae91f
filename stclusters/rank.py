"""Rank S&T clusters of one methodology variant.

score = sum over the variant's sources of weight_s * (cluster count_s / world total_s * 100).
The previous rank and growth use the previous window's locations, attributed to the
current clusters' footprint (same clusters, earlier data), so both are defined for every
cluster; docs/methodology.md explains why.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from stclusters.geo import chord, to_xyz

ORG_SOURCE = {"top_applicant": "pct", "top_organization": "pub", "top_vc_company": "vc"}


def world_totals(locations: pd.DataFrame) -> dict[str, float]:
    """Total weight per source of a windowed location table (the shares' denominators)."""
    return locations.groupby("source")["weight"].sum().astype(float).to_dict()


def attribute_previous(
    current: pd.DataFrame, previous: pd.DataFrame, membership: pd.DataFrame, attach_km: float
) -> pd.DataFrame:
    """Attribute previous-window locations to the current clusters.

    ``current`` and ``previous`` are windowed location tables (source, loc_id, lat, lon,
    weight). A previous location keeps the cluster of the same (source, loc_id) when it has
    one; otherwise it goes to the cluster of the nearest current member location (any
    source) within ``attach_km``. Returns source, loc_id, weight, cluster_id (-1 none).
    """
    prev = previous[["source", "loc_id", "lat", "lon", "weight"]]
    prev = prev.merge(membership[["source", "loc_id", "cluster_id"]], how="left",
                      on=["source", "loc_id"])
    prev["cluster_id"] = prev["cluster_id"].fillna(-1).astype(np.int64)
    members = membership[membership["cluster_id"] >= 0].merge(
        current[["source", "loc_id", "lat", "lon"]], on=["source", "loc_id"]
    )
    todo = (prev["cluster_id"] < 0).to_numpy()
    if attach_km > 0 and todo.any() and len(members):
        tree = cKDTree(to_xyz(members["lat"].to_numpy(), members["lon"].to_numpy()))
        q = prev.loc[todo]
        dist, idx = tree.query(to_xyz(q["lat"].to_numpy(), q["lon"].to_numpy()),
                               distance_upper_bound=chord(attach_km) * (1 + 1e-12))
        hit = np.isfinite(dist)
        cid = np.full(len(q), -1, dtype=np.int64)
        cid[hit] = members["cluster_id"].to_numpy()[idx[hit]]
        prev.loc[todo, "cluster_id"] = cid
    return prev[["source", "loc_id", "weight", "cluster_id"]]


def _counts(frame: pd.DataFrame, sources: list[str]) -> pd.DataFrame:
    """cluster_id x source table of summed weights (0 when absent)."""
    f = frame[(frame["cluster_id"] >= 0) & frame["source"].isin(sources)]
    t = f.pivot_table(index="cluster_id", columns="source", values="weight", aggfunc="sum")
    return t.reindex(columns=sources).fillna(0.0)


def _rank_desc(score: pd.Series) -> pd.Series:
    """Dense 1..n ranks by score desc, ties by cluster_id (the index) asc. Scores are
    compared at 1e-9 (score points: shares in percent): equal scores summed in another
    order differ in their last bits, and a tie must not go to that noise."""
    order = pd.DataFrame({"score": np.round(score.to_numpy(dtype=np.float64), 9),
                          "cid": score.index.to_numpy()})
    order = order.sort_values(["score", "cid"], ascending=[False, True], kind="stable")
    return pd.Series(np.arange(1, len(order) + 1), index=order["cid"].to_numpy())


def top_organizations(
    organizations: pd.DataFrame, membership: pd.DataFrame
) -> pd.DataFrame:
    """Top organization per cluster and source (current-window organization weights)."""
    cur = organizations.merge(
        membership[membership["cluster_id"] >= 0][["source", "loc_id", "cluster_id"]],
        on=["source", "loc_id"],
    )
    tot = cur.groupby(["cluster_id", "source", "organization"], sort=True)["weight"].sum()
    # equal fractional counts (sums of 1/n) differ in their last bits with the order they
    # were summed in: compared at 1e-9 records, a tie goes to the first name
    tot = tot.reset_index().assign(_w=lambda t: t["weight"].round(9)).sort_values(
        ["cluster_id", "source", "_w", "organization"],
        ascending=[True, True, False, True], kind="stable",
    )
    top = tot.drop_duplicates(["cluster_id", "source"])
    return top.pivot(index="cluster_id", columns="source", values="organization")


def rank_variant(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    membership: pd.DataFrame,
    clusters: pd.DataFrame,
    organizations: pd.DataFrame,
    source_weights: Mapping[str, float],
    attach_km: float = 13.0,
) -> pd.DataFrame:
    """The ranking table of one variant (columns in docs/data-format.md).

    ``current`` / ``previous``: the variant's windowed location tables
    (:func:`stclusters.locations.window_sum`); ``organizations``: current-window
    organization weights (source, loc_id, organization, weight).
    """
    sources = list(source_weights)
    current = current[current["source"].isin(sources)]
    previous = previous[previous["source"].isin(sources)]
    cur = current[["source", "loc_id", "weight"]].merge(
        membership[["source", "loc_id", "cluster_id"]], on=["source", "loc_id"], how="left"
    )
    cur["cluster_id"] = cur["cluster_id"].fillna(-1).astype(np.int64)
    prev = attribute_previous(current, previous, membership, attach_km)

    totals = world_totals(current)
    prev_totals = world_totals(previous)
    counts = _counts(cur, sources)
    counts = counts.reindex(clusters["cluster_id"].to_numpy()).fillna(0.0)
    prev_counts = _counts(prev, sources).reindex(counts.index).fillna(0.0)

    out = pd.DataFrame(index=counts.index)
    score = pd.Series(0.0, index=counts.index)
    prev_score = pd.Series(0.0, index=counts.index)
    for s in sources:
        out[f"{s}_count"] = counts[s]
        total = totals.get(s, 0.0)
        share = 100.0 * counts[s] / total if total > 0 else counts[s] * 0.0
        out[f"{s}_share"] = share
        score += source_weights[s] * share
        if prev_totals.get(s):
            prev_score += source_weights[s] * 100.0 * prev_counts[s] / prev_totals[s]
    out["score"] = score
    out["rank"] = _rank_desc(score)
    prev_rank = _rank_desc(prev_score)
    out["prev_rank"] = prev_rank.where(prev_score > 0).astype("Int64")
    out["rank_change"] = (out["prev_rank"] - out["rank"]).astype("Int64")
    net_now = counts.sum(axis=1)
    net_prev = prev_counts.sum(axis=1)
    out["growth_pct"] = np.where(net_prev > 0, 100.0 * (net_now / net_prev.where(net_prev > 0)
                                                        - 1.0), np.nan)

    tops = top_organizations(organizations[organizations["source"].isin(sources)], membership)
    for col, src in ORG_SOURCE.items():
        if src in sources:
            out[col] = tops[src].reindex(out.index) if src in tops.columns else None

    info = clusters.set_index("cluster_id")[["name", "economy", "lat", "lon"]]
    out = out.join(info)
    out.index.name = "cluster_id"
    out = out.reset_index().sort_values("rank", kind="stable")
    lead = ["rank", "cluster_id", "name", "economy"]
    tail = ["lat", "lon"]
    rest = [c for c in out.columns if c not in lead + tail]
    return out[lead + rest + tail].reset_index(drop=True)
