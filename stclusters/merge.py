"""From per-source clusters to S&T clusters: merging, attachment, names, economy codes,
and the GII map's noise points.

* :func:`build_st_clusters` links source clusters of different sources that lie within
  ``link_km`` of each other, takes connected components as S&T clusters and attaches
  nearby noise locations.
* :func:`describe_clusters` names each cluster after its largest places by output, gives
  its economy code(s) and its output-weighted centroid.
* :func:`noise_points` lists the rounded locations with enough records outside clusters.

Distances are great-circle on a sphere of radius ``EARTH_RADIUS_KM``, computed as chords
between unit-sphere xyz points on KD-trees (see :mod:`stclusters.cluster`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from stclusters.admin1 import CA_PROVINCES
from stclusters.cluster import _radius
from stclusters.geo import to_xyz

MEMBER, ATTACHED, NOISE = "member", "attached", "noise"

"""GeoNames admin1 codes of Canadian provinces and territories -> postal abbreviations."""

EN_DASH = "\u2013"


def _require(df: pd.DataFrame, cols: set[str], what: str) -> None:
    missing = cols - set(df.columns)
    if missing:
        raise ValueError(f"{what} lacks columns {sorted(missing)}")


_LINK_CHUNK = 50_000  # member locations per query block (bounds the pair buffer)


def _cross_source_links(
    members: pd.DataFrame, node: np.ndarray, xyz: np.ndarray, link_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of source-cluster nodes (of different sources) with member locations within
    ``link_km``; unique, as two int64 arrays.

    Location pairs are found block by block (blocks of spatially sorted members of one
    source against a KD-tree of the other) and reduced to cluster pairs at once, so
    memory stays bounded however dense the data."""
    sources = members["source"].to_numpy()
    lat = members["lat"].to_numpy()
    names = sorted(pd.unique(sources))
    r = _radius(link_km)
    base = np.int64(int(node.max()) + 1 if len(node) else 1)
    groups = {}
    for s in names:
        idx = np.flatnonzero(sources == s)
        groups[s] = idx[np.argsort(lat[idx], kind="stable")]  # spatially coherent blocks
    trees = {s: cKDTree(xyz[idx]) for s, idx in groups.items() if len(idx)}
    keys = []
    for ai, s in enumerate(names):
        others = [t for t in names[ai + 1 :] if t in trees]
        if not others or s not in trees:
            continue
        for lo in range(0, len(groups[s]), _LINK_CHUNK):
            block = groups[s][lo : lo + _LINK_CHUNK]
            block_tree = cKDTree(xyz[block])
            for t in others:
                found = block_tree.sparse_distance_matrix(trees[t], r, output_type="ndarray")
                if len(found):
                    na = node[block[found["i"]]]
                    nb = node[groups[t][found["j"]]]
                    keys.append(np.unique(na * base + nb))
                del found
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = np.unique(np.concatenate(keys))
    return key // base, key % base


