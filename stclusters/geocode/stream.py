"""The geocoder over a records file in chunks: memory bounded by the chunk and the keys.

:func:`geocode_file` reads ``results/extract/records.parquet`` twice, ``chunk_rows`` rows
at a time (:func:`stclusters.io.iter_parquet_tables`):

1. the key columns only: the unique address keys and which of them rows without
   coordinates need (:meth:`~stclusters.geocode.pipeline.Geocoder.collect`);
2. the keys are matched once (:meth:`~stclusters.geocode.pipeline.Geocoder.match`);
3. every column: each chunk is placed
   (:meth:`~stclusters.geocode.pipeline.Geocoder.place`) and appended to the ``placed``
   and ``unmatched`` files (:class:`stclusters.io.ParquetChunkWriter`: one row group or
   more per chunk, the files appear when complete); the accounting is summed per chunk.

The records of the extract are in ``record_id`` order, so the chunks' outputs, each in
``record_id`` order, are too: the files hold the rows and values of
:func:`~stclusters.geocode.pipeline.geocode` over all records at once, for any
``chunk_rows`` (in one chunk, its bytes). Records out of ``record_id`` order are placed
in memory at once (as before streaming), with a warning.

``rows=(start, stop)`` geocodes only the rows ``[start, stop)`` of the file (a part of
:mod:`stclusters.geocode.parts`): the same two passes over that slice, read across row
groups without the rows before it; the files then hold that slice's rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stclusters.geocode.accounting import ACCOUNTING_COLUMNS, accounting
from stclusters.geocode.pipeline import Geocoder
from stclusters.io import ParquetChunkWriter, iter_parquet_tables, parquet_rows
from stclusters.parallel import ordered_map, shared
from stclusters.progress import Progress

__all__ = ["KEY_INPUTS", "geocode_file", "sum_accounting"]

log = logging.getLogger("stclusters")

#: the record columns pass 1 reads (those present)
KEY_INPUTS = ("record_id", "lat", "lon", "coord_status", "country", "city", "region",
              "institution_id")
#: the types of the columns the geocoder adds, where a chunk has them all missing
ADDED_TYPES = {"country_iso2": pa.string(), "geonameid": pa.int64(),
               "place_name": pa.string(), "admin1": pa.string(), "geo_method": pa.string(),
               "geo_score": pa.float64(), "reason": pa.string()}


def sum_accounting(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The per-source accounting of chunks (:func:`~stclusters.geocode.accounting`) summed:
    the accounting of all rows at once."""
    cols = ACCOUNTING_COLUMNS
    if not parts:
        return pd.DataFrame(columns=cols)
    total = pd.concat(parts, ignore_index=True).groupby("source", sort=True).sum()
    return total.reset_index()[cols].astype({c: np.int64 for c in cols[1:]})


class _Writer:
    """A :class:`ParquetChunkWriter` that skips empty chunks (the file in one chunk then
    has the bytes of the whole frame) and writes the last empty one when no other came;
    the schema is the first chunk's, a column all missing there taking the type of the
    input file or of :data:`ADDED_TYPES`."""

    def __init__(self, path: str | Path, input_schema: pa.Schema) -> None:
        self.w = ParquetChunkWriter(path)
        self.input_schema = input_schema
        self.empty: pd.DataFrame | None = None

    def __enter__(self) -> _Writer:
        self.w.__enter__()
        return self

    def write(self, df: pd.DataFrame) -> None:
        if len(df) == 0:
            self.empty = df
            return
        if self.w.schema is None:
            table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
            self.w.schema = pa.schema([self._field(f) for f in table.schema])
        self.w.write(df)

    def _field(self, f: pa.Field) -> pa.Field:
        if not pa.types.is_null(f.type):
            return f
        if f.name in self.input_schema.names:
            return self.input_schema.field(f.name).with_nullable(True)
        return pa.field(f.name, ADDED_TYPES.get(f.name, pa.string()))

    def __exit__(self, *exc: object) -> bool:
        if self.w.schema is None and self.empty is not None and exc[0] is None:
            self.w.write(self.empty)
        return bool(self.w.__exit__(*exc))


