"""How an S&T cluster is named, which economies it is coded with, and where its centre is.

This is the naming rule a reviewer asks about; the GII does not publish it, the assumed
rule is in ``docs/methodology.md`` section 5. Each step is one function:

* :func:`place_output` - the output measure: a row's weight over its source's world total
  (score units, so sources count as they do in the score).
* :func:`economy_codes` - the economy code ("CN/HK"): every economy with at least
  ``economy_min_share`` of the cluster's output, the largest always.
* :func:`absorb_map` - the absorb rule: a small place is credited to a much larger place
  of the same cluster and country nearby (Shinjuku -> Tokyo).
* :func:`credited_places` - the places of each cluster by credited output, with their
  display names (``name_aliases``) and shares.
* :func:`named_places` - which places make the name: share at least ``name_min_share``,
  at most ``name_max_places``, always the largest.
* :func:`state_suffix` - the ", CA" / ", ON" suffix of US and Canadian names.
* :func:`cluster_name` - the name itself: named places joined by an en dash, plus suffix.
* :func:`centroids` - the output-weighted spherical centroid.

:func:`describe_clusters` applies them to every cluster; :func:`naming_options` picks its
keyword arguments from the config's ``merge`` block. Change the rule here (and its
description in ``docs/methodology.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from stclusters.admin1 import CA_PROVINCES
from stclusters.arrays import unique
from stclusters.cluster import _radius
from stclusters.geo import to_xyz
from stclusters.io import require_columns

EN_DASH = "\u2013"

NAMING_KEYS = ("economy_min_share", "name_max_places", "name_min_share", "name_absorb_km",
               "name_absorb_ratio", "name_aliases")

DESCRIPTION_COLUMNS = ["cluster_id", "name", "economy", "lat", "lon", "n_locations", "places"]
LOCATION_PLACE_COLUMNS = [
    "source", "loc_id", "geonameid", "place_name", "admin1", "country_iso2", "weight"
]
PLACE_COLUMNS = ["geonameid", "name", "country_iso2", "admin1", "lat", "lon", "population"]


def naming_options(merge_config: Mapping[str, Any]) -> dict[str, Any]:
    """The :func:`describe_clusters` keyword arguments held in the config's ``merge`` block."""
    return {k: merge_config[k] for k in NAMING_KEYS if k in merge_config}


# ------------------------------------------------------------------ output measure
def _score_units(frame: pd.DataFrame, source_totals: Mapping[str, float]) -> np.ndarray:
    """``weight`` over its source's world total (0 where the total is 0)."""
    tot = frame["source"].map({k: float(v) for k, v in source_totals.items()}).to_numpy()
    return np.divide(
        frame["weight"].to_numpy(np.float64), tot, out=np.zeros(len(frame)), where=tot != 0
    )


def place_output(
    mem: pd.DataFrame, location_places: pd.DataFrame, source_totals: Mapping[str, float]
) -> pd.DataFrame:
    """Rows of ``location_places`` in a cluster, with ``cluster_id`` and ``output``.

    Rule (output measure): a row's output is its weight divided by
    ``source_totals[source]``, so sources count as they do in the score; a place's output
    in a cluster is the sum over its rows at the cluster's locations (members and
    attached). ``mem`` holds ``source``, ``loc_id``, ``cluster_id`` (clustered rows only).
    """
    lp = location_places[LOCATION_PLACE_COLUMNS].astype({"loc_id": np.int64, "geonameid": np.int64})
    lp = lp.merge(mem, on=["source", "loc_id"], how="inner")
    missing = set(lp["source"]) - set(source_totals)
    if missing:
        raise ValueError(f"source_totals lacks {sorted(missing)}")
    lp["output"] = _score_units(lp, source_totals)
    return lp


