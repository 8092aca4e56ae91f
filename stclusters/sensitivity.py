"""Sensitivity of the ranking: how far each cluster's rank moves under the unpublished
choices and under sampling noise.

Five components, each a set of *runs* (a run = one complete re-ranking of the variant):

* ``sweep``: the clustering point: every point of the DBSCAN grid (``sweep.dbscan``,
  one ``(eps_km, min_share)`` applied to all sources at once), plus HDBSCAN at the
  configured parameters (``clustering.hdbscan``);
* ``bootstrap``: documents resampled with replacement (per source, within its current
  window), which reweights the locations; the variant's own clustering parameters are
  re-run on the reweighted locations (density threshold = ``min_share`` x the
  replicate's world total);
* ``weights``: Monte Carlo over the source weights of the score (Dirichlet around the
  nominal weights, or each weight uniform within +-20 %), on the nominal clusters;
* ``counting``: the other counting (fractional <-> whole);
* ``vc``: venture capital toggled (dropped from a variant that has it, added with weight
  1 to one that has not).

Efficiency (everything is vectorised; nothing spatial is rebuilt per run): each source's
neighbour graph is built once per radius (:func:`stclusters.cluster.neighbour_graph`)
and every run re-labels it with :func:`stclusters.cluster.dbscan_from_graph`; the pairs
of locations of different sources within ``link_km`` and each location's candidates
within ``attach_km`` (sorted by distance) are listed once over all locations
(:class:`Engine`), so merging a run into S&T clusters is a filter of those pairs, a
connected-components call on the small graph of source clusters, and a vectorised
"first member candidate" for attachment; the document -> location contributions are one
sparse matrix per source and counting, so a bootstrap replicate's weights are one
sparse product.

Matching: a nominal cluster's counterpart in a run is the run's cluster holding the
largest nominal weight of its member locations (members and attached, ``(source,
loc_id)``; ties to the better-ranked run cluster); its rank in the run is the
counterpart's rank. A nominal cluster none of whose locations is clustered in the run is
*unmatched*: rank = the run's number of clusters + 1 (outside the top ``top_n``).

Pooling: each component counts equally (``pooling: component``: a run of a component
with ``n`` runs weighs ``1/n``) or every run counts once (``pooling: run``); the pooled
rank distribution of each nominal cluster gives the median, the 5th and 95th percentiles
(inverted empirical CDF: observed ranks, no interpolation) and the share of runs in the
top ``top_n``.

Variance-based indices: a joint design over the included components (factors
``clustering``, ``counting``, ``vc``, ``source_weights``, ``documents``) drawn with
SALib's Sobol' sequence sampler (Saltelli scheme, ``N x (factors + 2)`` runs, source
weights a group of one uniform per source mapped through the Gamma inverse CDF to a
Dirichlet, discrete factors by equal-width bins of a uniform); first-order and total
Sobol' indices (SALib ``sobol.analyze``) of each nominal top-``top_n`` cluster's rank
(capped at ``2 x top_n + 1`` so an unmatched run does not dominate the variance), then
averaged over clusters weighted by each cluster's rank variance (= the share of the
summed rank variance; unweighted means are given too). See :func:`sensitivity`.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from stclusters.cluster import _radius, dbscan_from_graph, min_weight_for, neighbour_graph
from stclusters.geo import to_xyz
from stclusters.locations import weighted_rows

COMPONENTS = ("sweep", "bootstrap", "weights", "counting", "vc")
"""The components of the stage, in output order."""

FACTORS = {
    "sweep": "clustering",
    "counting": "counting",
    "vc": "vc",
    "weights": "source_weights",
    "bootstrap": "documents",
}
"""Component -> name of its factor in the joint (Sobol') design and in indices.csv."""

SOURCE_CODES = {"pct": 0, "pub": 1, "vc": 2}
"""Fixed source numbers for seeding: replicate ``b`` draws the same documents of a
source in every variant."""

_STREAM = {"bootstrap": 1, "weights": 2}  # seed-sequence tags of the random streams
_NOMINAL, _HDBSCAN = "nominal", "hdbscan"

log = logging.getLogger("stclusters")


# ------------------------------------------------------------------ documents


def doc_locations(
    placed: pd.DataFrame,
    counting: str = "fractional",
    round_deg: float = 0.01,
    exclude_methods: Sequence[str] = ("region", "country"),
    renormalize: bool = True,
) -> pd.DataFrame:
    """Each document's contribution to each rounded location, for the bootstrap.

    The rows, weights and ``loc_id`` come from :func:`stclusters.locations.weighted_rows`,
    as in :func:`~stclusters.locations.build_locations`, so summing ``weight`` over ``doc`` gives the
    locations table. Returns ``source``, ``doc`` (int64: 0..n-1 per source, in
    ``doc_id`` order), ``year`` (int32), ``loc_id`` (int64), ``weight`` (float64), one row
    per (source, doc, loc_id), sorted by them.
    """
    kept, _ = weighted_rows(placed, counting, round_deg, exclude_methods, renormalize)
    kept["doc_id"] = kept["doc_id"].astype(str)
    docs = []
    for _, g in kept.groupby("source", sort=True):
        codes = pd.Index(np.sort(g["doc_id"].unique()))
        docs.append(pd.Series(codes.get_indexer(g["doc_id"]), index=g.index, dtype=np.int64))
    kept["doc"] = pd.concat(docs) if docs else pd.Series(dtype=np.int64)
    out = (
        kept.groupby(["source", "doc", "loc_id"], sort=True)
        .agg(year=("year", "first"), weight=("weight", "sum"))
        .reset_index()
    )
    out = out.astype({"doc": np.int64, "year": np.int32, "loc_id": np.int64,
                      "weight": np.float64})
    return out[["source", "doc", "year", "loc_id", "weight"]]


# ------------------------------------------------------------------ data of one source


@dataclass
class SourceData:
    """One source's current-window locations, in ``loc_id`` order.

    ``weight[counting]``: the locations table's window weights; ``docs[counting]``: the
    document x location contribution matrix (CSR, ``n_docs`` rows; its column sums are
    ``weight[counting]`` up to float rounding); ``hdbscan[counting]``: cached HDBSCAN
    labels (optional); ``params``: the variant's DBSCAN parameters for this source
    (``eps_km`` and ``min_share`` or ``min_weight``).
    """

    name: str
    loc_id: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    weight: dict[str, np.ndarray]
    docs: dict[str, sparse.csr_matrix] = field(default_factory=dict)
    hdbscan: dict[str, np.ndarray] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.loc_id)

    @property
    def n_docs(self) -> int:
        sizes = {m.shape[0] for m in self.docs.values()}
        if len(sizes) > 1:
            raise ValueError(f"{self.name}: document counts differ between countings")
        return sizes.pop() if sizes else 0