def build_st_clusters(
    locations: pd.DataFrame,
    labels: Mapping[str, pd.DataFrame],
    link_km: float,
    attach_km: float,
) -> pd.DataFrame:
    """Merge per-source clusters into S&T clusters.

    ``locations``: columns ``source``, ``loc_id``, ``lat``, ``lon``, ``weight`` (current
    window, the sources of one ranking variant). ``labels[source]``: ``loc_id``, ``label``
    (-1 noise) from :func:`stclusters.cluster.cluster_source`; a location missing from its
    source's labels is an error.

    Rules:

    1. *Link*: clusters of two different sources are linked when some member location of
       one lies within ``link_km`` (great-circle, inclusive) of some member location of
       the other. Clusters of the same source are never linked directly (they are
       separate by their own clustering), but may end up together through a cluster of
       another source that bridges them.
    2. *S&T clusters* are the connected components of the link graph over all source
       clusters.
    3. *Attach*: a location that is noise for its own source and lies within
       ``attach_km`` of a member location (any source) is attributed to the S&T cluster
       of its nearest member location. ``attach_km <= 0`` disables attachment.

    ``cluster_id`` is numbered 0..k-1 by descending normalised weight: the sum over
    sources of the cluster's weight in that source (members and attached locations) over
    the source's world total (the sum of ``weight`` over ``locations`` of that source),
    i.e. the ranking score with equal source weights; ties by the cluster's smallest
    ``(source, loc_id)``.

    Returns one row per input ``(source, loc_id)``, sorted by them: ``source``,
    ``loc_id`` (int64), ``cluster_id`` (int64, -1 none), ``how`` (``member``,
    ``attached`` or ``noise``).
    """
    _require(locations, {"source", "loc_id", "lat", "lon", "weight"}, "locations")
    loc = locations[["source", "loc_id", "lat", "lon", "weight"]].copy()
    loc["loc_id"] = loc["loc_id"].astype(np.int64)
    loc = loc.sort_values(["source", "loc_id"], kind="stable").reset_index(drop=True)
    if loc.duplicated(["source", "loc_id"]).any():
        raise ValueError("locations has duplicate (source, loc_id) rows")
    parts = []
    for src in pd.unique(loc["source"]):
        if src not in labels:
            raise ValueError(f"no cluster labels for source {src!r}")
        lab = labels[src]
        _require(lab, {"loc_id", "label"}, f"labels[{src!r}]")
        parts.append(
            pd.DataFrame(
                {
                    "source": src,
                    "loc_id": lab["loc_id"].to_numpy(np.int64),
                    "label": lab["label"].to_numpy(np.int64),
                }
            )
        )
    lab_all = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(
            {
                "source": pd.Series(dtype=object),
                "loc_id": pd.Series(dtype="int64"),
                "label": pd.Series(dtype="int64"),
            }
        )
    )
    loc = loc.merge(lab_all, on=["source", "loc_id"], how="left", validate="one_to_one")
    if loc["label"].isna().any():
        bad = loc.loc[loc["label"].isna(), ["source", "loc_id"]].head(3).to_dict("records")
        raise ValueError(f"locations without a cluster label, e.g. {bad}")
    loc["label"] = loc["label"].astype(np.int64)

    n = len(loc)
    cluster_id = np.full(n, -1, dtype=np.int64)
    how = np.full(n, NOISE, dtype=object)
    is_member = loc["label"].to_numpy() >= 0
    if is_member.any():
        xyz = to_xyz(loc["lat"].to_numpy(), loc["lon"].to_numpy())
        mem_idx = np.flatnonzero(is_member)
        members = loc.iloc[mem_idx]
        # source clusters as nodes 0..m-1, numbered in (source, label) order
        node_keys, node = np.unique(
            members["source"].astype(str) + "\x00" + members["label"].astype(str),
            return_inverse=True,
        )
        node = node.astype(np.int64)
        m = len(node_keys)
        a, b = _cross_source_links(members, node, xyz[mem_idx], link_km)
        graph = sparse.coo_matrix((np.ones(len(a), bool), (a, b)), shape=(m, m)).tocsr()
        _, comp = connected_components(graph, directed=False)
        cluster_id[mem_idx] = comp[node]
        how[mem_idx] = MEMBER
        # attachment of noise locations to the nearest member location
        noise_idx = np.flatnonzero(~is_member)
        if attach_km > 0 and len(noise_idx):
            r = _radius(attach_km)
            tree = cKDTree(xyz[mem_idx])
            dist, nearest = tree.query(xyz[noise_idx], k=1, distance_upper_bound=r)
            ok = np.isfinite(dist)
            cluster_id[noise_idx[ok]] = cluster_id[mem_idx[nearest[ok]]]
            how[noise_idx[ok]] = ATTACHED
        # renumber by descending normalised weight, ties by smallest (source, loc_id)
        totals = loc.groupby("source", sort=False)["weight"].transform("sum").to_numpy()
        share = np.divide(
            loc["weight"].to_numpy(dtype=np.float64),
            totals,
            out=np.zeros(n),
            where=totals != 0,
        )
        inc = cluster_id >= 0
        k = int(cluster_id.max()) + 1
        score = np.bincount(cluster_id[inc], weights=share[inc], minlength=k)
        first = np.full(k, n, dtype=np.int64)  # rows are sorted by (source, loc_id)
        np.minimum.at(first, cluster_id[inc], np.flatnonzero(inc))
        order = np.lexsort((first, -np.round(score, 12)))
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k, dtype=np.int64)
        cluster_id[inc] = rank[cluster_id[inc]]
    return pd.DataFrame(
        {
            "source": loc["source"].to_numpy(),
            "loc_id": loc["loc_id"].to_numpy(np.int64),
            "cluster_id": cluster_id,
            "how": how.astype(str),
        }
    )


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