# ------------------------------------------------------------------ economy codes
def economy_codes(
    lp: pd.DataFrame, cluster_out: pd.Series, economy_min_share: float
) -> pd.Series:
    """Economy code per cluster: ISO2 codes joined with "/" ("CN/HK", "CH/DE/FR").

    Rule: every economy holding at least ``economy_min_share`` of the cluster's output
    (always at least the largest), by share descending, ties by code. ``lp`` as from
    :func:`place_output`; ``cluster_out`` the output of each cluster.
    """
    eco = lp.groupby(["cluster_id", "country_iso2"], as_index=False)["output"].sum()
    eco["share"] = eco["output"] / eco["cluster_id"].map(cluster_out)
    eco = eco.sort_values(
        ["cluster_id", "share", "country_iso2"], ascending=[True, False, True], kind="stable"
    )
    eco["pos"] = eco.groupby("cluster_id").cumcount()
    eco = eco[(eco["share"] >= economy_min_share) | (eco["pos"] == 0)]
    return eco.groupby("cluster_id")["country_iso2"].agg(lambda s: "/".join(map(str, s)))


# ------------------------------------------------------------------ absorb rule
def _absorb_candidates(
    gids: np.ndarray, places: pd.DataFrame, absorb_km: float, absorb_ratio: float
) -> pd.DataFrame:
    """Pairs (``geonameid`` -> ``credit``) of gazetteer places among ``gids`` within
    ``absorb_km`` of each other, same country, the second with a positive population at
    least ``absorb_ratio`` times the first's (``pop_big``, ``name_big`` for tie-breaks)."""
    pl = places[places["geonameid"].isin(gids)].drop_duplicates("geonameid")
    pl = pl[np.isfinite(pl["lat"]) & np.isfinite(pl["lon"])].reset_index(drop=True)
    if len(pl) < 2:
        return pd.DataFrame()
    tree = cKDTree(to_xyz(pl["lat"].to_numpy(), pl["lon"].to_numpy()))
    pairs = tree.query_pairs(_radius(absorb_km), output_type="ndarray")
    if len(pairs) == 0:
        return pd.DataFrame()
    both = np.concatenate([pairs, pairs[:, ::-1]])
    cand = pd.DataFrame(
        {
            "geonameid": pl["geonameid"].to_numpy()[both[:, 0]],
            "credit": pl["geonameid"].to_numpy()[both[:, 1]],
            "pop_small": pl["population"].to_numpy(np.float64)[both[:, 0]],
            "pop_big": pl["population"].to_numpy(np.float64)[both[:, 1]],
            "cc_small": pl["country_iso2"].to_numpy()[both[:, 0]],
            "cc_big": pl["country_iso2"].to_numpy()[both[:, 1]],
            "name_big": pl["name"].astype(str).to_numpy()[both[:, 1]],
        }
    )
    return cand[
        (cand["cc_small"] == cand["cc_big"])
        & (cand["pop_big"] > 0)
        & (cand["pop_big"] >= absorb_ratio * cand["pop_small"])
    ]


def absorb_map(
    cp: pd.DataFrame, places: pd.DataFrame, absorb_km: float, absorb_ratio: float
) -> pd.DataFrame:
    """For each (cluster_id, geonameid) in ``cp``, the place its output is credited to.

    Rule (absorb): a place is credited to the most populous place of the same cluster and
    country within ``absorb_km`` (great-circle, inclusive) having at least
    ``absorb_ratio`` times its population (ties by name, then geonameid); else to itself.
    Crediting is one step (no chains). ``absorb_km <= 0`` turns it off. Shinjuku and
    Setagaya go to Tokyo; Cambridge MA (1/6 of Boston) keeps its name.

    Returns ``cluster_id``, ``geonameid``, ``credit``.
    """
    out = cp[["cluster_id", "geonameid"]].copy()
    out["credit"] = out["geonameid"]
    if absorb_km <= 0 or len(cp) == 0:
        return out
    gids = unique(cp["geonameid"].to_numpy())
    cand = _absorb_candidates(gids, places, absorb_km, absorb_ratio)
    if cand.empty:
        return out
    # the absorbing place must itself be a place of the same cluster
    cand = cp[["cluster_id", "geonameid"]].merge(cand, on="geonameid")
    present = cp[["cluster_id", "geonameid"]].rename(columns={"geonameid": "credit"})
    cand = cand.merge(present, on=["cluster_id", "credit"])
    if cand.empty:
        return out
    cand = cand.sort_values(
        ["cluster_id", "geonameid", "pop_big", "name_big", "credit"],
        ascending=[True, True, False, True, True],
        kind="stable",
    ).drop_duplicates(["cluster_id", "geonameid"])
    out = out.drop(columns="credit").merge(
        cand[["cluster_id", "geonameid", "credit"]], on=["cluster_id", "geonameid"], how="left"
    )
    out["credit"] = out["credit"].fillna(out["geonameid"]).astype(np.int64)
    return out