def source_data(
    name: str,
    locations: Mapping[str, pd.DataFrame],
    docs: Mapping[str, pd.DataFrame] | None = None,
    window: Sequence[int] | None = None,
    params: Mapping[str, float] | None = None,
    hdbscan: Mapping[str, pd.DataFrame] | None = None,
) -> SourceData:
    """:class:`SourceData` from windowed location tables (``loc_id``, ``lat``, ``lon``,
    ``weight``; one per counting), the :func:`doc_locations` tables (filtered here to
    ``name`` and the years of ``window``) and HDBSCAN labels tables (``loc_id``,
    ``label``). Every counting must hold the same locations."""
    base = None
    weights = {}
    for counting, frame in locations.items():
        f = frame[frame["source"] == name] if "source" in frame.columns else frame
        f = f.sort_values("loc_id", kind="stable")
        if base is None:
            base = f
        elif not np.array_equal(f["loc_id"].to_numpy(np.int64), base["loc_id"].to_numpy(np.int64)):
            raise ValueError(f"{name}: the {counting} locations differ from the others")
        weights[counting] = f["weight"].to_numpy(np.float64)
    if base is None:
        raise ValueError("give at least one locations table")
    loc = base["loc_id"].to_numpy(np.int64)
    mats = {}
    for counting, d in (docs or {}).items():
        d = d[d["source"] == name] if "source" in d.columns else d
        if window is not None:
            d = d[d["year"].between(int(window[0]), int(window[1]))]
        col = np.searchsorted(loc, d["loc_id"].to_numpy(np.int64))
        col = np.minimum(col, max(len(loc) - 1, 0))
        if len(d) and (len(loc) == 0 or not np.array_equal(loc[col], d["loc_id"].to_numpy())):
            raise ValueError(f"{name}: document locations missing from the {counting} table")
        # documents outside the window do not exist for the bootstrap: renumber 0..n-1
        _, row = np.unique(d["doc"].to_numpy(np.int64), return_inverse=True)
        n_docs = int(row.max()) + 1 if len(row) else 0
        mats[counting] = sparse.csr_matrix(
            (d["weight"].to_numpy(np.float64), (row.ravel(), col)), shape=(n_docs, len(loc))
        )
    hdb = {}
    for counting, lab in (hdbscan or {}).items():
        s = lab.set_index("loc_id")["label"].reindex(loc)
        if s.isna().any():
            raise ValueError(f"{name}: HDBSCAN labels ({counting}) miss locations")
        hdb[counting] = s.to_numpy(np.int64)
    return SourceData(
        name=name,
        loc_id=loc,
        lat=base["lat"].to_numpy(np.float64),
        lon=base["lon"].to_numpy(np.float64),
        weight=weights,
        docs=mats,
        hdbscan=hdb,
        params={k: float(v) for k, v in (params or {}).items() if v is not None},
    )


# ------------------------------------------------------------------ runs


@dataclass(frozen=True)
class Point:
    """A clustering point: the variant's own parameters (``nominal``), one DBSCAN
    ``(eps_km, min_share)`` for all sources, or ``hdbscan`` (cached labels)."""

    kind: str  # nominal | dbscan | hdbscan
    eps_km: float = math.nan
    min_share: float = math.nan

    @property
    def label(self) -> str:
        if self.kind == "dbscan":
            return f"dbscan eps_km={self.eps_km:g} min_share={self.min_share:g}"
        return self.kind


@dataclass(frozen=True)
class Run:
    """One re-ranking: clustering point, counting, whether VC is in, bootstrap replicate
    (-1: the data as they are) and source weights (None: nominal)."""

    point: Point
    counting: str
    vc_in: bool
    replicate: int = -1
    weights: tuple[tuple[str, float], ...] | None = None


