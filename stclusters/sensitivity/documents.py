"""The data the engine re-runs on: each document's contribution to each rounded location
(:func:`doc_locations`, the bootstrap's table) and one source's current-window locations
with their document matrix and cached HDBSCAN labels (:class:`SourceData`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from stclusters.locations import fold_document_blocks, weighted_rows

#: the columns of the geocoded records :func:`doc_locations_file` reads
DOC_COLUMNS = ["source", "doc_id", "year", "lat", "lon", "geo_method", "weight",
               "weight_given", "doc_weight"]


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
    return _doc_locations([placed], counting, round_deg, exclude_methods, renormalize)


def doc_locations_file(
    path: str | Path,
    chunk_rows: int,
    counting: str = "fractional",
    round_deg: float = 0.01,
    exclude_methods: Sequence[str] = ("region", "country"),
    renormalize: bool = True,
) -> pd.DataFrame:
    """:func:`doc_locations` of the geocoded records file ``path``, read in blocks of whole
    documents of about ``chunk_rows`` rows (:func:`stclusters.locations.document_blocks`):
    memory bounded by a block plus the result (one row per document and location)."""
    return fold_document_blocks(
        path, chunk_rows, DOC_COLUMNS, "document locations",
        lambda blocks: _doc_locations(blocks, counting, round_deg, exclude_methods,
                                      renormalize))


def _doc_locations(
    blocks: Iterable[pd.DataFrame], counting: str, round_deg: float,
    exclude_methods: Sequence[str], renormalize: bool,
) -> pd.DataFrame:
    """:func:`doc_locations` of blocks of rows that hold whole documents, in file order.

    Each block is summed per (source, document, location) at once; its rows are kept as
    numbers (document codes local to the block) and each document id once, so memory is
    about 30 bytes per result row plus the document ids.
    """
    parts, doc_ids = [], {}  # per block: numbers; per source: the blocks' document ids
    source_dtype = None
    for block in blocks:
        kept, _ = weighted_rows(block, counting, round_deg, exclude_methods, renormalize)
        source_dtype = kept["source"].dtype if source_dtype is None else source_dtype
        kept["doc_id"] = kept["doc_id"].astype(str)
        agg = (kept.groupby(["source", "doc_id", "loc_id"], sort=False)
               .agg(year=("year", "first"), weight=("weight", "sum")).reset_index())
        for src, g in agg.groupby("source", sort=True):
            local, uniq = pd.factorize(g["doc_id"])
            doc_ids.setdefault(src, []).append(np.asarray(uniq, dtype=object))
            parts.append((src, len(doc_ids[src]) - 1, local.astype(np.int64),
                          g["loc_id"].to_numpy(np.int64), g["year"].to_numpy(np.int32),
                          g["weight"].to_numpy(np.float64)))
    # documents numbered 0..n-1 per source in doc_id order
    glob = {}
    for src, ids in doc_ids.items():
        order = np.sort(np.concatenate(ids))
        glob[src] = [np.searchsorted(order, u) for u in ids]
    sources = sorted(doc_ids)
    src_code = {s: i for i, s in enumerate(sources)}
    code = np.concatenate([np.full(len(p[2]), src_code[p[0]], np.int64) for p in parts]
                          ) if parts else np.zeros(0, np.int64)
    doc = np.concatenate([glob[p[0]][p[1]][p[2]] for p in parts]) if parts else code
    loc = np.concatenate([p[3] for p in parts]) if parts else code
    year = np.concatenate([p[4] for p in parts]) if parts else code.astype(np.int32)
    weight = np.concatenate([p[5] for p in parts]) if parts else code.astype(np.float64)
    del parts
    order = np.lexsort((loc, doc, code))
    names = pd.Series(sources, dtype=source_dtype if source_dtype is not None else object)
    return pd.DataFrame({
        "source": names.take(code[order]).reset_index(drop=True),
        "doc": doc[order].astype(np.int64),
        "year": year[order].astype(np.int32),
        "loc_id": loc[order].astype(np.int64),
        "weight": weight[order].astype(np.float64),
    })


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
        """Number of locations."""
        return len(self.loc_id)

    @property
    def n_docs(self) -> int:
        """Number of documents in the window (the same under every counting)."""
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
    base, weights = _location_weights(name, locations)
    loc = base["loc_id"].to_numpy(np.int64)
    mats = {c: _doc_matrix(name, c, d, loc, window) for c, d in (docs or {}).items()}
    hdb = {c: _hdbscan_labels(name, c, lab, loc) for c, lab in (hdbscan or {}).items()}
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


def _location_weights(
    name: str, locations: Mapping[str, pd.DataFrame]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The source's rows of the first table (in ``loc_id`` order) and each counting's
    weights; every counting must hold the same locations."""
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
    return base, weights


def _doc_matrix(
    name: str, counting: str, d: pd.DataFrame, loc: np.ndarray, window: Sequence[int] | None
) -> sparse.csr_matrix:
    """The window's document x location matrix of one counting (documents renumbered
    0..n-1: documents outside the window do not exist for the bootstrap)."""
    d = d[d["source"] == name] if "source" in d.columns else d
    if window is not None:
        d = d[d["year"].between(int(window[0]), int(window[1]))]
    col = np.searchsorted(loc, d["loc_id"].to_numpy(np.int64))
    col = np.minimum(col, max(len(loc) - 1, 0))
    if len(d) and (len(loc) == 0 or not np.array_equal(loc[col], d["loc_id"].to_numpy())):
        raise ValueError(f"{name}: document locations missing from the {counting} table")
    _, row = np.unique(d["doc"].to_numpy(np.int64), return_inverse=True)
    n_docs = int(row.max()) + 1 if len(row) else 0
    return sparse.csr_matrix(
        (d["weight"].to_numpy(np.float64), (row.ravel(), col)), shape=(n_docs, len(loc))
    )


def _hdbscan_labels(name: str, counting: str, lab: pd.DataFrame, loc: np.ndarray) -> np.ndarray:
    """Cached HDBSCAN labels in ``loc`` order; every location must have one."""
    s = lab.set_index("loc_id")["label"].reindex(loc)
    if s.isna().any():
        raise ValueError(f"{name}: HDBSCAN labels ({counting}) miss locations")
    return s.to_numpy(np.int64)
