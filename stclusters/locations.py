"""Round geocoded records and aggregate them to weighted unique locations per year.

This is what makes full GII scale tractable: tens of millions of address rows become a
few million weighted rounded points per source and year, and everything downstream
(clustering, ranking) works on those. Keeping years (not windows) here means any
five-year window of any variant is a cheap sum over years (:func:`window_sum`).

Streamed (:func:`build_locations_file`): the geocoded records are read in blocks that hold
whole documents (:func:`document_blocks`), so the per-document steps (renormalisation,
document counts) are exact per block; the sums per location, place and organisation are
carried from block to block in row order with the Kahan compensation of pandas' groupby
sum (:class:`LocationSums`), so the tables are those of one groupby over all rows, for any
block size. Memory: a block, plus the locations (and places, organisations), plus 8 bytes
per document (the check that no document's rows are split over the file).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import numba
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from stclusters.arrays import union, unique
from stclusters.io import iter_parquet, parquet_rows, read_parquet
from stclusters.progress import Progress

T = TypeVar("T")

COUNTINGS = ("fractional", "whole")

log = logging.getLogger("stclusters")


def grid_index(lat: np.ndarray, lon: np.ndarray, round_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer grid indices of coordinates rounded to ``round_deg`` degrees."""
    ilat = np.rint(np.asarray(lat, dtype=float) / round_deg).astype(np.int64)
    ilon = np.rint(np.asarray(lon, dtype=float) / round_deg).astype(np.int64)
    return ilat, ilon


def loc_ids(lat: np.ndarray, lon: np.ndarray, round_deg: float) -> np.ndarray:
    """Stable id of the rounded location: the same rounded point has the same id everywhere."""
    ilat, ilon = grid_index(lat, lon, round_deg)
    n_lat = int(round(90 / round_deg))
    n_lon = int(round(180 / round_deg))
    return (ilat + n_lat) * (2 * n_lon + 1) + (ilon + n_lon)


def count_weights(placed: pd.DataFrame, counting: str, renormalize: bool) -> np.ndarray:
    """Row weights under ``counting`` for the rows of ``placed`` (the rows kept).

    fractional: the extract's weight (each document 1, split over its rows); with
    ``renormalize`` a document that lost rows spreads its full weight over the rows kept.
    whole: every row weighs 1. A weight given in the input wins in both.
    """
    if counting not in COUNTINGS:
        raise ValueError(f"counting must be one of {COUNTINGS}, not {counting!r}")
    given = placed["weight_given"].to_numpy(bool) if "weight_given" in placed else None
    if counting == "whole":
        w = np.ones(len(placed))
        return np.where(given, placed["weight"].to_numpy(float), w) if given is not None else w
    w = placed["weight"].to_numpy(float)
    if renormalize and len(placed):
        kept = placed.groupby(["source", "doc_id"], sort=False)["weight"].transform("sum")
        w = w * placed["doc_weight"].to_numpy(float) / kept.to_numpy(float)
    return w


# the columns of the geocoded records this stage reads (the rest stays on disk)
COLUMNS = ["record_id", "source", "doc_id", "year", "lat", "lon", "geo_method", "weight",
           "weight_given", "doc_weight", "geonameid", "place_name", "admin1", "country_iso2",
           "organization"]