# ------------------------------------------------------------------ places by output
def _place_info(places: pd.DataFrame, named_lp: pd.DataFrame) -> pd.DataFrame:
    """Name, country and admin1 per geonameid: the gazetteer first, the location-place
    rows as fallback for places the gazetteer lacks."""
    info = places[["geonameid", "name", "country_iso2", "admin1"]].drop_duplicates("geonameid")
    fb = (
        named_lp[["geonameid", "place_name", "country_iso2", "admin1"]]
        .drop_duplicates("geonameid")
        .rename(columns={"place_name": "name"})
    )
    return pd.concat([info, fb[~fb["geonameid"].isin(info["geonameid"])]], ignore_index=True)


def credited_places(
    lp: pd.DataFrame,
    places: pd.DataFrame,
    cluster_out: pd.Series,
    absorb_km: float,
    absorb_ratio: float,
    name_aliases: Mapping[str, str] | None,
) -> pd.DataFrame:
    """Per cluster, its places by credited output: ``cluster_id``, ``geonameid``,
    ``output``, ``name``, ``country_iso2``, ``admin1``, ``share``.

    Rows with ``geonameid < 0`` (unplaced) are left out. Output is credited by
    :func:`absorb_map`; names are display names (``name_aliases``: GeoNames name -> the
    form the GII prints, "Köln" -> "Cologne"). Sorted by cluster, then output descending,
    ties by name and geonameid.
    """
    named_lp = lp[lp["geonameid"] >= 0]
    cp = named_lp.groupby(["cluster_id", "geonameid"], as_index=False)["output"].sum()
    credit = absorb_map(cp, places, absorb_km, absorb_ratio)
    cp = cp.merge(credit, on=["cluster_id", "geonameid"])
    cp = cp.groupby(["cluster_id", "credit"], as_index=False)["output"].sum()
    cp = cp.rename(columns={"credit": "geonameid"})
    cp = cp.merge(_place_info(places, named_lp), on="geonameid", how="left")
    cp["name"] = cp["name"].fillna("").astype(str)
    if name_aliases:
        cp["name"] = cp["name"].replace(dict(name_aliases))
    cp["share"] = cp["output"] / cp["cluster_id"].map(cluster_out)
    return cp.sort_values(
        ["cluster_id", "output", "name", "geonameid"],
        ascending=[True, False, True, True],
        kind="stable",
    )


# ------------------------------------------------------------------ the name
def named_places(g: pd.DataFrame, name_min_share: float, name_max_places: int) -> pd.DataFrame:
    """The places that make a cluster's name, from its places ``g`` by credited output
    (names non-empty and distinct).

    Rule: the places holding at least ``name_min_share`` of the cluster's output, at most
    ``name_max_places`` of them; always at least the largest.
    """
    keep = g[(g["share"] >= name_min_share)].head(name_max_places)
    return g.head(1) if keep.empty else keep


