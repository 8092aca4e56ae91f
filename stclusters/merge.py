"""From per-source clusters to S&T clusters: merging, attachment, and the GII map's noise
points (names and economy codes: :mod:`stclusters.naming`).

* :func:`build_st_clusters` links source clusters of different sources that lie within
  ``link_km`` of each other, takes connected components as S&T clusters and attaches
  nearby noise locations.
* :func:`describe_clusters` (defined in :mod:`stclusters.naming`, the naming rule, and
  re-exported here) names each cluster after its largest places by output, gives its
  economy code(s) and its output-weighted centroid.
* :func:`noise_points` lists the rounded locations with enough records outside clusters.

Distances are great-circle on a sphere of radius ``EARTH_RADIUS_KM``, computed as chords
between unit-sphere xyz points on KD-trees (see :mod:`stclusters.cluster`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from stclusters.arrays import unique
from stclusters.cluster import _radius
from stclusters.geo import to_xyz
from stclusters.io import require_columns
from stclusters.naming import describe_clusters, naming_options

MEMBER, ATTACHED, NOISE = "member", "attached", "noise"

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
                    keys.append(unique(na * base + nb))
                del found
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = unique(np.concatenate(keys))
    return key // base, key % base


def _labelled(locations: pd.DataFrame, labels: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """``locations`` sorted by (source, loc_id) with each row's source-cluster ``label``;
    errors on duplicate rows, a source without labels or a location without a label."""
    require_columns(locations, {"source", "loc_id", "lat", "lon", "weight"}, "locations")
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
        require_columns(lab, {"loc_id", "label"}, f"labels[{src!r}]")
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
    return loc


def _renumbered(loc: pd.DataFrame, cluster_id: np.ndarray) -> np.ndarray:
    """Cluster ids 0..k-1 by descending normalised weight (the sum over sources of the
    cluster's weight over the source's total), ties by the cluster's smallest row (rows
    are sorted by (source, loc_id)); -1 stays -1."""
    n = len(loc)
    cluster_id = cluster_id.copy()
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
    return cluster_id


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
    loc = _labelled(locations, labels)
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
        cluster_id = _renumbered(loc, cluster_id)
    return pd.DataFrame(
        {
            "source": loc["source"].to_numpy(),
            "loc_id": loc["loc_id"].to_numpy(np.int64),
            "cluster_id": cluster_id,
            "how": how.astype(str),
        }
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
    require_columns(locations, {"loc_id", "lat", "lon", "weight", "n_records"}, "locations")
    require_columns(membership, {"loc_id", "cluster_id"}, "membership")
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


__all__ = [
    "ATTACHED",
    "MEMBER",
    "NOISE",
    "build_st_clusters",
    "describe_clusters",
    "naming_options",
    "noise_points",
]