def _absorb_map(
    cp: pd.DataFrame, places: pd.DataFrame, absorb_km: float, absorb_ratio: float
) -> pd.DataFrame:
    """For each (cluster_id, geonameid) in ``cp``, the place its output is credited to: the
    most populous place of the same cluster and country within ``absorb_km`` with at least
    ``absorb_ratio`` times its population (ties by name, then geonameid), else itself."""
    out = cp[["cluster_id", "geonameid"]].copy()
    out["credit"] = out["geonameid"]
    if absorb_km <= 0 or len(cp) == 0:
        return out
    gids = np.unique(cp["geonameid"].to_numpy())
    pl = places[places["geonameid"].isin(gids)].drop_duplicates("geonameid")
    pl = pl[np.isfinite(pl["lat"]) & np.isfinite(pl["lon"])].reset_index(drop=True)
    if len(pl) < 2:
        return out
    tree = cKDTree(to_xyz(pl["lat"].to_numpy(), pl["lon"].to_numpy()))
    pairs = tree.query_pairs(_radius(absorb_km), output_type="ndarray")
    if len(pairs) == 0:
        return out
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
    cand = cand[
        (cand["cc_small"] == cand["cc_big"])
        & (cand["pop_big"] > 0)
        & (cand["pop_big"] >= absorb_ratio * cand["pop_small"])
    ]
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


def _state_suffix(named: pd.DataFrame) -> str:
    """The suffix ", XX" when every named place is in the US (or every one in Canada)
    and all share one state/province; else the empty string."""
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


NAMING_KEYS = ("economy_min_share", "name_max_places", "name_min_share", "name_absorb_km",
               "name_absorb_ratio", "name_aliases")


