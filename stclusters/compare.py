"""Compare two ranking variants (e.g. GII 2024 = PCT + publications vs GII 2025 = + VC).

Cluster ids are local to a variant, so clusters are first matched across variants by the
output they share (:func:`match_clusters`); the two rankings are then compared on the
matched pairs (:func:`compare_rankings`). The module also holds the name normalisation
and the published-rank comparison used by the fidelity section of the appendix
(:func:`normalize_cluster_name`, :func:`fidelity_table`).
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import pandas as pd
from scipy import stats

#: a cluster of A is matched to a cluster of B when their shared weight is at least this
#: share of the smaller of the two clusters (weights on the sources common to A and B)
MIN_OVERLAP_SHARE = 0.5

MATCH_COLUMNS = ["cluster_id_a", "cluster_id_b", "overlap_share", "shared_weight"]
TABLE_COLUMNS = [
    "name",
    "economy",
    "cluster_id_a",
    "cluster_id_b",
    "rank_a",
    "rank_b",
    "rank_change",
    "status",
]


def _members(membership: pd.DataFrame, sources: list[str]) -> pd.DataFrame:
    m = membership.loc[
        membership["source"].isin(sources) & (membership["cluster_id"].astype("int64") >= 0),
        ["source", "loc_id", "cluster_id"],
    ].copy()
    m["loc_id"] = m["loc_id"].astype("int64")
    m["cluster_id"] = m["cluster_id"].astype("int64")
    return m.drop_duplicates(["source", "loc_id"])


def match_clusters(
    membership_a: pd.DataFrame,
    membership_b: pd.DataFrame,
    locations: pd.DataFrame,
    min_share: float = MIN_OVERLAP_SHARE,
) -> pd.DataFrame:
    """Match the S&T clusters of variant A to those of variant B, one to one.

    Parameters
    ----------
    membership_a, membership_b
        ``results/cluster/{variant}/membership.parquet`` of each variant: ``source``,
        ``loc_id``, ``cluster_id`` (-1 = not in a cluster), ``how``.
    locations
        Location weights of the current window: ``source``, ``loc_id``, ``weight`` (a
        ``window`` column, when present, is filtered to ``current``; duplicate keys are
        summed).
    min_share
        Minimum overlap share for a match (default 0.5).

    Rule
    ----
    Only the sources present in both memberships count (PCT and publications for
    gii2024 vs gii2025), so the VC-only part of a B cluster neither helps nor hurts.
    For every pair of clusters (a, b) the *shared weight* is the summed weight of the
    (source, loc_id) members they have in common, and the *overlap share* is the shared
    weight divided by the smaller of the two clusters' weights on the common sources.
    Candidate pairs are taken greedily by shared weight (descending; ties by overlap share,
    then ids), each cluster is used at most once, and a pair is kept when its overlap
    share is ``>= min_share``. So each A cluster gets the B cluster it shares most output
    with, unless a larger overlap has already claimed it.

    Returns
    -------
    DataFrame with ``cluster_id_a``, ``cluster_id_b`` (int64), ``overlap_share`` (0-1)
    and ``shared_weight``, sorted by ``cluster_id_a``.
    """
    common = sorted(set(membership_a["source"].unique()) & set(membership_b["source"].unique()))
    empty = pd.DataFrame(
        {
            "cluster_id_a": pd.Series(dtype="int64"),
            "cluster_id_b": pd.Series(dtype="int64"),
            "overlap_share": pd.Series(dtype="float64"),
            "shared_weight": pd.Series(dtype="float64"),
        }
    )
    if not common:
        return empty
    loc = locations
    if "window" in loc.columns:
        loc = loc[loc["window"] == "current"]
    w = (
        loc.loc[loc["source"].isin(common), ["source", "loc_id", "weight"]]
        .astype({"loc_id": "int64", "weight": "float64"})
        .groupby(["source", "loc_id"], as_index=False)["weight"]
        .sum()
    )
    a = _members(membership_a, common).merge(w, on=["source", "loc_id"], how="inner")
    b = _members(membership_b, common).merge(w, on=["source", "loc_id"], how="inner")
    if a.empty or b.empty:
        return empty
    tot_a = a.groupby("cluster_id")["weight"].sum()
    tot_b = b.groupby("cluster_id")["weight"].sum()
    pairs = (
        a.merge(
            b[["source", "loc_id", "cluster_id"]], on=["source", "loc_id"], suffixes=("_a", "_b")
        )
        .groupby(["cluster_id_a", "cluster_id_b"], as_index=False)["weight"]
        .sum()
        .rename(columns={"weight": "shared_weight"})
    )
    smaller = np.minimum(
        tot_a.reindex(pairs["cluster_id_a"]).to_numpy(),
        tot_b.reindex(pairs["cluster_id_b"]).to_numpy(),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        pairs["overlap_share"] = np.where(smaller > 0, pairs["shared_weight"] / smaller, 0.0)
    pairs = pairs[pairs["overlap_share"] >= min_share - 1e-12]
    pairs = pairs.sort_values(
        ["shared_weight", "overlap_share", "cluster_id_a", "cluster_id_b"],
        ascending=[False, False, True, True],
        kind="mergesort",
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    rows = []
    for ca, cb, shared, share in pairs[
        ["cluster_id_a", "cluster_id_b", "shared_weight", "overlap_share"]
    ].itertuples(index=False):
        if ca in used_a or cb in used_b:
            continue
        used_a.add(ca)
        used_b.add(cb)
        rows.append((int(ca), int(cb), float(min(share, 1.0)), float(shared)))
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=MATCH_COLUMNS)
    out = out[["cluster_id_a", "cluster_id_b", "overlap_share", "shared_weight"]]
    return out.sort_values("cluster_id_a", kind="mergesort").reset_index(drop=True)


def _corr(x: np.ndarray, y: np.ndarray, fn) -> float | None:
    if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return None
    value = float(fn(x, y)[0])
    return None if math.isnan(value) else value


def summarize_table(table: pd.DataFrame) -> dict:
    """Summary of a :func:`compare_rankings` table (also usable on its CSV read back).

    ``spearman`` and ``kendall`` (scipy.stats, tau-b) are computed over the rows that have
    both ranks, i.e. clusters matched across the variants and in the top n of either;
    they are ``None`` when undefined (fewer than two such rows, or a constant vector).
    ``n_matched`` is the number of those rows; ``n_both``, ``n_entered`` and ``n_left``
    count the statuses.
    """
    both = table.dropna(subset=["rank_a", "rank_b"])
    x = both["rank_a"].to_numpy(dtype="float64")
    y = both["rank_b"].to_numpy(dtype="float64")
    status = table["status"].astype(str)
    return {
        "spearman": _corr(x, y, stats.spearmanr),
        "kendall": _corr(x, y, stats.kendalltau),
        "n_matched": len(both),
        "n_both": int((status == "both").sum()),
        "n_entered": int((status == "entered_top").sum()),
        "n_left": int((status == "left_top").sum()),
    }


def compare_rankings(
    rank_a: pd.DataFrame,
    rank_b: pd.DataFrame,
    matches: pd.DataFrame,
    top_n: int = 100,
) -> tuple[pd.DataFrame, dict]:
    """Compare the rankings of two variants over the clusters in the top ``top_n`` of either.

    Parameters
    ----------
    rank_a, rank_b
        ``results/ranking/{variant}/clusters.csv`` frames (``rank``, ``cluster_id``,
        ``name``, ``economy``, ...).
    matches
        Output of :func:`match_clusters` (``cluster_id_a``, ``cluster_id_b``).

    Returns
    -------
    table
        One row per cluster in the top ``top_n`` of A or of B: ``name``, ``economy`` (B's
        when the cluster exists in B, else A's), ``cluster_id_a``, ``cluster_id_b``,
        ``rank_a``, ``rank_b`` (nullable Int64: missing when the cluster has no match in
        that variant), ``rank_change`` = rank_a - rank_b (positive = better under B) and
        ``status``: ``both`` (in the top n of both), ``entered_top`` (in B's top n only),
        ``left_top`` (in A's top n only). Sorted by rank_b, then rank_a.
    summary
        :func:`summarize_table` of the table.
    """
    ra = rank_a[["cluster_id", "rank", "name", "economy"]].astype({"cluster_id": "int64"})
    rb = rank_b[["cluster_id", "rank", "name", "economy"]].astype({"cluster_id": "int64"})
    m = matches[["cluster_id_a", "cluster_id_b"]].astype("int64")
    ra = ra.rename(columns={c: f"{c}_a" for c in ra.columns})
    rb = rb.rename(columns={c: f"{c}_b" for c in rb.columns})
    # matched pairs, then A-only and B-only clusters
    t = m.merge(ra, on="cluster_id_a", how="inner").merge(rb, on="cluster_id_b", how="inner")
    a_only = ra[~ra["cluster_id_a"].isin(t["cluster_id_a"])]
    b_only = rb[~rb["cluster_id_b"].isin(t["cluster_id_b"])]
    t = pd.concat([t, a_only, b_only], ignore_index=True)
    in_a = t["rank_a"].le(top_n).fillna(False).astype(bool)
    in_b = t["rank_b"].le(top_n).fillna(False).astype(bool)
    t = t[in_a | in_b].copy()
    in_a, in_b = in_a[t.index], in_b[t.index]
    t["status"] = np.where(in_a & in_b, "both", np.where(in_b, "entered_top", "left_top"))
    t["name"] = t["name_b"].where(t["name_b"].notna(), t["name_a"])
    t["economy"] = t["economy_b"].where(t["economy_b"].notna(), t["economy_a"])
    for c in ("cluster_id_a", "cluster_id_b", "rank_a", "rank_b"):
        t[c] = t[c].astype("Int64")
    t["rank_change"] = (t["rank_a"] - t["rank_b"]).astype("Int64")
    key_b = t["rank_b"].astype("float64").fillna(np.inf)
    key_a = t["rank_a"].astype("float64").fillna(np.inf)
    t = t.assign(_kb=key_b, _ka=key_a).sort_values(["_kb", "_ka"], kind="mergesort")
    table = t[TABLE_COLUMNS].reset_index(drop=True)
    table["name"] = table["name"].astype(object)
    table["economy"] = table["economy"].astype(object)
    return table, summarize_table(table)


# ------------------------------------------------------------------ fidelity vs published

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"


def normalize_cluster_name(name: object) -> str:
    """Normalise a cluster name for matching published and rebuilt names.

    Case, accents, dash variants (en/em dash vs hyphen), spaces around dashes, commas and
    other punctuation are ignored: ``"San Jose–San Francisco, CA"`` and
    ``"san jose-san francisco ca"`` give the same key; so do ``"Zürich"`` and ``"Zurich"``.
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    s = unicodedata.normalize("NFKD", str(name))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    for d in _DASHES:
        s = s.replace(d, "-")
    s = s.lower()
    s = re.sub(r"[^\w\s-]", " ", s)
    s = re.sub(r"\s*-\s*", "-", s)
    return re.sub(r"\s+", " ", s).strip()


def _parts(key: str) -> frozenset[str]:
    return frozenset(p for p in key.split("-") if p)


def _primary_economy(economy: object) -> str:
    return str(economy).split("/")[0].strip().upper() if isinstance(economy, str) else ""


#: columns of :func:`fidelity_table` (published vs rebuilt ranks of the named clusters)
FIDELITY_COLUMNS = [
    "published_rank", "published_name", "economy", "our_rank", "our_name", "our_economy",
    "match",
]


def fidelity_table(
    ranking: pd.DataFrame,
    published: pd.DataFrame,
    rank_col: str = "rank",
    name_col: str = "cluster_name",
) -> tuple[pd.DataFrame, float | None]:
    """Published rank vs our rank for the clusters a GII text names.

    ``published`` has ``rank``, ``cluster_name`` (and optionally ``economy``), e.g.
    ``gii2024_top100_ranks.csv``. Each published cluster is matched to one of ours by, in
    order: the same normalised name (:func:`normalize_cluster_name`); the same set of
    place names in any order; the same first place and the same first economy code.
    Returns the table (``published_rank``, ``published_name``, ``economy``, ``our_rank``,
    ``our_name``, ``our_economy``, ``match``) and the Spearman correlation of the two
    ranks over matched clusters (``None`` when undefined).
    """
    ours = ranking[["rank", "name", "economy"]].copy()
    ours["key"] = ours["name"].map(normalize_cluster_name)
    ours["parts"] = ours["key"].map(_parts)
    ours["first"] = ours["key"].map(lambda k: k.split("-")[0])
    ours["econ1"] = ours["economy"].map(_primary_economy)
    ours = ours.sort_values("rank", kind="mergesort")
    pub = published.sort_values(rank_col, kind="mergesort")
    rows = []
    used: set[int] = set()
    for rec in pub.to_dict("records"):
        key = normalize_cluster_name(rec[name_col])
        econ = _primary_economy(rec.get("economy"))
        free = ours[~ours.index.isin(used)]
        hit, how = None, "none"
        for label, mask in (
            ("name", free["key"] == key),
            ("places", free["parts"] == _parts(key)),
            ("first place", (free["first"] == key.split("-")[0]) & (free["econ1"] == econ)),
        ):
            cand = free[mask]
            if not cand.empty:
                same_econ = cand[cand["econ1"] == econ]
                pick = same_econ if not same_econ.empty else cand
                hit, how = pick.index[0], label
                break
        if hit is not None:
            used.add(hit)
        rows.append(
            {
                "published_rank": int(rec[rank_col]),
                "published_name": rec[name_col],
                "economy": rec.get("economy"),
                "our_rank": int(ours.at[hit, "rank"]) if hit is not None else pd.NA,
                "our_name": ours.at[hit, "name"] if hit is not None else None,
                "our_economy": ours.at[hit, "economy"] if hit is not None else None,
                "match": how,
            }
        )
    table = pd.DataFrame(rows, columns=FIDELITY_COLUMNS)
    table["our_rank"] = table["our_rank"].astype("Int64")
    both = table.dropna(subset=["our_rank"])
    rho = _corr(
        both["published_rank"].to_numpy(dtype="float64"),
        both["our_rank"].to_numpy(dtype="float64"),
        stats.spearmanr,
    )
    return table, rho
