"""The numbers of the briefs and the explorer, assembled from the workflow's tables.

A :class:`Variant` holds what one ranking variant wrote (its ranking, membership and
location tables, and its sensitivity intervals when that stage ran for it). Everything
else here is a vectorised function of one or more variants:

* :func:`match_variants`: clusters matched across two variants (also across roundings);
* :func:`rank_table`: a cluster's rank and 90 % interval under every variant;
* :func:`top_organizations`, :func:`yearly_output`, :func:`place_table`,
  :func:`footprint`: the brief's lists, series and map points.

"Output" of a location is its contribution to the score: the sum over the variant's
sources of ``weight_s * count / world total_s * 100``, so a cluster's outputs add up to
its score, and the sources are on one scale.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stclusters.compare import match_clusters
from stclusters.io import read_parquet
from stclusters.locations import loc_ids, window_sum

LOC_KEYS = ["source", "loc_id"]


@dataclass
class Variant:
    """One ranking variant's tables.

    ``ranking``: ``results/ranking/{variant}/clusters.parquet`` sorted by rank;
    ``membership``: (source, loc_id, cluster_id) of the clustered locations only;
    ``years``: the per-year location table of its sources; ``current``: the same summed
    over the current windows; ``uncertainty``: ``rank_uncertainty.csv`` or None.
    """

    name: str
    label: str
    sources: dict[str, float]
    windows: dict[str, dict[str, list[int]]]
    round_deg: float
    ranking: pd.DataFrame
    membership: pd.DataFrame
    years: pd.DataFrame
    current: pd.DataFrame
    uncertainty: pd.DataFrame | None = None

    @property
    def current_windows(self) -> dict[str, list[int]]:
        """``{source: [first, last]}`` of the current windows."""
        return {s: list(w["current"]) for s, w in self.windows.items()}

    def totals(self) -> dict[str, float]:
        """World total per source in the current window (the shares' denominators)."""
        return self.current.groupby("source")["weight"].sum().astype(float).to_dict()

    def contribution(self, frame: pd.DataFrame, column: str = "weight") -> np.ndarray:
        """Score contribution of each row of ``frame`` (``source`` and ``column``)."""
        tot = self.totals()
        factor = {s: 100.0 * w / tot[s] if tot.get(s) else 0.0 for s, w in self.sources.items()}
        f = frame["source"].map(factor).fillna(0.0).to_numpy(np.float64)
        return frame[column].to_numpy(np.float64) * f


def load_variant(
    desc: Mapping[str, Any],
    ranking: str,
    membership: str,
    locations: str,
    uncertainty: str | None = None,
) -> Variant:
    """Read a variant from its files; ``desc`` is :func:`stclusters.variants.resolve_variant`."""
    sources = {s: float(w) for s, w in desc["sources"].items()}
    rk = read_parquet(ranking).sort_values("rank", kind="mergesort").reset_index(drop=True)
    mem = read_parquet(membership, columns=["source", "loc_id", "cluster_id"])
    mem = mem[(mem["cluster_id"] >= 0) & mem["source"].isin(sources)]
    mem = mem.astype({"loc_id": "int64", "cluster_id": "int64"}).reset_index(drop=True)
    years = read_parquet(locations, columns=["source", "year", "loc_id", "lat", "lon", "weight"])
    years = years[years["source"].isin(sources)].reset_index(drop=True)
    current = {s: list(desc["windows"][s]["current"]) for s in sources}
    unc = pd.read_csv(uncertainty) if uncertainty else None
    return Variant(
        name=str(desc["name"]), label=str(desc.get("label", desc["name"])), sources=sources,
        windows={s: dict(desc["windows"][s]) for s in sources},
        round_deg=float(desc["round_deg"]), ranking=rk, membership=mem, years=years,
        current=window_sum(years, current, ["loc_id"]), uncertainty=unc,
    )


# ------------------------------------------------------------------ across variants


def _members_on_grid(v: Variant, deg: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``v``'s membership and current weights re-indexed on a ``deg``-degree grid.

    A grid cell holding locations of two clusters goes to the one with more weight there.
    """
    cur = v.current[["source", "loc_id", "lat", "lon", "weight"]].copy()
    if np.isclose(deg, v.round_deg):
        cur["gid"] = cur["loc_id"]
    else:
        cur["gid"] = loc_ids(cur["lat"].to_numpy(), cur["lon"].to_numpy(), deg)
    w = cur.groupby(["source", "gid"], as_index=False)["weight"].sum()
    m = v.membership.merge(cur[["source", "loc_id", "gid", "weight"]], on=LOC_KEYS)
    m = m.groupby(["source", "gid", "cluster_id"], as_index=False)["weight"].sum()
    m = m.sort_values(["source", "gid", "weight", "cluster_id"],
                      ascending=[True, True, False, True], kind="mergesort")
    m = m.drop_duplicates(["source", "gid"])
    rename = {"gid": "loc_id"}
    return m[["source", "gid", "cluster_id"]].rename(columns=rename), w.rename(columns=rename)


def match_variants(a: Variant, b: Variant) -> pd.DataFrame:
    """Clusters of ``a`` matched one to one to clusters of ``b``.

    :func:`stclusters.compare.match_clusters` (shared output on the sources common to
    both, at least half of the smaller cluster) with ``a``'s current weights; when the two
    variants round coordinates differently, both are first put on the coarser grid. With
    equal rounding this is exactly the matching of the ``compare_variants`` rule.
    """
    deg = max(a.round_deg, b.round_deg)
    mem_a, w_a = _members_on_grid(a, deg)
    mem_b, _ = _members_on_grid(b, deg)
    return match_clusters(mem_a, mem_b, w_a)


def pair_matches(variants: Sequence[Variant], ref: str | None = None) -> dict:
    """``{(a, b): matches}`` for every pair of variants, ``a`` before ``b`` in the given
    order (the config's); only the pairs involving ``ref`` when it is given."""
    out = {}
    for i, a in enumerate(variants):
        for b in variants[i + 1:]:
            if ref is None or ref in (a.name, b.name):
                out[(a.name, b.name)] = match_variants(a, b)
    return out


def _interval_columns(v: Variant) -> pd.DataFrame:
    """cluster_id, rank and (when the sensitivity stage ran) median, p05, p95, share_top."""
    base = v.ranking[["cluster_id", "rank", "name"]].astype({"cluster_id": "int64",
                                                            "rank": "int64"})
    if v.uncertainty is None:
        return base
    u = v.uncertainty.rename(columns={"share_top100": "share_top"})
    keep = [c for c in ("median_rank", "p05_rank", "p95_rank", "share_top") if c in u]
    return base.merge(u[["cluster_id", *keep]].astype({"cluster_id": "int64"}),
                      on="cluster_id", how="left")


def rank_table(ref: Variant, variants: Sequence[Variant], matches: Mapping) -> pd.DataFrame:
    """The rank of each cluster of ``ref`` under every variant (in ``variants`` order).

    One row per (cluster of ``ref``, variant): ``cluster_id`` (``ref``'s), ``variant``,
    ``label``, ``match_id`` (the matched cluster there; missing when none), its ``name``
    there, ``rank`` and,
    where that variant's sensitivity stage ran, ``median_rank``, ``p05_rank``,
    ``p95_rank`` (the 90 % interval) and ``share_top`` (share of runs in the top n).
    """
    ids = ref.ranking[["cluster_id"]].astype("int64")
    parts = []
    for v in variants:
        if v.name == ref.name:
            m = ids.assign(match_id=ids["cluster_id"])
        elif (ref.name, v.name) in matches:
            m = matches[(ref.name, v.name)].rename(
                columns={"cluster_id_a": "cluster_id", "cluster_id_b": "match_id"})
        else:
            m = matches[(v.name, ref.name)].rename(
                columns={"cluster_id_b": "cluster_id", "cluster_id_a": "match_id"})
        t = ids.merge(m[["cluster_id", "match_id"]], on="cluster_id", how="left")
        iv = _interval_columns(v).rename(columns={"cluster_id": "match_id"})
        t = t.merge(iv, on="match_id", how="left").assign(variant=v.name, label=v.label)
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    for c in ("median_rank", "p05_rank", "p95_rank", "share_top"):
        if c not in out:
            out[c] = np.nan
    cols = ["cluster_id", "variant", "label", "match_id", "name", "rank", "median_rank",
            "p05_rank", "p95_rank", "share_top"]
    out = out[cols].astype({"match_id": "Int64", "rank": "Int64"})
    order = {v.name: i for i, v in enumerate(variants)}
    return out.assign(_o=out["variant"].map(order)).sort_values(
        ["cluster_id", "_o"], kind="mergesort").drop(columns="_o").reset_index(drop=True)


# ------------------------------------------------------------------ one variant's lists


def top_organizations(
    v: Variant, organizations: pd.DataFrame, cluster_ids: Sequence[int], n: int = 5
) -> pd.DataFrame:
    """The ``n`` organisations with the largest fractional counts per cluster and source.

    ``organizations`` is the per-year organisation table of the locations stage (source,
    year, loc_id, organization, weight), summed here over the current windows. Returns
    cluster_id, source, position (1..n), organization, weight; ties by name.
    """
    org = organizations[organizations["source"].isin(v.sources)]
    org = window_sum(org, v.current_windows, ["loc_id", "organization"])
    mem = v.membership[v.membership["cluster_id"].isin(cluster_ids)]
    t = org.merge(mem, on=LOC_KEYS)
    t = t.groupby(["cluster_id", "source", "organization"], as_index=False)["weight"].sum()
    t = t.sort_values(["cluster_id", "source", "weight", "organization"],
                      ascending=[True, True, False, True], kind="mergesort")
    t["position"] = t.groupby(["cluster_id", "source"]).cumcount() + 1
    t = t[t["position"] <= n]
    return t[["cluster_id", "source", "position", "organization", "weight"]].reset_index(
        drop=True)


def yearly_output(v: Variant, cluster_ids: Sequence[int]) -> pd.DataFrame:
    """Fractional counts per cluster, source and year, over every year in the tables.

    Counted on the cluster's current footprint (its member locations), so the years of a
    source's current window add up to the ranking's ``{source}_count``.
    """
    mem = v.membership[v.membership["cluster_id"].isin(cluster_ids)]
    t = v.years.merge(mem, on=LOC_KEYS)
    return (t.groupby(["cluster_id", "source", "year"], as_index=False)["weight"].sum()
            .sort_values(["cluster_id", "source", "year"], kind="mergesort")
            .reset_index(drop=True))


def footprint(v: Variant, cluster_ids: Sequence[int]) -> pd.DataFrame:
    """Member locations per cluster with their score contribution (all sources summed per
    point): cluster_id, lat, lon, output. Sorted by output, smallest first (drawn first)."""
    mem = v.membership[v.membership["cluster_id"].isin(cluster_ids)]
    t = v.current.merge(mem, on=LOC_KEYS)
    t["output"] = v.contribution(t)
    t = t.groupby(["cluster_id", "lat", "lon"], as_index=False)["output"].sum()
    return t.sort_values(["cluster_id", "output", "lat", "lon"], kind="mergesort").reset_index(
        drop=True)


def place_table(
    v: Variant, location_places: pd.DataFrame, cluster_ids: Sequence[int]
) -> pd.DataFrame:
    """The places each cluster covers, largest first.

    ``location_places`` is the per-year table of the locations stage (source, year, loc_id,
    place_name, country_iso2, weight). Returns cluster_id, place, country, lat, lon (the
    output-weighted centre of the place's member locations), output and share (of the
    cluster's score).
    """
    lp = location_places[location_places["source"].isin(v.sources)]
    lp = window_sum(lp, v.current_windows, ["loc_id", "place_name", "country_iso2"])
    mem = v.membership[v.membership["cluster_id"].isin(cluster_ids)]
    t = lp.merge(mem, on=LOC_KEYS).merge(v.current[[*LOC_KEYS, "lat", "lon"]], on=LOC_KEYS)
    t["output"] = v.contribution(t)
    t["wlat"], t["wlon"] = t["lat"] * t["output"], t["lon"] * t["output"]
    g = t.groupby(["cluster_id", "place_name", "country_iso2"], as_index=False)[
        ["output", "wlat", "wlon"]].sum()
    pos = g["output"] > 0
    g["lat"] = np.where(pos, g["wlat"] / g["output"].where(pos, 1.0), np.nan)
    g["lon"] = np.where(pos, g["wlon"] / g["output"].where(pos, 1.0), np.nan)
    g["share"] = g["output"] / g.groupby("cluster_id")["output"].transform("sum")
    g = g.rename(columns={"place_name": "place", "country_iso2": "country"})
    g = g.sort_values(["cluster_id", "output", "place"], ascending=[True, False, True],
                      kind="mergesort")
    return g[["cluster_id", "place", "country", "lat", "lon", "output", "share"]].reset_index(
        drop=True)


# ------------------------------------------------------------------ file names


def slug(text: object, max_len: int = 48) -> str:
    """ASCII file-name fragment of a cluster name: ``San Jose–San Francisco, CA`` ->
    ``san-jose-san-francisco-ca``."""
    spaced = re.sub(r"[^\w]+", " ", str(text))  # dashes and punctuation separate words
    ascii_ = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    return s[:max_len].rstrip("-")


def brief_names(ranking: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The clusters that get a brief (rank <= ``top_n``) and each one's file stem,
    ``{rank:03d}-{slug}`` (``cluster-{id}`` when the name has no ASCII letters)."""
    t = ranking[ranking["rank"] <= top_n].sort_values("rank", kind="mergesort")
    width = max(3, len(str(int(top_n))))
    stems = [
        f"{int(r):0{width}d}-{slug(n) or f'cluster-{int(c)}'}"
        for r, n, c in zip(t["rank"], t["name"], t["cluster_id"], strict=True)
    ]
    return t[["rank", "cluster_id", "name", "economy"]].assign(stem=stems).reset_index(drop=True)


# ------------------------------------------------------------------ one brief


@dataclass
class ClusterBrief:
    """Everything one brief shows, for one cluster of one variant.

    ``row``: the cluster's ranking row; ``ranks``: its :func:`rank_table` rows;
    ``organizations``, ``years``, ``points``, ``places``: its rows of
    :func:`top_organizations`, :func:`yearly_output`, :func:`footprint`,
    :func:`place_table`; ``stem``: the file name without suffix; ``top_n``: the
    ranking's top n (of the intensity rank); ``sens_top_n``: the sensitivity stage's.
    """

    variant: str
    label: str
    sources: dict[str, float]
    windows: dict[str, dict[str, list[int]]]
    n_clusters: int
    top_n: int
    sens_top_n: int
    row: pd.Series
    ranks: pd.DataFrame
    organizations: pd.DataFrame
    years: pd.DataFrame
    points: pd.DataFrame
    places: pd.DataFrame
    stem: str
    n_locations: int = 0

    @property
    def title(self) -> str:
        """``{rank}. {name}``."""
        return f"{int(self.row['rank'])}. {self.row['name']}"

    @property
    def own_interval(self) -> pd.Series | None:
        """This variant's rank_table row (rank, 90 % interval), or None."""
        own = self.ranks[self.ranks["variant"] == self.variant]
        return None if own.empty else own.iloc[0]


def cluster_briefs(
    ref: Variant,
    variants: Sequence[Variant],
    organizations: pd.DataFrame,
    location_places: pd.DataFrame,
    n_briefs: int,
    top_n: int = 100,
    sens_top_n: int | None = None,
    matches: Mapping | None = None,
) -> list[ClusterBrief]:
    """One :class:`ClusterBrief` per cluster of ``ref``'s top ``n_briefs``, in rank order.

    ``variants`` are all the variants (``ref`` among them) in config order; every table is
    computed once for all the clusters, then split per cluster.
    """
    names = brief_names(ref.ranking, n_briefs)
    ids = names["cluster_id"].astype("int64").tolist()
    if matches is None:
        matches = pair_matches(variants, ref=ref.name)
    parts = {
        "ranks": rank_table(ref, variants, matches),
        "organizations": top_organizations(ref, organizations, ids),
        "years": yearly_output(ref, ids),
        "points": footprint(ref, ids),
        "places": place_table(ref, location_places, ids),
    }
    groups = {k: dict(tuple(t.groupby("cluster_id", sort=False))) for k, t in parts.items()}
    n_loc = ref.membership.groupby("cluster_id")["loc_id"].nunique()
    rows = ref.ranking.set_index("cluster_id", drop=False)
    out = []
    for cid, stem in zip(ids, names["stem"], strict=True):
        got = {k: g.get(cid, parts[k].iloc[:0]).reset_index(drop=True)
               for k, g in groups.items()}
        out.append(ClusterBrief(
            variant=ref.name, label=ref.label, sources=dict(ref.sources),
            windows=ref.windows, n_clusters=len(ref.ranking), top_n=int(top_n),
            sens_top_n=int(sens_top_n or top_n),
            row=rows.loc[cid], stem=stem, n_locations=int(n_loc.get(cid, 0)), **got,
        ))
    return out


# ------------------------------------------------------------------ shared wording

#: heading of each source's top-five list
ORG_HEADINGS = {"pct": "Top applicants (PCT)", "pub": "Top organisations (publications)",
                "vc": "Top VC companies (VC deals)"}


def _num(x: object, fmt: str = ",.1f", none: str = "n/a") -> str:
    """``x`` formatted, or ``none`` when missing."""
    try:
        if x is None or pd.isna(x):
            return none
    except (TypeError, ValueError):
        return none
    return format(float(x), fmt)


def interval_text(r: Mapping[str, Any], n: int = 100) -> str:
    """``3–6 (median 4; in the top 100 in 97 % of runs)`` from a :func:`rank_table` row;
    ``n`` is the sensitivity stage's top n."""
    if pd.isna(r.get("p05_rank")):
        return "no sensitivity run"
    text = f"{int(r['p05_rank'])}–{int(r['p95_rank'])} (median {_num(r['median_rank'], '.0f')}"
    if not pd.isna(r.get("share_top")):
        text += f"; in the top {n} in {100 * float(r['share_top']):.0f} % of runs"
    return text + ")"


def key_numbers(b: ClusterBrief, source_labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """The brief's key numbers as (label, value) pairs, in display order."""
    r = b.row
    prev = r.get("prev_rank")
    change = r.get("rank_change")
    prev_text = "n/a" if pd.isna(prev) else f"{int(prev)}"
    if not pd.isna(change) and not pd.isna(prev):
        prev_text += f" ({'+' if int(change) > 0 else ''}{int(change)} places)"
    out = [
        ("Rank", f"{int(r['rank'])} of {b.n_clusters}"),
        ("Score (sum of shares, %)", _num(r["score"], ".2f")),
    ]
    for s in b.sources:
        out.append((source_labels.get(s, s),
                    f"{_num(r.get(f'{s}_count'))} ({_num(r.get(f'{s}_share'), '.2f')} % of world)"))
    irank = r.get("intensity_rank")
    out += [
        ("S&T intensity", f"{_num(r.get('intensity'), '.3f')} (rank "
                          f"{_num(irank, '.0f')} in the top {b.top_n})"),
        ("Growth on previous window", f"{_num(r.get('growth_pct'), '+.1f')} %"),
        ("Previous rank", prev_text),
        ("Footprint", f"{_num(r.get('population'), ',.0f')} inhabitants, "
                      f"{_num(r.get('area_km2'), ',.0f')} km², {b.n_locations:,} locations"),
    ]
    own = b.own_interval
    if own is not None:
        out.append(("90 % rank interval", interval_text(own, b.sens_top_n)))
    return out