def weighted_rows(
    placed: pd.DataFrame,
    counting: str,
    round_deg: float,
    exclude_methods: Sequence[str],
    renormalize: bool,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The geocoded rows kept for clustering, with their counting weight and ``loc_id``.

    Returns ``(kept, usable)``: a copy of the usable rows (geocoding method not in
    ``exclude_methods``) with ``weight`` under ``counting`` and ``loc_id`` at
    ``round_deg``, and the boolean mask of those rows in ``placed``. The locations table
    and the sensitivity stage's document table both start here, so they agree exactly.
    """
    usable = ~placed["geo_method"].isin(list(exclude_methods)).to_numpy()
    kept = placed.loc[usable].copy()
    kept["weight"] = count_weights(kept, counting, renormalize)
    kept["loc_id"] = loc_ids(kept["lat"].to_numpy(), kept["lon"].to_numpy(), round_deg)
    return kept, usable


def build_locations(
    placed: pd.DataFrame,
    counting: str = "fractional",
    round_deg: float = 0.01,
    exclude_methods: Sequence[str] = ("region", "country"),
    renormalize: bool = True,
) -> dict[str, pd.DataFrame]:
    """Aggregate geocoded rows to weighted unique rounded locations per source and year.

    Returns a dict of frames: ``locations``, ``location_places``, ``organizations`` and
    ``accounting`` (see docs/data-format.md). The rows in one block of
    :class:`LocationSums` (:func:`build_locations_file` streams a file).
    """
    sums = LocationSums(counting, round_deg, exclude_methods, renormalize)
    sums.add(placed)
    return sums.result()


def build_locations_file(
    path: str | Path,
    chunk_rows: int,
    counting: str = "fractional",
    round_deg: float = 0.01,
    exclude_methods: Sequence[str] = ("region", "country"),
    renormalize: bool = True,
) -> dict[str, pd.DataFrame]:
    """:func:`build_locations` of the geocoded records file ``path``, read in blocks of
    whole documents of about ``chunk_rows`` rows (:func:`document_blocks`): memory bounded
    by the block and the number of locations. Same result for any ``chunk_rows``."""

    def run(blocks: Iterable[pd.DataFrame]) -> dict[str, pd.DataFrame]:
        sums = LocationSums(counting, round_deg, exclude_methods, renormalize)
        for block in blocks:
            sums.add(block)
        return sums.result()

    return fold_document_blocks(path, chunk_rows, COLUMNS, "locations", run)


def fold_document_blocks(path: str | Path, chunk_rows: int, columns: Sequence[str],
                         what: str, fold: Callable[[Iterable[pd.DataFrame]], T]) -> T:
    """``fold`` over the :func:`document_blocks` of ``path``; when a document's rows are
    not next to each other (:class:`DocumentsSplit`), ``fold`` again over the whole file
    read at once (the columns of ``columns`` it has), with a warning in the log."""
    try:
        return fold(document_blocks(path, chunk_rows, columns, what))
    except DocumentsSplit as e:
        log.warning("%s: reading the file at once", e)
        return fold([read_parquet(path, columns=_present(path, columns))])


class DocumentsSplit(RuntimeError):
    """A document's rows are not next to each other in a records file."""


def _present(path: str | Path, columns: Sequence[str]) -> list[str]:
    have = set(pq.ParquetFile(path).schema_arrow.names)
    return [c for c in columns if c in have]


class _SeenDocs:
    """Hashes of the documents of the blocks so far, in sorted runs merged as they grow
    (8 bytes per document)."""

    def __init__(self) -> None:
        self.runs: list[np.ndarray] = []

    def add(self, block: pd.DataFrame) -> bool:
        """Add the block's documents; False when one of them was seen before."""
        h = unique(pd.util.hash_pandas_object(block[["source", "doc_id"]], index=False)
                      .to_numpy(np.uint64))
        for run in self.runs:
            pos = np.minimum(np.searchsorted(run, h), len(run) - 1)
            if (run[pos] == h).any():
                return False
        self.runs.append(h)
        while len(self.runs) > 1 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            last = self.runs.pop()
            self.runs[-1] = union(self.runs[-1], last)
        return True


def document_blocks(path: str | Path, chunk_rows: int, columns: Sequence[str],
                    what: str) -> Iterator[pd.DataFrame]:
    """The rows of a geocoded records file in order, in blocks of about ``chunk_rows``
    rows that hold every row of their documents: the rows of each chunk's last document
    wait for the next chunk. Raises :class:`DocumentsSplit` when a document's rows are
    not next to each other in the file (the per-document sums would then not be exact)."""
    seen = _SeenDocs()
    carry: pd.DataFrame | None = None
    progress = Progress(log, what, total=parquet_rows(path))
    for chunk in iter_parquet(path, chunk_rows, columns=_present(path, columns)):
        progress.update(len(chunk))
        block = chunk if carry is None else pd.concat([carry, chunk], ignore_index=True)
        if len(block) == 0:
            continue
        src, doc = block["source"].to_numpy(), block["doc_id"].to_numpy()
        tail = (src == src[-1]) & (doc == doc[-1])
        # the last document's run of rows at the end of the block
        start = len(block) - int(np.argmin(tail[::-1])) if not tail.all() else 0
        carry = block.iloc[start:].reset_index(drop=True)
        block = block.iloc[:start]
        if len(block):
            if not seen.add(block):
                raise DocumentsSplit(f"{path}: the rows of a document are not next to "
                                     "each other")
            yield block
    if carry is not None and len(carry):
        if not seen.add(carry):
            raise DocumentsSplit(f"{path}: the rows of a document are not next to each other")
        yield carry
    progress.done()


@numba.njit(cache=True)
def _kahan_add(group: np.ndarray, values: np.ndarray, sums: np.ndarray,
               comp: np.ndarray) -> None:  # pragma: no cover - compiled
    """Add ``values`` to their groups' sums in order, with pandas' groupby-sum Kahan
    compensation, so that sums carried over blocks equal one groupby sum over all rows."""
    for i in range(len(group)):
        g = group[i]
        val = values[i]
        if val != val:
            continue
        y = val - comp[g]
        t = sums[g] + y
        c = t - sums[g] - y
        if c != c:
            c = 0.0
        comp[g] = c
        sums[g] = t


class _Vocab:
    """Codes of distinct values (tuples of ``columns``; missing values are a value, as in
    a groupby with ``dropna=False``) over blocks, in order of first appearance. For small
    vocabularies: (source, year), places, organisations."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.code: dict[tuple, int] = {}
        self.dtypes: dict[str, object] | None = None

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """The code of each row of ``frame`` (new values added)."""
        if self.dtypes is None:
            self.dtypes = {c: frame[c].dtype for c in self.columns}
        local = np.zeros(len(frame), dtype=np.int64)
        for c in self.columns:
            cc, u = pd.factorize(frame[c], use_na_sentinel=False)
            local = pd.factorize(local * max(len(u), 1) + cc)[0]
        _, first = np.unique(local, return_index=True)
        uniq = frame[self.columns].iloc[first].astype(object)
        uniq = uniq.where(uniq.notna(), None)
        glob = np.array([self.code.setdefault(t, len(self.code))
                         for t in uniq.itertuples(index=False, name=None)], dtype=np.int64)
        return glob[local]

    def values(self) -> pd.DataFrame:
        """The values by code, with the dtypes of the first frame encoded."""
        keys = pd.DataFrame(list(self.code), columns=self.columns) if self.code else (
            pd.DataFrame({c: pd.Series([], dtype=object) for c in self.columns}))
        for c in self.columns:
            if self.dtypes is not None:
                keys[c] = keys[c].astype(self.dtypes[c])
        return keys

    def ranks(self, keys: pd.DataFrame) -> np.ndarray:
        """The rank of each code when the values are sorted as a sorted groupby sorts
        its groups (missing values last)."""
        order = keys.sort_values(self.columns, kind="stable", na_position="last").index
        rank = np.empty(len(keys), dtype=np.int64)
        rank[order.to_numpy()] = np.arange(len(keys))
        return rank


class _Sums:
    """Weight sums (Kahan-compensated, in row order) and row counts per group, a group
    being an int64 key; keys are kept sorted with their group codes (16 bytes a group, and
    24 for the sums and counts)."""

    def __init__(self) -> None:
        self.sorted_keys = np.zeros(0, dtype=np.int64)
        self.sorted_codes = np.zeros(0, dtype=np.int64)
        self.keys = np.zeros(0, dtype=np.int64)  # by code
        self.n = 0
        self.sums = np.zeros(0)
        self.comp = np.zeros(0)
        self.count = np.zeros(0, dtype=np.int64)

    def codes(self, keys: np.ndarray) -> np.ndarray:
        """The group code of each key (new keys get new codes, in order of appearance)."""
        u, first, inv = np.unique(keys, return_index=True, return_inverse=True)
        pos = np.searchsorted(self.sorted_keys, u)
        found = pos < len(self.sorted_keys)
        found[found] = self.sorted_keys[pos[found]] == u[found]
        code_u = np.empty(len(u), dtype=np.int64)
        code_u[found] = self.sorted_codes[pos[found]]
        new = np.flatnonzero(~found)
        new = new[np.argsort(first[new], kind="stable")]  # in order of appearance
        code_u[new] = self.n + np.arange(len(new))
        self.n += len(new)
        ins = np.sort(new)
        self.sorted_keys = np.insert(self.sorted_keys, pos[ins], u[ins])
        self.sorted_codes = np.insert(self.sorted_codes, pos[ins], code_u[ins])
        if self.n > len(self.sums):
            grow = max(self.n, 2 * len(self.sums)) - len(self.sums)
            self.keys = np.concatenate([self.keys, np.zeros(grow, dtype=np.int64)])
            self.sums = np.concatenate([self.sums, np.zeros(grow)])
            self.comp = np.concatenate([self.comp, np.zeros(grow)])
            self.count = np.concatenate([self.count, np.zeros(grow, dtype=np.int64)])
        self.keys[code_u[new]] = u[new]
        return code_u[inv.reshape(-1)]

    def add(self, keys: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Add rows with group ``keys`` and ``weight``; returns their group codes."""
        g = self.codes(np.asarray(keys, dtype=np.int64))
        _kahan_add(g, np.ascontiguousarray(weight, dtype=np.float64), self.sums, self.comp)
        self.count[: self.n] += np.bincount(g, minlength=self.n)
        return g


_LOC_BITS = 47  # loc_id < 2**47: rounding to 1e-4 degrees fits
_SUB_BITS = 31  # places and organisations per location-year key


class LocationSums:
    """:func:`build_locations` over blocks of rows that each hold whole documents: sums
    and counts per location, place and organisation carried from block to block in row
    order (module doc). Memory: the vocabularies of (source, year), places and
    organisations, and about 60 bytes per location, location-place and
    location-organisation."""

    PLACE_KEYS = ["geonameid", "place_name", "admin1", "country_iso2"]

    def __init__(self, counting: str, round_deg: float, exclude_methods: Sequence[str],
                 renormalize: bool) -> None:
        if counting not in COUNTINGS:
            raise ValueError(f"counting must be one of {COUNTINGS}, not {counting!r}")
        self.counting, self.round_deg = counting, round_deg
        self.exclude, self.renormalize = list(exclude_methods), renormalize
        self.sy, self.place = _Vocab(["source", "year"]), _Vocab(self.PLACE_KEYS)
        self.org, self.src = _Vocab(["organization"]), _Vocab(["source"])
        self.locs, self.places, self.orgs = _Sums(), _Sums(), _Sums()
        self.weight_in, self.weight_used = _Sums(), _Sums()  # per source code
        self.lat = np.zeros(0)  # rounded coordinates and documents per location code
        self.lon = np.zeros(0)
        self.n_docs = np.zeros(0, dtype=np.int64)
        self.docs_in: dict[int, int] = {}  # per source code
        self.docs_used: dict[int, int] = {}
        self.excluded: dict[int, int] = {}

    def add(self, placed: pd.DataFrame) -> None:
        """Add a block of geocoded rows (whole documents, in file order)."""
        for src in sorted(placed["source"].unique()):
            part = placed[placed["source"] == src] if placed["source"].nunique() > 1 else placed
            self._add_one(part)

    def _add_one(self, placed: pd.DataFrame) -> None:
        kept, usable = weighted_rows(placed, self.counting, self.round_deg, self.exclude,
                                     self.renormalize)
        w = kept["weight"].to_numpy(np.float64)
        loc = kept["loc_id"].to_numpy(np.int64)
        if len(loc) and (loc.min() < 0 or loc.max() >= 1 << _LOC_BITS):
            raise ValueError("loc_id out of range: coordinates outside [-90, 90] x [-180, 180]")
        n0 = self.locs.n
        g = self.locs.add(self.sy.encode(kept) << _LOC_BITS | loc, w)
        self._new_locations(kept, g, n0)
        doc = pd.factorize(kept["doc_id"], use_na_sentinel=True)[0]
        span = int(doc.max(initial=0)) + 1
        pairs = unique(g[doc >= 0] * span + doc[doc >= 0])
        self.n_docs[: self.locs.n] += np.bincount(pairs // span, minlength=self.locs.n)
        self.places.add(g << _SUB_BITS | self.place.encode(kept), w)
        has_org = kept["organization"].notna().to_numpy()
        self.orgs.add(g[has_org] << _SUB_BITS | self.org.encode(kept.loc[has_org]),
                      w[has_org])
        s = int(self.src.encode(placed.iloc[:1])[0])
        self.weight_in.add(np.full(len(placed), s), placed["weight"].to_numpy(np.float64))
        self.weight_used.add(np.full(len(kept), s), w)
        self.docs_in[s] = self.docs_in.get(s, 0) + int(placed["doc_id"].nunique())
        self.docs_used[s] = self.docs_used.get(s, 0) + int(kept["doc_id"].nunique())
        self.excluded[s] = self.excluded.get(s, 0) + int((~usable).sum())

    def _new_locations(self, kept: pd.DataFrame, g: np.ndarray, n0: int) -> None:
        """Rounded coordinates of the location codes from ``n0`` on (their first row)."""
        if len(self.locs.sums) > len(self.lat):
            grow = len(self.locs.sums) - len(self.lat)
            self.lat = np.concatenate([self.lat, np.zeros(grow)])
            self.lon = np.concatenate([self.lon, np.zeros(grow)])
            self.n_docs = np.concatenate([self.n_docs, np.zeros(grow, dtype=np.int64)])
        codes, first = np.unique(g, return_index=True)
        new = codes >= n0
        ilat, ilon = grid_index(kept["lat"].to_numpy()[first[new]],
                                kept["lon"].to_numpy()[first[new]], self.round_deg)
        self.lat[codes[new]] = np.round(ilat * self.round_deg, 6)
        self.lon[codes[new]] = np.round(ilon * self.round_deg, 6)

    def result(self) -> dict[str, pd.DataFrame]:
        """The tables of :func:`build_locations`, sorted as a sorted groupby sorts."""
        sy = self.sy.values()
        n = self.locs.n
        key = self.locs.keys[:n]
        sy_code, loc = key >> _LOC_BITS, key & ((1 << _LOC_BITS) - 1)
        order = np.lexsort((loc, self.sy.ranks(sy)[sy_code]))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        locs = sy.iloc[sy_code[order]].reset_index(drop=True).assign(
            loc_id=loc[order], lat=self.lat[order], lon=self.lon[order],
            weight=self.locs.sums[order], n_records=self.locs.count[order],
            n_docs=self.n_docs[order])
        places = self._sub_table(self.places, self.place, sy, sy_code, loc, rank)
        orgs = self._sub_table(self.orgs, self.org, sy, sy_code, loc, rank)
        return {"locations": locs, "location_places": places, "organizations": orgs,
                "accounting": self._accounting()}

    @staticmethod
    def _sub_table(sums: _Sums, vocab: _Vocab, sy: pd.DataFrame, sy_code: np.ndarray,
                   loc: np.ndarray, loc_rank: np.ndarray) -> pd.DataFrame:
        """Weights per (source, year, loc_id) and value of ``vocab``, sorted."""
        key = sums.keys[: sums.n]
        g, sub = key >> _SUB_BITS, key & ((1 << _SUB_BITS) - 1)
        values = vocab.values()
        order = np.lexsort((vocab.ranks(values)[sub], loc_rank[g]))
        g, sub = g[order], sub[order]
        out = sy.iloc[sy_code[g]].reset_index(drop=True).assign(loc_id=loc[g])
        vals = values.iloc[sub].reset_index(drop=True)
        for c in vocab.columns:
            out[c] = vals[c]
        out["weight"] = sums.sums[: sums.n][order]
        return out

    def _accounting(self) -> pd.DataFrame:
        """Per-source row and document accounting of the locations stage."""
        out = []
        sources = self.src.values()["source"].tolist()
        for s, source in enumerate(sources):
            got = self.weight_in.codes(np.array([s]))[0]
            used = self.weight_used.codes(np.array([s]))[0]  # 0 rows kept: a new, empty sum
            rows_in = int(self.weight_in.count[got])
            excl = self.excluded.get(s, 0)
            out.append({
                "source": source,
                "rows_in": rows_in,
                "rows_excluded_precision": excl,
                "rows_used": rows_in - excl,
                "docs_in": self.docs_in.get(s, 0),
                "docs_lost": self.docs_in.get(s, 0) - self.docs_used.get(s, 0),
                "weight_in": float(self.weight_in.sums[got]),
                "weight_used": float(self.weight_used.sums[used]),
            })
        if not out:
            return pd.DataFrame(out)
        return pd.DataFrame(out).sort_values("source", kind="stable").reset_index(drop=True)


def window_sum(
    frame: pd.DataFrame, windows: Mapping[str, Sequence[int]], keys: Sequence[str]
) -> pd.DataFrame:
    """Sum a per-year table over each source's window ``{source: [first, last]}``.

    Sources absent from ``windows`` are dropped. ``keys`` are the grouping columns besides
    ``source`` (e.g. ``["loc_id"]``); ``weight``, ``n_records`` and ``n_docs`` are summed
    (a document has one year, so document counts add up over years), ``lat``/``lon`` kept.
    """
    # as floats (NaN: source without a window), so that an empty frame compares too
    lo = frame["source"].map({s: w[0] for s, w in windows.items()}).to_numpy(
        dtype=float, na_value=np.nan)
    hi = frame["source"].map({s: w[1] for s, w in windows.items()}).to_numpy(
        dtype=float, na_value=np.nan)
    year = frame["year"].to_numpy(dtype=float)
    inside = (year >= lo) & (year <= hi)
    f = frame.loc[inside]
    aggs = {c: (c, "sum") for c in ("weight", "n_records", "n_docs") if c in f.columns}
    aggs.update({c: (c, "first") for c in ("lat", "lon") if c in f.columns})
    out = f.groupby(["source", *keys], sort=True, dropna=False).agg(**aggs).reset_index()
    order = ["source", *keys] + [c for c in ("lat", "lon", "weight", "n_records", "n_docs")
                                 if c in out.columns]
    return out[order]


def window_accounting(
    locations: pd.DataFrame, windows: Mapping[str, Mapping[str, Sequence[int]]]
) -> pd.DataFrame:
    """Per source: records and weight in each window and outside both (nothing silent)."""
    rows = []
    for source, w in sorted(windows.items()):
        f = locations[locations["source"] == source]
        row = {"source": source, "records_in": int(f["n_records"].sum()),
               "weight_in": float(f["weight"].sum())}
        in_any = np.zeros(len(f), dtype=bool)
        for name in ("current", "previous"):
            y0, y1 = w[name]
            m = f["year"].between(y0, y1).to_numpy()
            in_any |= m
            row[f"records_{name}"] = int(f.loc[m, "n_records"].sum())
            row[f"weight_{name}"] = float(f.loc[m, "weight"].sum())
        row["records_outside_windows"] = int(f.loc[~in_any, "n_records"].sum())
        rows.append(row)
    return pd.DataFrame(rows)
