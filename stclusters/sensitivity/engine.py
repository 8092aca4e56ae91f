"""The engine: re-clusters, merges and scores runs over a fixed universe of locations.

Nothing spatial is rebuilt per run: each source's neighbour graph is built once per
radius (:func:`stclusters.sensitivity.graphs.radius_graph`, the neighbours of
:func:`stclusters.cluster.neighbour_graph`; rebuilt only when graphs beyond ``graph_mb``
were dropped) and every run re-labels it with
:func:`stclusters.sensitivity.graphs.graph_labels` (the labels of
:func:`stclusters.cluster.dbscan_from_graph`); the cross-source pairs and attachment
candidates are listed once (:func:`stclusters.sensitivity.merge_fast.pair_tables`), so a
run's merge is :func:`~stclusters.sensitivity.merge_fast.merge_labels` (which mirrors
:func:`stclusters.merge.build_st_clusters`); a bootstrap replicate's weights are one
sparse product of the document matrix with the replicate's document multiplicities.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from stclusters.cluster import min_weight_for
from stclusters.geo import to_xyz
from stclusters.sensitivity.documents import SourceData
from stclusters.sensitivity.graphs import Graph, estimate_nbytes, graph_labels, radius_graph
from stclusters.sensitivity.merge_fast import PairTables, merge_labels, pair_tables, release_memory
from stclusters.sensitivity.runs import HDBSCAN, NOMINAL, SOURCE_CODES, STREAMS, Point, Run


def _nbytes(value: Any) -> int:
    if isinstance(value, tuple):
        return sum(_nbytes(v) for v in value)
    return int(getattr(value, "nbytes", 0))


class _Cache(OrderedDict):
    """A small least-recently-inserted cache of at most ``size`` values and, beyond its
    newest value, ``max_bytes`` bytes."""

    def __init__(self, size: int, max_bytes: float = float("inf")):
        super().__init__()
        self.size, self.max_bytes, self.bytes = size, max_bytes, 0

    def get_or(self, key, make: Callable[[], Any]):
        if key in self:
            return self[key]
        value = make()
        self[key] = value
        self.bytes += _nbytes(value)
        while len(self) > self.size or (self.bytes > self.max_bytes and len(self) > 1):
            _, old = self.popitem(last=False)
            self.bytes -= _nbytes(old)
        return value


class Engine:
    """Re-clusters, merges and scores runs over a fixed universe of locations.

    The universe is every ``(source, loc_id)`` of the given sources, ordered by
    ``(source, loc_id)`` as :func:`stclusters.merge.build_st_clusters` orders them
    (``offset[source]``: where a source starts; ``src``: each location's source code,
    the index of the source in sorted order). Built once: the :class:`PairTables`
    (``pairs``) and, lazily, each source's neighbour graph per radius (kept while they
    fit in ``graph_mb``; the caches of replicate weights, labels and merges in
    ``cache_mb`` each; a batch of runs' labels, :meth:`prefetch`, in ``prefetch_mb``). :meth:`merge` then reproduces ``build_st_clusters``'s partition
    for any per-source labels without a spatial query.
    """

    def __init__(
        self,
        sources: Mapping[str, SourceData],
        link_km: float,
        attach_km: float,
        seed: int = 0,
        cache_size: int = 64,
        graph_mb: float = 1500,
        cache_mb: float = 150,
        prefetch_mb: float = 400,
    ):
        self.sources = {s: sources[s] for s in sorted(sources)}
        self.link_km, self.attach_km, self.seed = float(link_km), float(attach_km), int(seed)
        names = list(self.sources)
        sizes = [self.sources[s].n for s in names]
        self.offset = dict(zip(names, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int),
                               strict=True))
        self.n = int(sum(sizes))
        self.src = np.repeat(np.arange(len(names), dtype=np.int8), sizes)
        self._spans = {s: (c, int(self.offset[s]), sizes[c]) for c, s in enumerate(names)}
        lat = np.concatenate([self.sources[s].lat for s in names]) if names else np.empty(0)
        lon = np.concatenate([self.sources[s].lon for s in names]) if names else np.empty(0)
        self.pairs: PairTables = pair_tables(to_xyz(lat, lon), self.src, self.link_km,
                                             self.attach_km)
        self._graphs: OrderedDict[tuple[str, float], Graph] = OrderedDict()
        self.graph_bytes = float(graph_mb) * 1e6
        self.graphs_built = 0
        cache_bytes = float(cache_mb) * 1e6
        self._labels = _Cache(cache_size * max(1, len(names)), cache_bytes)
        self._weights = _Cache(cache_size * max(1, len(names)), cache_bytes)
        self._merged = _Cache(cache_size, cache_bytes)
        self._prefetched: dict[tuple[str, Point, str, int], np.ndarray] = {}
        self.prefetch_bytes = float(prefetch_mb) * 1e6

    def graph(self, source: str, eps_km: float) -> Graph:
        """The source's neighbour graph at radius ``eps_km``
        (:func:`~stclusters.sensitivity.graphs.radius_graph`): built once while the graphs
        fit in ``graph_mb``; older graphs are dropped first to make room for a new one."""
        key = (source, float(eps_km))
        if key in self._graphs:
            self._graphs.move_to_end(key)
            return self._graphs[key]
        s = self.sources[source]
        xyz = to_xyz(s.lat, s.lon)
        tree = cKDTree(xyz) if s.n else None
        need = estimate_nbytes(tree, xyz, float(eps_km)) if s.n else 0
        held = sum(g.nbytes for g in self._graphs.values())
        while self._graphs and held + need > self.graph_bytes:
            _, old = self._graphs.popitem(last=False)
            held -= old.nbytes
            del old
        g = radius_graph(xyz, float(eps_km), tree) if s.n else Graph(
            np.zeros(1, np.int64), np.zeros(0, np.int32))
        self.graphs_built += 1
        self._graphs[key] = g
        release_memory()
        return g

    def replicate_docs(self, source: str, replicate: int) -> np.ndarray:
        """Document multiplicities of bootstrap replicate ``replicate`` (n draws with
        replacement among the source's n documents), seeded by (seed, source, replicate)."""
        n = self.sources[source].n_docs
        rng = np.random.default_rng(
            [self.seed, STREAMS["bootstrap"], SOURCE_CODES.get(source, 99), int(replicate)]
        )
        return np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64) if n else \
            np.zeros(0)

    def weights(self, source: str, counting: str, replicate: int) -> np.ndarray:
        """Location weights of ``source`` under ``counting`` in bootstrap ``replicate``."""
        s = self.sources[source]
        if replicate < 0:
            return s.weight[counting]

        def make():
            if counting not in s.docs:
                raise ValueError(f"{source}: no document table for {counting} counting")
            return np.asarray(s.docs[counting].T @ self.replicate_docs(source, replicate))

        return self._weights.get_or((source, counting, replicate), make)

    def labels(self, source: str, point: Point, counting: str, replicate: int) -> np.ndarray:
        """Per-location cluster labels of ``source`` in a run (-1 noise)."""
        s = self.sources[source]
        if point.kind == HDBSCAN:
            if counting not in s.hdbscan:
                raise ValueError(f"{source}: no HDBSCAN labels for {counting} counting")
            return s.hdbscan[counting]

        key = (source, point, counting, replicate)
        if key in self._prefetched:
            return self._prefetched[key]

        def make():
            eps, share, mw = self._dbscan_params(source, point)
            w = self.weights(source, counting, replicate)
            threshold = min_weight_for(float(w.sum()), min_share=share, min_weight=mw)
            return graph_labels(self.graph(source, eps), w, threshold)

        return self._labels.get_or(key, make)

    def _dbscan_params(self, source: str, point: Point) -> tuple[float, float | None,
                                                                 float | None]:
        """(eps_km, min_share, min_weight) of a DBSCAN point for ``source``."""
        s = self.sources[source]
        if point.kind == NOMINAL:
            return float(s.params["eps_km"]), s.params.get("min_share"), s.params.get(
                "min_weight")
        return float(point.eps_km), point.min_share, None

    def prefetch(self, keys: Iterable[tuple[str, Point, str, int]]) -> None:
        """Compute the labels of ``keys`` ((source, point, counting, replicate)) source
        by source and radius by radius, so that each neighbour graph is needed once
        however few fit in ``graph_mb``; :meth:`labels` returns them until the next
        call. The batch's labels are held at once: see :meth:`batch_runs`."""
        self._prefetched = {}
        todo = sorted({k for k in keys if k[1].kind != HDBSCAN},
                      key=lambda k: (k[0], self._dbscan_params(k[0], k[1])[0]))
        for k in todo:
            self._prefetched[k] = self.labels(*k)

    def batch_runs(self, n_sources: int) -> int:
        """How many runs of ``n_sources`` sources a :meth:`prefetch` may hold labels of
        in ``prefetch_mb``."""
        per_run = 8 * max(1, self.n) * max(1, n_sources) / max(1, len(self.sources))
        return max(1, int(self.prefetch_bytes // per_run))

    def merge(self, labels: Mapping[str, np.ndarray]) -> tuple[np.ndarray, int]:
        """S&T cluster of every universe location (-1: none or source not in the run) for
        per-source ``labels`` (sources left out are absent): the partition of
        :func:`stclusters.merge.build_st_clusters` (see
        :mod:`stclusters.sensitivity.merge_fast`). Cluster ids 0..k-1 are arbitrary;
        returns (ids, k)."""
        return merge_labels(self.pairs, self.n, self._spans, labels, self.attach_km > 0)

    def merged(self, run: Run, sources: Iterable[str]) -> tuple[np.ndarray, int]:
        """:meth:`merge` of a run's clustering (cached by clustering point, counting,
        replicate and sources)."""
        srcs = tuple(sources)
        key = (run.point, run.counting, run.replicate, srcs)
        return self._merged.get_or(
            key,
            lambda: self.merge(
                {s: self.labels(s, run.point, run.counting, run.replicate) for s in srcs}
            ),
        )

    def universe_weights(self, sources: Iterable[str], counting: str, replicate: int
                         ) -> np.ndarray:
        """Location weights over the universe (0 for sources not given)."""
        w = np.zeros(self.n)
        for s in sources:
            o = self.offset[s]
            w[o : o + self.sources[s].n] = self.weights(s, counting, replicate)
        return w