def _collect(g: Geocoder, path: Path, chunk_rows: int, total: int,
             rows: tuple[int, int] | None = None) -> bool:
    """Pass 1; returns whether ``record_id`` rises over the whole file (or range)."""
    names = pq.ParquetFile(path).schema_arrow.names
    cols = [c for c in KEY_INPUTS if c in names]
    progress = Progress(log, "geocode: address keys", total=total)
    last, ordered = -np.inf, True
    for chunk in (t.to_pandas() for t in iter_parquet_tables(path, chunk_rows, cols, rows)):
        if "record_id" in chunk.columns and len(chunk):
            rid = chunk["record_id"].to_numpy()
            ordered &= bool(rid[0] > last and (len(rid) < 2 or (np.diff(rid) > 0).all()))
            last = rid[-1]
        g.collect(chunk)
        progress.update(len(chunk))
    progress.done()
    return ordered


def _place_chunk(table: pa.Table) -> tuple[pd.DataFrame, pd.DataFrame, tuple]:
    """Pass 2 over one chunk, by the matched geocoder :func:`~stclusters.parallel.shared`
    as ``geocoder`` (in a forked worker: its copy): placed, unmatched, counts."""
    g: Geocoder = shared("geocoder")
    chunk = table.to_pandas()
    p, u = g.place(chunk)
    if len(p) + len(u) != len(chunk):
        raise RuntimeError("geocoding lost records: placed + unmatched != input")
    return p, u, g.take_counts()


def _tables(records: Path, chunk_rows: int, ordered: bool, total: int,
            rows: tuple[int, int] | None = None) -> Iterator[pa.Table]:
    """The records (or the rows ``rows`` of them) in chunks of ``chunk_rows`` rows (at once
    when out of order or empty)."""
    if not ordered or total == 0:
        if not ordered:
            log.warning("%s%s is not in record_id order: geocoding it in memory at once",
                        records, "" if rows is None else f" (rows {rows[0]}-{rows[1]})")
        if rows is None:
            yield pq.read_table(records)
        else:  # the range's rows at once (its schema when it has none)
            tables = list(iter_parquet_tables(records, max(total, 1), rows=rows))
            yield (pa.concat_tables(tables) if tables
                   else pq.ParquetFile(records).schema_arrow.empty_table())
        return
    yield from iter_parquet_tables(records, chunk_rows, rows=rows)


def geocode_file(
    records: str | Path, placed: str | Path, unmatched: str | Path, geocoder: Geocoder,
    chunk_rows: int, workers: int = 1, rows: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Geocode the records file ``records`` in chunks of ``chunk_rows`` rows into the files
    ``placed`` and ``unmatched``; returns the accounting (module doc). Chunks are placed
    by ``workers`` forked processes when more than one (the same files for any number).
    ``rows``: only the rows ``[start, stop)`` of the file (module doc)."""
    records = Path(records)
    total = parquet_rows(records)
    if rows is not None:
        start, stop = (min(max(int(r), 0), total) for r in rows)
        rows = (start, max(stop, start))
        total = rows[1] - rows[0]
    ordered = _collect(geocoder, records, chunk_rows, total, rows)
    geocoder.match()
    schema = pq.ParquetFile(records).schema_arrow
    parts = []
    progress = Progress(log, "geocode: placing rows", total=total)
    n_chunks = -(-total // max(int(chunk_rows), 1)) if ordered else 1
    shared("geocoder", geocoder)
    placed_chunks = ordered_map(_place_chunk, _tables(records, chunk_rows, ordered, total,
                                                      rows),
                                min(workers, n_chunks), in_flight=workers)
    with _Writer(placed, schema) as wp, _Writer(unmatched, schema) as wu:
        for p, u, counts in placed_chunks:
            wp.write(p)
            wu.write(u)
            geocoder.add_counts(counts)
            parts.append(accounting(p, u))
            progress.update(len(p) + len(u))
    progress.done()
    geocoder.log_counts()
    return sum_accounting(parts)