def state_suffix(named: pd.DataFrame) -> str:
    """The suffix ", XX" when every named place is in the US (or every one in Canada)
    and all share one state/province; else the empty string.

    US: the GeoNames admin1 code is the state's postal code ("CA"); Canada: the province's
    postal abbreviation from :data:`stclusters.admin1.CA_PROVINCES` ("ON").
    """
    cc = set(named["country_iso2"])
    adm = set(named["admin1"].astype(str))
    if len(cc) != 1 or len(adm) != 1:
        return ""
    country, code = cc.pop(), adm.pop()
    if country == "US" and code and code.lower() not in {"nan", "none", "00"}:
        return f", {code}"
    if country == "CA" and code in CA_PROVINCES:
        return f", {CA_PROVINCES[code]}"
    return ""


def cluster_name(named: pd.DataFrame) -> str:
    """The named places joined with an en dash, plus :func:`state_suffix`
    ("San Jose–San Francisco, CA", "Toronto, ON", "Tokyo–Yokohama")."""
    return EN_DASH.join(named["name"]) + state_suffix(named)


def _audit(g: pd.DataFrame, audit_places: int) -> str:
    """The top ``audit_places`` places and their shares: "Tokyo 0.61; Yokohama 0.18"."""
    top = g.head(audit_places)
    return "; ".join(
        f"{nm} {sh:.2f}" for nm, sh in zip(top["name"], top["share"], strict=True)
    )


def _name_and_audit(
    g: pd.DataFrame | None, name_min_share: float, name_max_places: int, audit_places: int
) -> tuple[str, str]:
    """Name and audit string of one cluster from its places by credited output; places
    without a name are skipped, of two places of one name the larger is kept."""
    if g is None:
        return "", ""
    g = g[g["name"] != ""].drop_duplicates("name")
    if g.empty:
        return "", ""
    return cluster_name(named_places(g, name_min_share, name_max_places)), _audit(g, audit_places)