def naming_options(merge_config: Mapping[str, Any]) -> dict[str, Any]:
    """The :func:`describe_clusters` keyword arguments held in the config's ``merge`` block."""
    return {k: merge_config[k] for k in NAMING_KEYS if k in merge_config}


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

    Output measure: a place's output in a cluster is the sum over sources of its weight
    at the cluster's locations (members and attached) divided by
    ``source_totals[source]``, so sources count as they do in the score.

    * ``economy``: ISO2 codes of the economies holding at least ``economy_min_share`` of
      the cluster's output (always at least the largest), by share descending (ties by
      code), joined with "/" ("CN/HK", "CH/DE/FR").
    * ``name``: each place is first credited to the most populous place of the same
      cluster and country within ``name_absorb_km`` having at least ``name_absorb_ratio``
      times its population (Santa Clara -> San Jose). Places are then taken by credited
      output descending (ties by name); those with a share of at least ``name_min_share``
      are named (always at least the first, at most ``name_max_places``), joined with an
      en dash. When every named place is in the US, or every one in Canada, and they share
      one state/province, ", XX" is appended ("San Jose–San Francisco, CA",
      "Toronto, ON").
    * ``lat``/``lon``: output-weighted spherical centroid of the cluster's locations,
      from ``locations`` (columns ``source``, ``loc_id``, ``lat``, ``lon``, ``weight``)
      when given, else of the place coordinates weighted by place output.
    * ``n_locations``: distinct ``loc_id`` in the cluster (members and attached).
    * ``places``: audit string of the top ``audit_places`` credited places and their
      shares, e.g. "Tokyo 0.61; Yokohama 0.18".

    ``location_places`` (source, loc_id, geonameid, place_name, admin1, country_iso2,
    weight) must hold one window only. ``places`` is the gazetteer (geonameid, name,
    country_iso2, admin1, lat, lon, population). Rows with ``geonameid < 0`` count for
    the economy and the shares but are never named.
    """
    _require(membership, {"source", "loc_id", "cluster_id"}, "membership")
    _require(
        location_places,
        {"source", "loc_id", "geonameid", "place_name", "admin1", "country_iso2", "weight"},
        "location_places",
    )
    _require(
        places,
        {"geonameid", "name", "country_iso2", "admin1", "lat", "lon", "population"},
        "places",
    )
    if "window" in location_places.columns and location_places["window"].nunique() > 1:
        raise ValueError("location_places must hold a single window (filter to current)")
    mem = membership.loc[membership["cluster_id"] >= 0, ["source", "loc_id", "cluster_id"]]
    mem = mem.astype({"loc_id": np.int64, "cluster_id": np.int64})
    cluster_ids = np.sort(mem["cluster_id"].unique())
    cols = ["cluster_id", "name", "economy", "lat", "lon", "n_locations", "places"]
    if len(cluster_ids) == 0:
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
        )[cols]

    lp = location_places[
        ["source", "loc_id", "geonameid", "place_name", "admin1", "country_iso2", "weight"]
    ].astype({"loc_id": np.int64, "geonameid": np.int64})
    lp = lp.merge(mem, on=["source", "loc_id"], how="inner")
    missing = set(lp["source"]) - set(source_totals)
    if missing:
        raise ValueError(f"source_totals lacks {sorted(missing)}")
    tot = lp["source"].map({k: float(v) for k, v in source_totals.items()}).to_numpy()
    lp["output"] = np.divide(
        lp["weight"].to_numpy(np.float64), tot, out=np.zeros(len(lp)), where=tot != 0
    )
    cluster_out = lp.groupby("cluster_id")["output"].sum()

    # economy codes
    eco = lp.groupby(["cluster_id", "country_iso2"], as_index=False)["output"].sum()
    eco["share"] = eco["output"] / eco["cluster_id"].map(cluster_out)
    eco = eco.sort_values(
        ["cluster_id", "share", "country_iso2"], ascending=[True, False, True], kind="stable"
    )
    eco["pos"] = eco.groupby("cluster_id").cumcount()
    eco = eco[(eco["share"] >= economy_min_share) | (eco["pos"] == 0)]
    economy = eco.groupby("cluster_id")["country_iso2"].agg(lambda s: "/".join(map(str, s)))

    # place output, absorption, names
    named_lp = lp[lp["geonameid"] >= 0]
    cp = named_lp.groupby(["cluster_id", "geonameid"], as_index=False)["output"].sum()
    credit = _absorb_map(cp, places, name_absorb_km, name_absorb_ratio)
    cp = cp.merge(credit, on=["cluster_id", "geonameid"])
    cp = cp.groupby(["cluster_id", "credit"], as_index=False)["output"].sum()
    cp = cp.rename(columns={"credit": "geonameid"})
    # place attributes: gazetteer first, location_places as fallback
    info = places[["geonameid", "name", "country_iso2", "admin1"]].drop_duplicates("geonameid")
    fb = (
        named_lp[["geonameid", "place_name", "country_iso2", "admin1"]]
        .drop_duplicates("geonameid")
        .rename(columns={"place_name": "name"})
    )
    info = pd.concat([info, fb[~fb["geonameid"].isin(info["geonameid"])]], ignore_index=True)
    cp = cp.merge(info, on="geonameid", how="left")
    cp["name"] = cp["name"].fillna("").astype(str)
    if name_aliases:  # display names: GeoNames name -> the form the GII prints
        cp["name"] = cp["name"].replace(dict(name_aliases))
    cp["share"] = cp["output"] / cp["cluster_id"].map(cluster_out)
    cp = cp.sort_values(
        ["cluster_id", "output", "name", "geonameid"],
        ascending=[True, False, True, True],
        kind="stable",
    )

    # centroids
    if locations is not None:
        _require(locations, {"source", "loc_id", "lat", "lon", "weight"}, "locations")
        cl = locations[["source", "loc_id", "lat", "lon", "weight"]].astype({"loc_id": np.int64})
        cl = cl.merge(mem, on=["source", "loc_id"], how="inner")
        t = cl["source"].map({k: float(v) for k, v in source_totals.items()}).to_numpy()
        cl["w"] = np.divide(
            cl["weight"].to_numpy(np.float64), t, out=np.zeros(len(cl)), where=t != 0
        )
    else:
        pc = places[["geonameid", "lat", "lon"]].drop_duplicates("geonameid")
        cl = cp[["cluster_id", "geonameid", "output"]].merge(pc, on="geonameid")
        cl = cl.rename(columns={"output": "w"})
    cent = {
        cid: _spherical_centroid(g["lat"].to_numpy(), g["lon"].to_numpy(), g["w"].to_numpy())
        for cid, g in cl.groupby("cluster_id")
    }
    n_loc = mem.groupby("cluster_id")["loc_id"].nunique()

    by_cluster = dict(tuple(cp.groupby("cluster_id")))
    rows = []
    for cid in cluster_ids:
        g = by_cluster.get(cid)
        name, audit = "", ""
        if g is not None and len(g):
            g = g[g["name"] != ""]
        if g is not None and len(g):
            g = g.drop_duplicates("name")  # two places of one name: keep the larger
            keep = g[(g["share"] >= name_min_share)].head(name_max_places)
            if keep.empty:
                keep = g.head(1)
            name = EN_DASH.join(keep["name"]) + _state_suffix(keep)
            audit = "; ".join(
                f"{nm} {sh:.2f}"
                for nm, sh in zip(
                    g["name"].head(audit_places), g["share"].head(audit_places), strict=True
                )
            )
        lat, lon = cent.get(cid, (float("nan"), float("nan")))
        rows.append((int(cid), name, economy.get(cid, ""), lat, lon, int(n_loc.get(cid, 0)), audit))
    out = pd.DataFrame(rows, columns=cols)
    return out.astype(
        {"cluster_id": "int64", "n_locations": "int64", "lat": "float64", "lon": "float64"}
    )


def noise_points(
    locations: pd.DataFrame, membership: pd.DataFrame, min_records: int = 5
) -> pd.DataFrame:
    """Rounded locations outside every cluster with at least ``min_records`` records.

    The GII map's "noise": ``locations`` (``source``, ``loc_id``, ``lat``, ``lon``,
    ``weight``, ``n_records``; current window, the variant's sources) is summed over
    sources per ``loc_id``; a ``loc_id`` is outside clusters when none of its
    ``(source, loc_id)`` rows has ``cluster_id >= 0`` in ``membership`` (attached
    locations are in a cluster). Returns ``loc_id``, ``lat``, ``lon``, ``n_records``,
    ``weight``, sorted by ``loc_id``.
    """
    _require(locations, {"loc_id", "lat", "lon", "weight", "n_records"}, "locations")
    _require(membership, {"loc_id", "cluster_id"}, "membership")
    agg = locations.groupby("loc_id", as_index=False, sort=True).agg(
        lat=("lat", "first"),
        lon=("lon", "first"),
        n_records=("n_records", "sum"),
        weight=("weight", "sum"),
    )
    in_cluster = membership.loc[membership["cluster_id"] >= 0, "loc_id"].unique()
    out = agg[~agg["loc_id"].isin(in_cluster) & (agg["n_records"] >= min_records)]
    out = out.astype({"loc_id": "int64", "n_records": "int64", "weight": "float64"})
    return out[["loc_id", "lat", "lon", "n_records", "weight"]].reset_index(drop=True)
