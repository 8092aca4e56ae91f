"""The data the engine re-runs on: each document's contribution to each rounded location
(:func:`doc_locations`, the bootstrap's table) and one source's current-window locations
with their document matrix and cached HDBSCAN labels (:class:`SourceData`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy import sparse

from stclusters.cluster import index_dtype
from stclusters.io import ParquetChunkWriter
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


def write_doc_locations_file(
    path: str | Path,
    out: str | Path,
    chunk_rows: int,
    counting: str = "fractional",
    round_deg: float = 0.01,
    exclude_methods: Sequence[str] = ("region", "country"),
    renormalize: bool = True,
) -> dict[str, int]:
    """:func:`doc_locations_file` written to the Parquet file ``out`` (the bytes
    :func:`stclusters.io.write_parquet` gives for that frame) one row group at a time:
    memory is the result's numbers (about 30 bytes a row), not a frame of it and an Arrow
    copy. Returns the number of documents per source."""
    parts = fold_document_blocks(
        path, chunk_rows, DOC_COLUMNS, "document locations",
        lambda blocks: _doc_location_parts(blocks, counting, round_deg, exclude_methods,
                                           renormalize))
    n_docs = {}
    with ParquetChunkWriter(out, schema=_arrow_schema(parts)) as w:
        for frame in _frames(parts, ROW_GROUP_ROWS):
            w.write(frame)
        for code, src in enumerate(parts.sources):
            sel = parts.doc[parts.code == code]
            n_docs[src] = int(sel.max()) + 1 if len(sel) else 0
    return n_docs


ROW_GROUP_ROWS = 1024 * 1024
"""Rows per row group of :func:`stclusters.io.write_parquet` (pyarrow's default): the
streamed writer cuts its slices at the same rows, so the files are the same bytes."""


@dataclass
class _Parts:
    """The document-location rows as numbers, in file order, and ``order``: their
    (source, doc, loc_id) order."""

    sources: list[str]
    source_dtype: object
    code: np.ndarray
    doc: np.ndarray
    loc: np.ndarray
    year: np.ndarray
    weight: np.ndarray
    order: np.ndarray


def _doc_locations(
    blocks: Iterable[pd.DataFrame], counting: str, round_deg: float,
    exclude_methods: Sequence[str], renormalize: bool,
) -> pd.DataFrame:
    """:func:`doc_locations` of blocks of rows that hold whole documents, in file order."""
    parts = _doc_location_parts(blocks, counting, round_deg, exclude_methods, renormalize)
    return next(_frames(parts, max(len(parts.order), 1)))


def _doc_location_parts(
    blocks: Iterable[pd.DataFrame], counting: str, round_deg: float,
    exclude_methods: Sequence[str], renormalize: bool,
) -> _Parts:
    """The rows of :func:`doc_locations` of blocks of rows that hold whole documents.

    Each block is summed per (source, document, location) at once; its rows are kept as
    numbers (document codes local to the block) and its document ids once, as Arrow
    strings (about 25 bytes each), so memory is about 30 bytes per result row plus the
    document ids; the blocks' numbers are moved into the result one block at a time.
    """
    parts = []  # per block and source: numbers (document codes local to the block)
    doc_ids: dict[str, list[pa.Array]] = {}  # per source: each block's document ids
    source_dtype = None
    for block in blocks:
        kept, _ = weighted_rows(block, counting, round_deg, exclude_methods, renormalize)
        source_dtype = kept["source"].dtype if source_dtype is None else source_dtype
        kept["doc_id"] = kept["doc_id"].astype(str)
        agg = (kept.groupby(["source", "doc_id", "loc_id"], sort=False)
               .agg(year=("year", "first"), weight=("weight", "sum")).reset_index())
        del kept
        for src, g in agg.groupby("source", sort=True):
            local, uniq = pd.factorize(g["doc_id"])
            doc_ids.setdefault(src, []).append(
                pa.array(np.asarray(uniq, dtype=object), type=pa.large_string()))
            parts.append([src, len(doc_ids[src]) - 1, local.astype(np.int32),
                          g["loc_id"].to_numpy(np.int64), g["year"].to_numpy(np.int32),
                          g["weight"].to_numpy(np.float64)])
        del agg
    # documents numbered 0..n-1 per source in doc_id order (a document id's number is
    # its first position among the sorted ids of all blocks)
    glob = {}
    for src in list(doc_ids):
        glob[src] = _first_positions(doc_ids.pop(src))
    sources = sorted(glob)
    src_code = {s: i for i, s in enumerate(sources)}
    total = sum(len(p[2]) for p in parts)
    code = np.empty(total, dtype=np.int8 if len(sources) < 128 else np.int64)
    doc = np.empty(total, dtype=np.int64)
    loc = np.empty(total, dtype=np.int64)
    year = np.empty(total, dtype=np.int32)
    weight = np.empty(total, dtype=np.float64)
    pos = 0
    for i, (src, b, local, lo, yr, wt) in enumerate(parts):
        end = pos + len(local)
        code[pos:end] = src_code[src]
        doc[pos:end] = glob[src][b][local]
        loc[pos:end], year[pos:end], weight[pos:end] = lo, yr, wt
        parts[i] = None  # free the block's numbers as they move
        pos = end
    del glob, parts
    order = np.lexsort((loc, doc, code))
    return _Parts(sources, source_dtype, code, doc, loc, year, weight, order)


def _first_positions(ids: list[pa.Array]) -> list[np.ndarray]:
    """For each block's document ids, each id's first position among all blocks' ids
    sorted (what ``np.searchsorted(np.sort(all ids), block ids)`` gives), by Arrow's
    sort of the UTF-8 strings (the code point order Python's sort gives)."""
    sizes = [len(a) for a in ids]
    every = pa.chunked_array(ids, type=pa.large_string()).combine_chunks()
    ids.clear()
    n = len(every)
    order = pc.sort_indices(every).to_numpy().astype(np.int64)
    ranked = every.take(pa.array(order))
    del every
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = pc.not_equal(ranked.slice(1), ranked.slice(0, n - 1)).to_numpy(
            zero_copy_only=False)
    del ranked
    first = np.maximum.accumulate(np.where(new, np.arange(n, dtype=np.int64), 0))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = first
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return [pos[bounds[k] : bounds[k + 1]] for k in range(len(sizes))]


def _frames(parts: _Parts, rows: int) -> Iterator[pd.DataFrame]:
    """The sorted rows as frames of ``rows`` rows (the last one shorter; one empty frame
    when there are none)."""
    dtype = parts.source_dtype if parts.source_dtype is not None else object
    names = pd.Series(parts.sources, dtype=dtype)
    n = len(parts.order)
    for lo in range(0, max(n, 1), rows):
        o = parts.order[lo : lo + rows]
        yield pd.DataFrame({
            "source": names.take(parts.code[o].astype(np.int64)).reset_index(drop=True),
            "doc": parts.doc[o].astype(np.int64),
            "year": parts.year[o].astype(np.int32),
            "loc_id": parts.loc[o].astype(np.int64),
            "weight": parts.weight[o].astype(np.float64),
        })


def _arrow_schema(parts: _Parts) -> pa.Schema:
    """The Arrow schema :func:`stclusters.io.write_parquet` gives the frame."""
    frame = next(_frames(replace(parts, order=parts.order[:0]), 1))
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None
                                                                                     ).schema


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
    docs: Mapping[str, pd.DataFrame | str | Path] | None = None,
    window: Sequence[int] | None = None,
    params: Mapping[str, float] | None = None,
    hdbscan: Mapping[str, pd.DataFrame] | None = None,
) -> SourceData:
    """:class:`SourceData` from windowed location tables (``loc_id``, ``lat``, ``lon``,
    ``weight``; one per counting), the :func:`doc_locations` tables (filtered here to
    ``name`` and the years of ``window``; a frame, or the path of the Parquet file
    :func:`write_doc_locations_file` wrote, read row group by row group: see
    :func:`doc_matrix_file`) and HDBSCAN labels tables (``loc_id``,
    ``label``). Every counting must hold the same locations."""
    base, weights = _location_weights(name, locations)
    loc = base["loc_id"].to_numpy(np.int64)
    mats = {c: (doc_matrix_file(d, name, c, loc, window) if isinstance(d, str | Path)
                else _doc_matrix(name, c, d, loc, window)) for c, d in (docs or {}).items()}
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