# ------------------------------------------------------------------ centroids
def _spherical_centroid(lat: np.ndarray, lon: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted mean direction of points on the sphere, in degrees."""
    if len(lat) == 0:
        return float("nan"), float("nan")
    v = (to_xyz(lat, lon) * np.asarray(w, dtype=np.float64)[:, None]).sum(axis=0)
    norm = np.linalg.norm(v)
    if norm == 0:
        return float("nan"), float("nan")
    x, y, z = v / norm
    return float(np.degrees(np.arctan2(z, np.hypot(x, y)))), float(np.degrees(np.arctan2(y, x)))


def centroids(
    mem: pd.DataFrame,
    cp: pd.DataFrame,
    places: pd.DataFrame,
    source_totals: Mapping[str, float],
    locations: pd.DataFrame | None,
) -> dict[int, tuple[float, float]]:
    """Output-weighted spherical centroid (lat, lon) per cluster: of the cluster's
    ``locations`` (weights in score units) when given, else of its credited places'
    coordinates weighted by place output (``cp`` from :func:`credited_places`)."""
    if locations is not None:
        require_columns(locations, {"source", "loc_id", "lat", "lon", "weight"}, "locations")
        cl = locations[["source", "loc_id", "lat", "lon", "weight"]].astype({"loc_id": np.int64})
        cl = cl.merge(mem, on=["source", "loc_id"], how="inner")
        cl["w"] = _score_units(cl, source_totals)
    else:
        pc = places[["geonameid", "lat", "lon"]].drop_duplicates("geonameid")
        cl = cp[["cluster_id", "geonameid", "output"]].merge(pc, on="geonameid")
        cl = cl.rename(columns={"output": "w"})
    return {
        cid: _spherical_centroid(g["lat"].to_numpy(), g["lon"].to_numpy(), g["w"].to_numpy())
        for cid, g in cl.groupby("cluster_id")
    }


# ------------------------------------------------------------------ all clusters
def _empty_descriptions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster_id": pd.Series(dtype="int64"),
            "name": pd.Series(dtype=object),
            "economy": pd.Series(dtype=object),
            "lat": pd.Series(dtype="float64"),
            "lon": pd.Series(dtype="float64"),
            "n_locations": pd.Series(dtype="int64"),
            "places": pd.Series(dtype=object),
        }
    )[DESCRIPTION_COLUMNS]


def _check_inputs(
    membership: pd.DataFrame, location_places: pd.DataFrame, places: pd.DataFrame
) -> None:
    require_columns(membership, {"source", "loc_id", "cluster_id"}, "membership")
    require_columns(location_places, set(LOCATION_PLACE_COLUMNS), "location_places")
    require_columns(places, set(PLACE_COLUMNS), "places")
    if "window" in location_places.columns and location_places["window"].nunique() > 1:
        raise ValueError("location_places must hold a single window (filter to current)")


def describe_clusters(
    membership: pd.DataFrame,
    location_places: pd.DataFrame,
    places: pd.DataFrame,
    source_totals: Mapping[str, float],
    economy_min_share: float = 0.02,
    name_max_places: int = 3,
    name_min_share: float = 0.12,
    name_absorb_km: float = 15.0,
    name_absorb_ratio: float = 10.0,
    locations: pd.DataFrame | None = None,
    audit_places: int = 5,
    name_aliases: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Name, economy code and centroid of each S&T cluster.

    * ``economy``: :func:`economy_codes` ("CN/HK", "CH/DE/FR").
    * ``name``: places credited by :func:`absorb_map`, chosen by :func:`named_places`,
      written by :func:`cluster_name` ("San Jose–San Francisco, CA", "Toronto, ON").
    * ``lat``/``lon``: :func:`centroids`, from ``locations`` (columns ``source``,
      ``loc_id``, ``lat``, ``lon``, ``weight``) when given.
    * ``n_locations``: distinct ``loc_id`` in the cluster (members and attached).
    * ``places``: audit string of the top ``audit_places`` credited places and their
      shares, e.g. "Tokyo 0.61; Yokohama 0.18".

    Output is measured as in :func:`place_output`. ``membership``: ``source``, ``loc_id``,
    ``cluster_id`` (-1 none). ``location_places`` (source, loc_id, geonameid, place_name,
    admin1, country_iso2, weight) must hold one window only. ``places`` is the gazetteer
    (geonameid, name, country_iso2, admin1, lat, lon, population). Rows with
    ``geonameid < 0`` count for the economy and the shares but are never named. One row
    per cluster id, sorted.
    """
    _check_inputs(membership, location_places, places)
    mem = membership.loc[membership["cluster_id"] >= 0, ["source", "loc_id", "cluster_id"]]
    mem = mem.astype({"loc_id": np.int64, "cluster_id": np.int64})
    cluster_ids = np.sort(mem["cluster_id"].unique())
    if len(cluster_ids) == 0:
        return _empty_descriptions()
    lp = place_output(mem, location_places, source_totals)
    cluster_out = lp.groupby("cluster_id")["output"].sum()
    economy = economy_codes(lp, cluster_out, economy_min_share)
    cp = credited_places(
        lp, places, cluster_out, name_absorb_km, name_absorb_ratio, name_aliases
    )
    cent = centroids(mem, cp, places, source_totals, locations)
    n_loc = mem.groupby("cluster_id")["loc_id"].nunique()
    by_cluster = dict(tuple(cp.groupby("cluster_id")))
    rows = []
    for cid in cluster_ids:
        name, audit = _name_and_audit(
            by_cluster.get(cid), name_min_share, name_max_places, audit_places
        )
        lat, lon = cent.get(cid, (float("nan"), float("nan")))
        rows.append((int(cid), name, economy.get(cid, ""), lat, lon, int(n_loc.get(cid, 0)), audit))
    out = pd.DataFrame(rows, columns=DESCRIPTION_COLUMNS)
    return out.astype(
        {"cluster_id": "int64", "n_locations": "int64", "lat": "float64", "lon": "float64"}
    )
