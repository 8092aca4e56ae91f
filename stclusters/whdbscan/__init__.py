"""Exact weighted HDBSCAN on unit-sphere xyz points.

Weighted definitions (``w`` > 0 per location, chord distance ``d``; the chord orders pairs
as great-circle distance does, so every hierarchy below is the great-circle one):

* core distance ``c(q) = min{r : sum of w over d(q, x) <= r  >=  min_samples_weight}``,
  ``q`` itself included (:mod:`~stclusters.whdbscan.core`);
* mutual reachability ``mr(p, q) = max(c(p), c(q), d(p, q))`` and its minimum spanning
  tree (:mod:`~stclusters.whdbscan.mst`);
* the condensed tree with cluster sizes that are sums of weights, ``min_cluster_weight``
  in record units, and excess-of-mass or leaf selection (:mod:`~stclusters.whdbscan.tree`).

With integer weights this is ``hdbscan.HDBSCAN`` run on the integer copies of each
location with ``min_samples = min_samples_weight - 1`` (``hdbscan`` does not count the
point itself) and ``min_cluster_size = min_cluster_weight``, up to ties (docs/methodology.md).

Co-located points (identical xyz) are merged first, so splitting a location into parts
changes nothing. :func:`build_hierarchy` does the work that depends on
``min_samples_weight`` only; :func:`hierarchy_labels` is cheap, so one hierarchy serves a
whole sweep over ``min_cluster_weight``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stclusters.whdbscan.core import WEIGHT_RTOL, core_distances2
from stclusters.whdbscan.kdtree import build_kdtree
from stclusters.whdbscan.mst import mutual_reachability_mst
from stclusters.whdbscan.tree import LevelTree, condense, labels_from, level_tree, select, stability

__all__ = ["WEIGHT_RTOL", "Hierarchy", "build_hierarchy", "hierarchy_labels", "hdbscan_xyz"]


@dataclass(frozen=True)
class Hierarchy:
    """Everything :func:`hierarchy_labels` needs, for one ``min_samples_weight``.

    ``inverse[i]`` is the unique point of input location ``i`` (-1 for weight <= 0);
    ``weight`` and ``core`` (core distances) are per unique point; ``mst`` holds the
    edges ``(u, v, mutual-reachability distance)`` between unique points.
    """

    inverse: np.ndarray
    weight: np.ndarray
    core: np.ndarray
    mst: tuple[np.ndarray, np.ndarray, np.ndarray]
    tree: LevelTree
    min_samples_weight: float


def _unique_points(xyz: np.ndarray, weight: np.ndarray):
    """Merge identical rows of positive weight: unique xyz, summed weights, inverse."""
    n = len(xyz)
    inverse = np.full(n, -1, dtype=np.int64)
    pos = np.flatnonzero(weight > 0)
    if len(pos) == 0:
        return np.empty((0, 3)), np.empty(0), inverse
    uniq, inv = np.unique(xyz[pos], axis=0, return_inverse=True)
    inv = inv.ravel()
    inverse[pos] = inv
    return uniq, np.bincount(inv, weights=weight[pos], minlength=len(uniq)), inverse


def build_hierarchy(xyz: np.ndarray, weight: np.ndarray, min_samples_weight: float,
                    leaf_size: int = 16) -> Hierarchy:
    """Core distances, mutual-reachability MST and level tree of weighted points."""
    xyz = np.ascontiguousarray(xyz, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64).ravel()
    if xyz.ndim != 2 or xyz.shape[1] != 3 or len(xyz) != len(weight):
        raise ValueError("xyz must be (n, 3) and weight (n,)")
    if not (np.all(np.isfinite(xyz)) and np.all(np.isfinite(weight))):
        raise ValueError("coordinates and weights must be finite")
    if not min_samples_weight > 0:
        raise ValueError(f"min_samples_weight must be > 0, got {min_samples_weight}")
    upts, uw, inverse = _unique_points(xyz, weight)
    n = len(upts)
    if n == 0:
        empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
        return Hierarchy(inverse, uw, np.empty(0), empty,
                         level_tree(0, *empty, uw), float(min_samples_weight))
    kd = build_kdtree(upts, uw, leaf_size)
    xs, ws = upts[kd.perm], uw[kd.perm]
    core2 = core_distances2(kd, xs, ws, float(min_samples_weight))
    u, v, d = mutual_reachability_mst(kd, xs, core2)
    # back from tree order to the unique-point order
    perm = kd.perm
    core = np.empty(n)
    core[perm] = np.sqrt(core2)
    eu, ev = perm[u], perm[v]
    tree = level_tree(n, eu, ev, d, uw)
    return Hierarchy(inverse, uw, core, (eu, ev, d), tree, float(min_samples_weight))


def hierarchy_labels(h: Hierarchy, min_cluster_weight: float,
                     cluster_selection_method: str = "eom",
                     allow_single_cluster: bool = False) -> np.ndarray:
    """Labels of the input locations (``int64``; -1 noise; clusters numbered by their
    condensed-tree id, not renumbered) for one ``min_cluster_weight``."""
    if not min_cluster_weight > 0:
        raise ValueError(f"min_cluster_weight must be > 0, got {min_cluster_weight}")
    ct = condense(h.tree, h.core, float(min_cluster_weight))
    chosen = select(ct, stability(ct, h.weight), cluster_selection_method, allow_single_cluster)
    point_labels = labels_from(ct, chosen)
    inv = h.inverse
    return np.where(inv >= 0, point_labels[np.maximum(inv, 0)] if len(point_labels) else -1,
                    -1).astype(np.int64)


def hdbscan_xyz(xyz: np.ndarray, weight: np.ndarray, min_cluster_weight: float,
                min_samples_weight: float, cluster_selection_method: str = "eom",
                allow_single_cluster: bool = False) -> np.ndarray:
    """One-shot weighted HDBSCAN (:func:`build_hierarchy` + :func:`hierarchy_labels`)."""
    h = build_hierarchy(xyz, weight, min_samples_weight)
    return hierarchy_labels(h, min_cluster_weight, cluster_selection_method,
                            allow_single_cluster)
