"""The fast score and rank of a run's S&T clusters, on universe arrays.

Mirrors :func:`stclusters.rank.rank_variant`'s ``{s}_share``, ``score`` and ``rank``
columns (and :func:`stclusters.rank.world_totals`): share = 100 x the cluster's weight
in source ``s`` (members and attached locations) / the source's world total (all its
locations, clustered or not); score = sum over the run's sources of weight_s x share_s;
rank 1..k by descending score. Ties in score: ``rank_variant`` (``_rank_desc``) takes
the lower ``cluster_id``, i.e. the cluster :func:`stclusters.merge.build_st_clusters`
numbered first (higher equal-weight score, then smallest ``(source, loc_id)``); here
the tie goes to the cluster with the smallest ``(source, loc_id)`` (:func:`first_index`),
which is the same whenever the equal-weight scores tie too. The stage stops when the
nominal run's ranks differ from the nominal ranking
(:class:`stclusters.sensitivity.stage.NominalMismatchError`): a change to the score in
``rank.py`` must be made here too.
"""

from __future__ import annotations

import numpy as np


def rank_clusters(score: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Rank 1..k of clusters by score (descending, compared at 1e-9 as in
    ``rank._rank_desc``), ties by ``first`` (ascending)."""
    order = np.lexsort((first, -np.round(score, 9)))
    rank = np.empty(len(score), dtype=np.int64)
    rank[order] = np.arange(1, len(score) + 1)
    return rank


def cluster_shares(
    cid: np.ndarray, k: int, weight: np.ndarray, src: np.ndarray, n_src: int
) -> np.ndarray:
    """``k x n_src`` matrix: each cluster's share (percent) of each source's world total
    (the total over all locations of the source, clustered or not)."""
    totals = np.bincount(src, weights=weight, minlength=n_src)
    inside = cid >= 0
    counts = np.bincount(cid[inside] * n_src + src[inside], weights=weight[inside],
                         minlength=k * n_src).reshape(k, n_src).astype(float)  # int if empty
    return 100.0 * np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def first_index(cid: np.ndarray, k: int) -> np.ndarray:
    """Each cluster's lowest universe index (the tie-breaker)."""
    first = np.full(k, len(cid), dtype=np.int64)
    inside = np.flatnonzero(cid >= 0)
    np.minimum.at(first, cid[inside], inside)
    return first