class _Cache(OrderedDict):
    """A small least-recently-inserted cache."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_or(self, key, make: Callable[[], Any]):
        if key in self:
            return self[key]
        value = make()
        self[key] = value
        while len(self) > self.size:
            self.popitem(last=False)
        return value


class Engine:
    """Re-clusters, merges and scores runs over a fixed universe of locations.

    The universe is every ``(source, loc_id)`` of the given sources, ordered by
    ``(source, loc_id)`` as :func:`stclusters.merge.build_st_clusters` orders them.
    Built once: the cross-source location pairs within ``link_km``, each location's
    other locations within ``attach_km`` sorted by distance (CSR), and (lazily) each
    source's neighbour graph per radius. :meth:`merge` then reproduces
    ``build_st_clusters`` for any per-source labels without a spatial query.
    """

    def __init__(
        self,
        sources: Mapping[str, SourceData],
        link_km: float,
        attach_km: float,
        seed: int = 0,
        cache_size: int = 64,
    ):
        self.sources = {s: sources[s] for s in sorted(sources)}
        self.link_km, self.attach_km, self.seed = float(link_km), float(attach_km), int(seed)
        names = list(self.sources)
        sizes = [self.sources[s].n for s in names]
        self.offset = dict(zip(names, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int),
                               strict=True))
        self.n = int(sum(sizes))
        self.src = np.repeat(np.arange(len(names), dtype=np.int8), sizes)
        lat = np.concatenate([self.sources[s].lat for s in names]) if names else np.empty(0)
        lon = np.concatenate([self.sources[s].lon for s in names]) if names else np.empty(0)
        self._pairs(to_xyz(lat, lon))
        self._graphs: dict[tuple[str, float], sparse.csr_matrix] = {}
        self._labels = _Cache(cache_size * max(1, len(names)))
        self._weights = _Cache(cache_size * max(1, len(names)))
        self._merged = _Cache(cache_size)

    # -- precomputation
    def _pairs(self, xyz: np.ndarray) -> None:
        r_link = _radius(self.link_km) if self.link_km > 0 else -1.0
        r_att = _radius(self.attach_km) if self.attach_km > 0 else -1.0
        r = max(r_link, r_att)
        idx = np.int32 if self.n < np.iinfo(np.int32).max else np.int64
        if self.n < 2 or r < 0:
            i = j = np.empty(0, idx)
            d = np.empty(0)
        else:
            p = cKDTree(xyz).query_pairs(r, output_type="ndarray")
            i, j = p[:, 0].astype(idx), p[:, 1].astype(idx)
            del p
            d = np.sqrt(((xyz[i] - xyz[j]) ** 2).sum(axis=1))
        # cross-source pairs within link_km, grouped by source pair (i < j: src_i <= src_j)
        cross = (self.src[i] != self.src[j]) & (d <= r_link)
        li, lj = i[cross], j[cross]
        pair_src = self.src[li].astype(np.int64) * 128 + self.src[lj]
        self.links: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        for key in np.unique(pair_src):
            m = pair_src == key
            self.links[(int(key) // 128, int(key) % 128)] = (li[m], lj[m])
        self.n_link_pairs = len(li)
        del li, lj, pair_src
        att = d <= r_att
        u = np.concatenate([i[att], j[att]])
        v = np.concatenate([j[att], i[att]])
        dd = np.concatenate([d[att], d[att]])
        o = np.lexsort((v, dd, u))  # by location, then distance, then index
        self.att_v = v[o]
        self.att_ptr = np.concatenate([[0], np.cumsum(np.bincount(u, minlength=self.n))])

    def graph(self, source: str, eps_km: float) -> sparse.csr_matrix:
        key = (source, float(eps_km))
        if key not in self._graphs:
            s = self.sources[source]
            self._graphs[key] = neighbour_graph(s.lat, s.lon, float(eps_km))
        return self._graphs[key]

    # -- per-run pieces
    def replicate_docs(self, source: str, replicate: int) -> np.ndarray:
        """Document multiplicities of bootstrap replicate ``replicate`` (n draws with
        replacement among the source's n documents), seeded by (seed, source, replicate)."""
        n = self.sources[source].n_docs
        rng = np.random.default_rng(
            [self.seed, _STREAM["bootstrap"], SOURCE_CODES.get(source, 99), int(replicate)]
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
        if point.kind == _HDBSCAN:
            if counting not in s.hdbscan:
                raise ValueError(f"{source}: no HDBSCAN labels for {counting} counting")
            return s.hdbscan[counting]

        def make():
            if point.kind == _NOMINAL:
                eps = s.params["eps_km"]
                share, mw = s.params.get("min_share"), s.params.get("min_weight")
            else:
                eps, share, mw = point.eps_km, point.min_share, None
            w = self.weights(source, counting, replicate)
            threshold = min_weight_for(float(w.sum()), min_share=share, min_weight=mw)
            return dbscan_from_graph(self.graph(source, eps), w, threshold)

        return self._labels.get_or((source, point, counting, replicate), make)

    def merge(self, labels: Mapping[str, np.ndarray]) -> tuple[np.ndarray, int]:
        """S&T cluster of every universe location (-1: none or source not in the run) for
        per-source ``labels`` (sources left out are absent), as ``build_st_clusters``:
        source clusters linked across sources within ``link_km``, connected components,
        noise locations attached to the cluster of their nearest member within
        ``attach_km``. Cluster ids 0..k-1 are arbitrary; returns (ids, k)."""
        lab = np.full(self.n, -2, dtype=np.int64)  # -2: source not in the run
        node = np.full(self.n, -1, dtype=np.int64)
        n_nodes = 0
        for s, arr in labels.items():
            o, m = self.offset[s], self.sources[s].n
            arr = np.asarray(arr, dtype=np.int64)
            lab[o : o + m] = arr
            node[o : o + m] = np.where(arr >= 0, arr + n_nodes, -1)
            n_nodes += int(arr.max()) + 1 if len(arr) and arr.max() >= 0 else 0
        member = lab >= 0
        cid = np.full(self.n, -1, dtype=np.int64)
        if n_nodes == 0:
            return cid, 0
        codes = {list(self.sources).index(s) for s in labels}
        parts_a, parts_b = [], []
        for (sa, sb), (li, lj) in self.links.items():
            if sa in codes and sb in codes:
                keep = np.flatnonzero(member[li] & member[lj])
                parts_a.append(node[li[keep]])
                parts_b.append(node[lj[keep]])
        a = np.concatenate(parts_a) if parts_a else np.empty(0, np.int64)
        b = np.concatenate(parts_b) if parts_b else np.empty(0, np.int64)
        if n_nodes * n_nodes <= 50_000_000:  # dedupe the node pairs on a dense bitmap
            seen = np.zeros(n_nodes * n_nodes, dtype=bool)
            seen[a * n_nodes + b] = True
            flat = np.flatnonzero(seen)
            a, b = flat // n_nodes, flat % n_nodes
        g = sparse.csr_matrix((np.ones(len(a), dtype=bool), (a, b)), shape=(n_nodes, n_nodes))
        _, comp = connected_components(g, directed=True, connection="weak")
        cid[member] = comp[node[member]]
        # attachment: each noise location's first candidate (nearest) that is a member
        noise = np.flatnonzero(lab == -1)
        if self.attach_km > 0 and len(noise):
            starts = self.att_ptr[noise]
            lens = self.att_ptr[noise + 1] - starts
            has = lens > 0
            noise, starts, lens = noise[has], starts[has], lens[has]
            if len(noise):
                cum = np.cumsum(lens)
                pos = np.arange(int(cum[-1]), dtype=np.int64) - np.repeat(cum - lens - starts,
                                                                          lens)
                cand = self.att_v[pos]
                ok = np.flatnonzero(member[cand])
                row = np.searchsorted(cum, ok, side="right")  # which noise location
                first = np.ones(len(ok), dtype=bool)
                first[1:] = row[1:] != row[:-1]
                cid[noise[row[first]]] = cid[cand[ok[first]]]
        present, inv = np.unique(cid[cid >= 0], return_inverse=True)
        cid[cid >= 0] = inv.ravel()
        return cid, len(present)

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


# ------------------------------------------------------------------ scores and ranks


def rank_clusters(score: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Rank 1..k of clusters by score (descending), ties by ``first`` (ascending)."""
    order = np.lexsort((first, -score))
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
                         minlength=k * n_src).reshape(k, n_src)
    return 100.0 * np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def first_index(cid: np.ndarray, k: int) -> np.ndarray:
    """Each cluster's lowest universe index (the tie-breaker)."""
    first = np.full(k, len(cid), dtype=np.int64)
    inside = np.flatnonzero(cid >= 0)
    np.minimum.at(first, cid[inside], inside)
    return first


def match_ranks(
    nominal: np.ndarray, k_nominal: int, run: np.ndarray, run_rank: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """Rank in a run of each nominal cluster's counterpart: the run cluster holding the
    largest ``weight`` of its locations (ties: the better-ranked run cluster);
    unmatched clusters get ``len(run_rank) + 1``."""
    k_run = len(run_rank)
    out = np.full(k_nominal, k_run + 1, dtype=np.int64)
    both = (nominal >= 0) & (run >= 0)
    if k_run == 0 or not both.any():
        return out
    key = nominal[both] * k_run + (run_rank[run[both]] - 1)
    ov = np.bincount(key, weights=weight[both], minlength=k_nominal * k_run)
    ov = ov.reshape(k_nominal, k_run)
    best = ov.argmax(axis=1)  # first maximum = best-ranked run cluster
    hit = ov[np.arange(k_nominal), best] > 0
    out[hit] = best[hit] + 1
    return out


def weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, qs: Sequence[float]
) -> np.ndarray:
    """Row-wise weighted quantiles of ``values`` (rows x runs): the smallest observed
    value whose weighted empirical CDF reaches ``q`` (inverted CDF, no interpolation).
    Returns ``len(qs) x rows``."""
    values = np.asarray(values)
    w = np.asarray(weights, dtype=np.float64)
    order = np.argsort(values, axis=1, kind="stable")
    sv = np.take_along_axis(values, order, axis=1)
    cw = np.cumsum(w[order], axis=1)
    cw /= cw[:, -1:]
    out = np.empty((len(qs), values.shape[0]), dtype=values.dtype)
    for n, q in enumerate(qs):
        pos = (cw < q - 1e-12).sum(axis=1)
        out[n] = sv[np.arange(values.shape[0]), np.minimum(pos, values.shape[1] - 1)]
    return out


def weight_vectors(
    u: np.ndarray, nominal: np.ndarray, scheme: str, concentration: float, halfwidth: float
) -> np.ndarray:
    """Source-weight vectors from uniforms ``u`` (draws x sources).

    ``dirichlet``: independent Gamma(concentration x nominal_s / sum(nominal)) variates
    (inverse CDF of ``u``), i.e. a Dirichlet around the nominal proportions once
    normalised, scaled to the nominal sum; ``uniform20``: nominal_s x U(1 - halfwidth,
    1 + halfwidth). Ranks depend on the weights only up to a common factor.
    """
    from scipy.stats import gamma

    nominal = np.asarray(nominal, dtype=np.float64)
    u = np.clip(np.asarray(u, dtype=np.float64), 1e-12, 1 - 1e-12)
    if scheme == "dirichlet":
        alpha = concentration * nominal / nominal.sum()
        g = gamma.ppf(u, alpha)
        return g / g.sum(axis=1, keepdims=True) * nominal.sum()
    if scheme == "uniform20":
        return nominal * (1.0 - halfwidth + 2.0 * halfwidth * u)
    raise ValueError(f"unknown weight scheme {scheme!r} (dirichlet | uniform20)")


# ------------------------------------------------------------------ the stage


@dataclass
class Settings:
    """The ``sensitivity`` config section, resolved (see config.yaml)."""

    components: Sequence[str] = COMPONENTS
    grid: Sequence[tuple[float, float]] = ()
    hdbscan: bool = True
    replicates: int = 200
    draws: int = 1000
    scheme: str = "dirichlet"
    concentration: float = 20.0
    halfwidth: float = 0.2
    base_samples: int = 64
    pooling: str = "component"
    seed: int = 0
    top_n: int = 100


def _nominal_table(
    engine: Engine, membership: pd.DataFrame, ranking: pd.DataFrame
) -> tuple[np.ndarray, pd.DataFrame]:
    """Nominal cluster index (0..K-1 in rank order) of every universe location, and the
    nominal clusters (cluster_id, name, economy, rank) in rank order."""
    nom = ranking.sort_values("rank", kind="stable").reset_index(drop=True)
    pos = pd.Series(np.arange(len(nom)), index=nom["cluster_id"].to_numpy(np.int64))
    out = np.full(engine.n, -1, dtype=np.int64)
    m = membership[membership["cluster_id"] >= 0]
    for s, g in m.groupby("source"):
        if s not in engine.sources:
            continue
        loc = engine.sources[s].loc_id
        idx = np.searchsorted(loc, g["loc_id"].to_numpy(np.int64))
        idx = np.minimum(idx, max(len(loc) - 1, 0))
        ok = loc[idx] == g["loc_id"].to_numpy(np.int64)
        k = pos.reindex(g["cluster_id"].to_numpy(np.int64)).to_numpy()
        ok &= ~np.isnan(k)
        out[engine.offset[s] + idx[ok]] = k[ok].astype(np.int64)
    return out, nom


def sensitivity(
    engine: Engine,
    membership: pd.DataFrame,
    ranking: pd.DataFrame,
    variant_weights: Mapping[str, float],
    counting: str,
    settings: Settings,
    vc_weight: float = 1.0,
    logger: logging.Logger | None = None,
) -> dict[str, pd.DataFrame]:
    """Run every component and the joint design; summarise the ranks.

    ``membership`` / ``ranking``: the variant's nominal S&T clusters
    (``results/cluster/{variant}/membership.parquet``, ``results/ranking/{variant}/
    clusters.parquet``: ``cluster_id``, ``rank``, ``name``, ``economy``, ``{s}_share``);
    ``variant_weights``: the nominal source weights; ``counting``: the nominal counting
    (the other one is the ``counting`` component's); ``vc_weight``: the weight of VC when
    the ``vc`` component adds it. Returns frames ``uncertainty``, ``by_component``,
    ``indices``, ``runs``, ``ranks`` (run_id, cluster_id, rank) and ``checks`` (the
    nominal reproduction).
    """
    lg = logger or log
    st = settings
    unknown = set(st.components) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown sensitivity components {sorted(unknown)}")
    base_sources = tuple(s for s in engine.sources if s in variant_weights)
    if set(base_sources) != set(variant_weights):
        raise ValueError("the engine lacks sources of the variant")
    alt_counting = "whole" if counting == "fractional" else "fractional"
    has_vc = "vc" in base_sources
    vc_ok = "vc" in engine.sources and engine.sources["vc"].n > 0
    toggled = (tuple(s for s in base_sources if s != "vc") if has_vc
               else tuple(sorted((*base_sources, "vc"))))
    all_w = dict(variant_weights)
    if not has_vc:
        all_w["vc"] = float(vc_weight)
    all_names = [s for s in engine.sources if s in all_w]
    comps = [c for c in COMPONENTS if c in st.components]
    if "vc" in comps and (not vc_ok or not toggled):
        lg.info("vc component skipped: no VC locations, or VC is the only source")
        comps.remove("vc")
    if "counting" in comps and not all(alt_counting in engine.sources[s].weight
                                       for s in base_sources):
        raise ValueError(f"counting component needs the {alt_counting} locations")

    nom_idx, nominal = _nominal_table(engine, membership, ranking)
    k_nom = len(nominal)
    w0 = engine.universe_weights(base_sources, counting, -1)
    src_names = list(engine.sources)
    src_code = {s: i for i, s in enumerate(src_names)}
    src64 = engine.src.astype(np.int64)

    points = [Point(_NOMINAL)]
    for e, m in st.grid:
        points.append(Point("dbscan", float(e), float(m)))
    if st.hdbscan:
        points.append(Point(_HDBSCAN))

    runs_meta: list[dict[str, Any]] = []
    rank_cols: list[np.ndarray] = []

    def evaluate(run: Run) -> tuple[np.ndarray, int]:
        srcs = base_sources if run.vc_in == has_vc else toggled
        cid, k = engine.merged(run, srcs)
        wts = dict(run.weights) if run.weights is not None else all_w
        wt = engine.universe_weights(srcs, run.counting, run.replicate)
        shares = cluster_shares(cid, k, wt, src64, len(src_names))
        vec = np.zeros(len(src_names))
        for s in srcs:
            vec[src_code[s]] = wts[s]
        score = shares @ vec
        rank = rank_clusters(score, first_index(cid, k))
        return match_ranks(nom_idx, k_nom, cid, rank, w0), k

    def record(component: str, run: Run, ranks: np.ndarray, k: int, **extra) -> None:
        srcs = base_sources if run.vc_in == has_vc else toggled
        wts = dict(run.weights) if run.weights is not None else all_w
        row = {"run_id": len(runs_meta), "component": component, "point": run.point.label,
               "counting": run.counting, "vc": "vc" in srcs, "replicate": run.replicate}
        for s in all_names:
            row[f"weight_{s}"] = float(wts[s]) if s in srcs else np.nan
        row["n_clusters"] = int(k)
        row.update(extra)
        runs_meta.append(row)
        rank_cols.append(ranks.astype(np.int64))

    nominal_run = Run(Point(_NOMINAL), counting, has_vc)
    ranks0, k0 = evaluate(nominal_run)
    record("nominal", nominal_run, ranks0, k0)
    mismatch = int((ranks0 != nominal["rank"].to_numpy()).sum())
    lg.info("nominal reproduced: %d clusters (published %d), %d ranks differ", k0, k_nom,
            mismatch)

    if "sweep" in comps:
        for p in points[1:]:
            run = Run(p, counting, has_vc)
            record("sweep", run, *evaluate(run))
        lg.info("sweep: %d points", len(points) - 1)
    if "bootstrap" in comps:
        for b in range(st.replicates):
            run = Run(Point(_NOMINAL), counting, has_vc, replicate=b)
            record("bootstrap", run, *evaluate(run))
        lg.info("bootstrap: %d replicates", st.replicates)
    if "weights" in comps and st.draws > 0:
        _weight_draws(engine, nominal, base_sources, variant_weights, counting, has_vc, st,
                      all_names, record)
        lg.info("weights: %d draws (%s)", st.draws, st.scheme)
    if "counting" in comps:
        run = Run(Point(_NOMINAL), alt_counting, has_vc)
        record("counting", run, *evaluate(run))
    if "vc" in comps:
        run = Run(Point(_NOMINAL), counting, not has_vc)
        record("vc", run, *evaluate(run))

    factors = [c for c in comps if c != "weights" or st.draws > 0]
    factors = [c for c in factors if c != "bootstrap" or st.replicates > 0]
    factors = [c for c in factors if c != "sweep" or len(points) > 1]
    joint_y, problem = None, None
    if factors and st.base_samples > 0:
        joint_y, problem = _joint(engine, evaluate, record, factors, points, counting,
                                  alt_counting, has_vc, all_w, all_names, st)
        lg.info("joint design: %d runs over %s", joint_y.shape[1], ", ".join(problem["groups"]))

    R = np.column_stack(rank_cols)  # clusters x runs
    meta = pd.DataFrame(runs_meta)
    comp = meta["component"].to_numpy()
    uncertainty = _summary(nominal, R, comp, [c for c in comps], st)
    by_comp = _by_component(nominal, R, comp, st)
    indices = _indices(nominal, joint_y, problem, st)
    ranks = pd.DataFrame({
        "run_id": np.repeat(meta["run_id"].to_numpy(np.int64), k_nom),
        "cluster_id": np.tile(nominal["cluster_id"].to_numpy(np.int64), len(meta)),
        "rank": R.T.ravel().astype(np.int64),
    })
    checks = pd.DataFrame([{"nominal_clusters": k_nom, "engine_clusters": k0,
                            "ranks_differing": mismatch}])
    return {"uncertainty": uncertainty, "by_component": by_comp, "indices": indices,
            "runs": meta, "ranks": ranks, "checks": checks}


def _weight_draws(engine, nominal, base_sources, variant_weights, counting, has_vc, st,
                  all_names, record) -> None:
    """The weights component: nominal clusters, scores = shares @ weight draws."""
    rng = np.random.default_rng([st.seed, _STREAM["weights"]])
    srcs = list(base_sources)
    nom_w = np.array([variant_weights[s] for s in srcs], dtype=np.float64)
    W = weight_vectors(rng.random((st.draws, len(srcs))), nom_w, st.scheme,
                       st.concentration, st.halfwidth)
    cols = [f"{s}_share" for s in srcs]
    missing = [c for c in cols if c not in nominal.columns]
    if missing:
        raise ValueError(f"ranking lacks {missing}")
    shares = nominal[cols].to_numpy(np.float64)
    scores = shares @ W.T  # clusters x draws
    ids = nominal["cluster_id"].to_numpy(np.int64)
    k = len(nominal)
    for d in range(st.draws):
        rank = rank_clusters(scores[:, d], ids)
        run = Run(Point(_NOMINAL), counting, has_vc,
                  weights=tuple(zip(srcs, W[d].tolist(), strict=True)))
        record("weights", run, rank, k)


def _joint(engine, evaluate, record, factors, points, counting, alt_counting, has_vc, all_w,
           all_names, st):
    """The joint design (SALib Sobol' sequence, Saltelli scheme) over the factors."""
    from SALib.sample import sobol as sobol_sample

    names, groups = [], []
    for c in factors:
        if c == "weights":
            for s in all_names:
                names.append(f"weight_{s}")
                groups.append(FACTORS[c])
        else:
            names.append(FACTORS[c])
            groups.append(FACTORS[c])
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
               "groups": groups}
    X = sobol_sample.sample(problem, int(st.base_samples), calc_second_order=False,
                            scramble=True, seed=int(st.seed))
    col = {n: i for i, n in enumerate(names)}
    nom_w = np.array([all_w[s] for s in all_names], dtype=np.float64)
    if "weights" in factors:
        W = weight_vectors(X[:, [col[f"weight_{s}"] for s in all_names]], nom_w, st.scheme,
                           st.concentration, st.halfwidth)
    ys = []
    for r in range(len(X)):
        x = X[r]
        point = (points[min(int(x[col["clustering"]] * len(points)), len(points) - 1)]
                 if "sweep" in factors else Point(_NOMINAL))
        cnt = (alt_counting if x[col["counting"]] >= 0.5 else counting) \
            if "counting" in factors else counting
        vc_in = (not has_vc if x[col["vc"]] >= 0.5 else has_vc) if "vc" in factors else has_vc
        rep = (min(int(x[col["documents"]] * st.replicates), st.replicates - 1)
               if "bootstrap" in factors else -1)
        wts = (tuple(zip(all_names, W[r].tolist(), strict=True))
               if "weights" in factors else None)
        run = Run(point, cnt, vc_in, rep, wts)
        ranks, k = evaluate(run)
        record("joint", run, ranks, k)
        ys.append(ranks)
    return np.column_stack(ys), problem


def _summary(nominal, R, comp, comps, st) -> pd.DataFrame:
    """Pooled rank distribution of each nominal cluster over the components' runs."""
    use = np.isin(comp, comps)
    out = nominal[["cluster_id", "name", "economy", "rank"]].copy().reset_index(drop=True)
    if not use.any():  # nothing but the nominal run
        use = comp == "nominal"
    sub = R[:, use]
    c = comp[use]
    if st.pooling == "component":
        _, inv, counts = np.unique(c, return_inverse=True, return_counts=True)
        w = 1.0 / counts[inv]
    elif st.pooling == "run":
        w = np.ones(len(c))
    else:
        raise ValueError(f"unknown pooling {st.pooling!r} (component | run)")
    q = weighted_quantiles(sub, w, [0.05, 0.25, 0.5, 0.75, 0.95])
    out["median_rank"] = q[2]
    out["p05_rank"] = q[0]
    out["p95_rank"] = q[4]
    out["share_top100"] = np.clip((sub <= st.top_n).astype(float) @ w / w.sum(), 0.0, 1.0)
    out["p25_rank"] = q[1]
    out["p75_rank"] = q[3]
    out["interval_width"] = out["p95_rank"] - out["p05_rank"]
    out["best_rank"] = sub.min(axis=1)
    out["worst_rank"] = sub.max(axis=1)
    out["n_runs"] = sub.shape[1]
    return out


def _by_component(nominal, R, comp, st) -> pd.DataFrame:
    """The same summary per component (``joint``: the joint design's runs)."""
    parts = []
    for c in [*COMPONENTS, "joint"]:
        m = comp == c
        if not m.any():
            continue
        sub = R[:, m]
        q = weighted_quantiles(sub, np.ones(sub.shape[1]), [0.05, 0.5, 0.95])
        parts.append(pd.DataFrame({
            "cluster_id": nominal["cluster_id"].to_numpy(),
            "name": nominal["name"].to_numpy(),
            "rank": nominal["rank"].to_numpy(),
            "component": c,
            "n_runs": sub.shape[1],
            "median_rank": q[1],
            "p05_rank": q[0],
            "p95_rank": q[2],
            "share_top100": (sub <= st.top_n).mean(axis=1),
            "best_rank": sub.min(axis=1),
            "worst_rank": sub.max(axis=1),
        }))
    if not parts:
        return pd.DataFrame(columns=["cluster_id", "name", "rank", "component", "n_runs",
                                     "median_rank", "p05_rank", "p95_rank", "share_top100",
                                     "best_rank", "worst_rank"])
    return pd.concat(parts, ignore_index=True)


INDEX_COLUMNS = ["factor", "S1", "S1_conf", "ST", "ST_conf", "S1_mean", "ST_mean",
                 "n_clusters", "n_runs"]
_RESAMPLES = 200  # bootstrap resamples of the joint runs for the confidence intervals


def _indices(nominal, Y, problem, st) -> pd.DataFrame:
    """First-order and total Sobol' indices of the rank of each nominal top-n cluster
    (capped at ``2 top_n + 1``), aggregated over clusters weighted by rank variance:
    ``S = sum_k Var(Y_k) S_k / sum_k Var(Y_k)``, the share of the summed rank variance.
    ``*_conf``: half-width of the 95 % interval of the aggregate, from SALib's bootstrap
    resamples of the runs (the same resamples for every cluster, so the aggregate is
    resampled as a whole). ``*_mean``: unweighted means over the clusters whose rank
    varies at all."""
    if Y is None:
        return pd.DataFrame(columns=INDEX_COLUMNS)
    from SALib.analyze import sobol as sobol_analyze
    from scipy.stats import norm

    groups = list(dict.fromkeys(problem["groups"]))
    g = len(groups)
    cap = 2 * st.top_n + 1
    top = np.flatnonzero(nominal["rank"].to_numpy() <= st.top_n)
    acc = {k: np.zeros(g) for k in ("S1", "ST", "u1", "ut")}
    res_acc = {k: np.zeros((_RESAMPLES, g)) for k in ("S1", "ST")}
    total_var, n_used = 0.0, 0
    for i in top:
        y = np.minimum(Y[i].astype(np.float64), cap)
        var = float(np.var(y))
        if not var > 0:
            continue  # a rank that never moves: no variance to apportion
        res = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                    num_resamples=_RESAMPLES, conf_level=0.95,
                                    print_to_console=False, keep_resamples=True,
                                    seed=int(st.seed))
        for k in ("S1", "ST"):
            est = np.nan_to_num(np.asarray(res[k], dtype=np.float64))
            acc[k] += var * est
            acc["u1" if k == "S1" else "ut"] += est
            res_acc[k] += var * np.nan_to_num(np.asarray(res[f"{k}_conf_all"], np.float64))
        total_var += var
        n_used += 1
    z = float(norm.ppf(0.975))
    rows = []
    for j, name in enumerate(groups):
        row = {"factor": name}
        for k in ("S1", "ST"):
            if total_var > 0:
                row[k] = acc[k][j] / total_var
                row[f"{k}_conf"] = z * float(np.std(res_acc[k][:, j] / total_var, ddof=1))
            else:
                row[k] = row[f"{k}_conf"] = np.nan
        row["S1_mean"] = acc["u1"][j] / n_used if n_used else np.nan
        row["ST_mean"] = acc["ut"][j] / n_used if n_used else np.nan
        row["n_clusters"] = n_used
        row["n_runs"] = Y.shape[1]
        rows.append(row)
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


# ------------------------------------------------------------------ config


def variant_for(
    config: Mapping[str, Any],
    name: str,
    with_vc: bool = False,
    vc_weight: float = 1.0,
    algorithm: str | None = None,
    counting: str | None = None,
) -> dict[str, Any]:
    """Variant ``name`` resolved (:func:`stclusters.variants.resolve_variant`) with VC
    added at ``vc_weight`` when it lacks it (``with_vc``), and/or another clustering
    algorithm or counting: the descriptions whose cached labels the stage reads."""
    import copy

    from stclusters.variants import resolve_variant

    cfg = copy.deepcopy({k: config[k] for k in ("variants", "windows", "clustering",
                                                 "counting", "locations")})
    v = cfg["variants"][name]
    if with_vc and "vc" not in v["sources"]:
        v["sources"]["vc"] = float(vc_weight)
    if algorithm is not None:
        v.setdefault("clustering", {})["algorithm"] = algorithm
    if counting is not None:
        v["counting"] = counting
    return resolve_variant(cfg, name)


def settings_from_config(config: Mapping[str, Any]) -> Settings:
    """:class:`Settings` from the validated config (``sensitivity`` section, the sweep
    grid ``sweep.dbscan`` and ``top_n``)."""
    sc = config["sensitivity"]
    grid = [(float(e), float(m)) for e in config["sweep"]["dbscan"]["eps_km"]
            for m in config["sweep"]["dbscan"]["min_share"]]
    return Settings(
        components=list(sc["components"]),
        grid=grid,
        hdbscan=bool(sc["sweep"]["hdbscan"]),
        replicates=int(sc["bootstrap"]["replicates"]),
        draws=int(sc["weights"]["draws"]),
        scheme=str(sc["weights"]["scheme"]),
        concentration=float(sc["weights"]["concentration"]),
        halfwidth=float(sc["weights"]["halfwidth"]),
        base_samples=int(sc["joint"]["base_samples"]),
        pooling=str(sc["pooling"]),
        seed=int(sc["seed"]),
        top_n=int(sc["top_n"] if sc.get("top_n") is not None else config["top_n"]),
    )


def countings_for(config: Mapping[str, Any], name: str) -> list[str]:
    """The variant's counting, then the other one when the counting component is on."""
    from stclusters.variants import resolve_variant

    c = resolve_variant(config, name)["counting"]
    other = "whole" if c == "fractional" else "fractional"
    return [c, other] if "counting" in config["sensitivity"]["components"] else [c]


def stage_variant(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The variant as the stage sees it: resolved, with VC (weight 1) when the vc
    component is on."""
    return variant_for(config, name, with_vc="vc" in config["sensitivity"]["components"])


def stage_inputs(config: Mapping[str, Any], name: str) -> dict[str, str]:
    """Input files of the stage for variant ``name``: location and document tables per
    counting, HDBSCAN labels per source and counting (when that point is on), the
    nominal per-source labels (checked against the in-process DBSCAN), and the nominal
    membership and ranking."""
    from stclusters.variants import labels_path, locations_spec

    sc = config["sensitivity"]
    full = stage_variant(config, name)
    inputs = {}
    for c in countings_for(config, name):
        spec = locations_spec(c, full["round_deg"])
        inputs[f"locations_{c}"] = f"results/locations/{spec}/locations.parquet"
        inputs[f"docs_{c}"] = f"results/sensitivity/docs/{spec}/doc_locations.parquet"
        if sc["sweep"]["hdbscan"] and "sweep" in sc["components"]:
            hdb = variant_for(config, name, with_vc="vc" in sc["components"],
                              algorithm="hdbscan", counting=c)
            for s in full["sources"]:
                inputs[f"hdbscan_{s}_{c}"] = labels_path(hdb, s)
    for s in full["sources"]:
        inputs[f"labels_{s}"] = labels_path(full, s)
    inputs["membership"] = f"results/cluster/{name}/membership.parquet"
    inputs["ranking"] = f"results/ranking/{name}/clusters.parquet"
    return inputs