def doc_matrix_file(
    path: str | Path, name: str, counting: str, loc: np.ndarray,
    window: Sequence[int] | None,
) -> sparse.csr_matrix:
    """The window's document x location matrix of source ``name`` (as
    :func:`source_data` builds it from a frame) from a :func:`doc_locations` Parquet file,
    read one row group at a time (only the row groups that may hold ``name``, only the
    columns needed): documents arrive sorted, so rows are numbered with a running
    counter. Memory: the matrix (12 bytes an entry) and one row group."""
    pf = pq.ParquetFile(path)
    cols = ["source", "doc", "year", "loc_id", "weight"]
    src_col = pf.schema_arrow.get_field_index("source")
    n_loc = len(loc)
    counts, indices, data = [], [], []
    n_docs, last_doc = 0, None
    for rg in range(pf.metadata.num_row_groups):
        stats = pf.metadata.row_group(rg).column(src_col).statistics
        if stats is not None and stats.has_min_max and not (stats.min <= name <= stats.max):
            continue
        t = pf.read_row_group(rg, columns=cols)
        keep = pc.equal(t["source"], name)
        if window is not None:
            year = t["year"]
            keep = pc.and_(keep, pc.and_(pc.greater_equal(year, int(window[0])),
                                         pc.less_equal(year, int(window[1]))))
        t = t.filter(keep)
        if t.num_rows == 0:
            continue
        doc = t["doc"].to_numpy()
        loc_id = t["loc_id"].to_numpy()
        weight = t["weight"].to_numpy()
        del t
        col = np.minimum(np.searchsorted(loc, loc_id), max(n_loc - 1, 0))
        if n_loc == 0 or not np.array_equal(loc[col], loc_id):
            raise ValueError(f"{name}: document locations missing from the {counting} table")
        new = np.ones(len(doc), dtype=bool)
        new[1:] = doc[1:] != doc[:-1]
        if last_doc is not None and doc[0] == last_doc:
            new[0] = False  # the document goes on from the last row group
        if (np.diff(doc) < 0).any() or (last_doc is not None and doc[0] < last_doc):
            raise ValueError(f"{path}: documents of {name} are not sorted")
        starts = np.flatnonzero(new)
        if not new[0]:  # the rows before the first new document: the last one's
            counts[-1][-1] += starts[0] if len(starts) else len(doc)
        counts.append(np.diff(np.append(starts, len(doc))))
        n_docs += len(starts)
        last_doc = doc[-1]
        indices.append(col.astype(index_dtype(n_loc)))
        data.append(weight.astype(np.float64, copy=False))
    nnz = int(sum(len(x) for x in data))
    idx = index_dtype(max(nnz, n_loc, n_docs))
    indptr = np.zeros(n_docs + 1, dtype=idx)
    if n_docs:
        np.cumsum(np.concatenate([np.asarray(c, dtype=np.int64).ravel() for c in counts]),
                  out=indptr[1:])
    return sparse.csr_matrix(
        (np.concatenate(data) if data else np.zeros(0),
         np.concatenate(indices).astype(idx, copy=False) if indices else np.zeros(0, idx),
         indptr), shape=(n_docs, n_loc))


def _hdbscan_labels(name: str, counting: str, lab: pd.DataFrame, loc: np.ndarray) -> np.ndarray:
    """Cached HDBSCAN labels in ``loc`` order; every location must have one."""
    s = lab.set_index("loc_id")["label"].reindex(loc)
    if s.isna().any():
        raise ValueError(f"{name}: HDBSCAN labels ({counting}) miss locations")
    return s.to_numpy(np.int64)
