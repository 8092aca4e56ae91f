"""Geocoding in parts (config ``stream.geocode_parts``): scattered jobs, one gathered result.

With ``N`` parts the rows ``[k*n/N, (k+1)*n/N)`` of the records file (``n`` rows, integer
division, :func:`part_bounds`) are geocoded by part ``k`` alone (:func:`geocode_part`:
:func:`~stclusters.geocode.stream.geocode_file` over that slice, in chunks of
``stream.chunk_rows``), into a part's own ``records.parquet``, ``unmatched.parquet`` and
``accounting.csv``; :func:`gather_parts` then streams the parts' row groups in part
order into the files a single job writes, and sums their accounting.

Why the gathered files equal those of one job over all rows, for any ``N``: the
geocoder places each row from the row itself and from the match of its address key, and
a key's match is a function of the key alone (its exact/alternate candidates, the fuzzy
scores of its city key against its country's names, the region and country fallbacks;
:mod:`stclusters.geocode.phases`). What a part changes is which keys it holds and their
ids (first appearance within the part): neither enters a row's result. The one set that
depends on the other rows, the keys "needed" by rows without coordinates (those alone
get the fuzzy and fallback phases), differs only for keys whose rows are all placed by
their institution id in that part, and such a row's place is replaced by the
institution's whatever its key got (:meth:`~stclusters.geocode.pipeline.Geocoder.match`).
Institution matches of affiliation texts are per (country, text, key), through the
key's place, which is matched wherever such a row is. Given coordinates use only the
key's exact/alternate match, made for every key. So each row is placed as in one job;
each part's rows come out in ``record_id`` order, the parts hold consecutive ranges of a
file in ``record_id`` order, and their concatenation is the single job's order (checked
while gathering: a part whose first ``record_id`` is below the previous part's last stops
the gather). What is counted across parts only for the log (ambiguous affiliation
texts, rows placed by institution) is logged by each part.

Row accounting is exact per part (``rows_in = placed + unmatched`` per source, the
part's rows in total, the part's files holding those rows) and in total (the parts'
``rows_in`` per source equal the records file's rows per source in each part's range);
any mismatch, or a missing part file, stops the gather with the file named
(:class:`PartsError`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stclusters.errors import UserError
from stclusters.geocode.accounting import ACCOUNTING_COLUMNS
from stclusters.geocode.pipeline import Geocoder
from stclusters.geocode.stream import geocode_file, sum_accounting
from stclusters.io import ParquetChunkWriter, iter_parquet_tables, parquet_rows
from stclusters.progress import Progress

__all__ = ["PartFiles", "PartsError", "check_part_accounting", "gather_parts", "geocode_part",
           "part_bounds", "read_part_accounting", "source_rows"]

log = logging.getLogger("stclusters")


class PartsError(UserError):
    """A part of the geocoding is missing or does not add up; the message names the file."""


@dataclass(frozen=True)
class PartFiles:
    """The three files of one part (rules/geocode.smk: results/geocode/parts/{part}/)."""

    placed: str | Path
    unmatched: str | Path
    accounting: str | Path


def part_bounds(n_rows: int, n_parts: int) -> list[tuple[int, int]]:
    """The row ranges ``[start, stop)`` of the ``n_parts`` parts of ``n_rows`` rows:
    ``[k*n_rows//n_parts, (k+1)*n_rows//n_parts)``, consecutive, covering every row once
    (empty parts where there are more parts than rows)."""
    if n_parts < 1:
        raise ValueError(f"geocode parts: {n_parts} (at least 1)")
    cuts = [k * int(n_rows) // n_parts for k in range(n_parts + 1)]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def check_part_accounting(acc: pd.DataFrame, rows: int, where: str) -> None:
    """Raise :class:`PartsError` (naming ``where``) unless ``acc`` accounts for its rows
    exactly: ``rows_in = placed + unmatched`` per source, ``rows`` rows in all."""
    missing = [c for c in ACCOUNTING_COLUMNS if c not in acc.columns]
    if missing:
        raise PartsError(f"{where}: accounting without the columns {', '.join(missing)}")
    bad = acc[acc["rows_in"] != acc["placed"] + acc["unmatched"]]
    if len(bad):
        s = bad.iloc[0]
        raise PartsError(f"{where}: source {s['source']}: rows_in {s['rows_in']} != placed "
                         f"{s['placed']} + unmatched {s['unmatched']}")
    if int(acc["rows_in"].sum()) != rows:
        raise PartsError(f"{where}: accounts for {int(acc['rows_in'].sum())} rows, "
                         f"its part of the records has {rows}")


def geocode_part(
    records: str | Path, placed: str | Path, unmatched: str | Path, geocoder: Geocoder,
    chunk_rows: int, part: int, n_parts: int, workers: int = 1,
) -> pd.DataFrame:
    """Geocode part ``part`` (0-based) of ``n_parts`` of the records file ``records`` (its
    rows :func:`part_bounds`) into ``placed`` and ``unmatched``; returns its accounting,
    checked (:func:`check_part_accounting`)."""
    if not 0 <= part < n_parts:
        raise ValueError(f"geocode part {part} of {n_parts}")
    start, stop = part_bounds(parquet_rows(records), n_parts)[part]
    log.info("geocode part %d (parts 0-%d): rows %d-%d of %s", part, n_parts - 1, start,
             stop, records)
    acc = geocode_file(records, placed, unmatched, geocoder, chunk_rows=chunk_rows,
                       workers=workers, rows=(start, stop))
    check_part_accounting(acc, stop - start, f"geocode part {part} ({placed})")
    return acc


def read_part_accounting(path: str | Path) -> pd.DataFrame:
    """A part's accounting.csv (sources as text, counts as integers)."""
    path = Path(path)
    if not path.is_file():
        raise PartsError(f"{path}: geocoding part missing (its accounting file is not there)")
    acc = pd.read_csv(path, dtype={"source": str}, keep_default_na=False)
    try:
        return acc.astype({c: np.int64 for c in acc.columns if c != "source"})
    except (TypeError, ValueError) as exc:
        raise PartsError(f"{path}: accounting counts are not integers ({exc})") from exc


def source_rows(records: str | Path, bounds: Sequence[tuple[int, int]], chunk_rows: int
                ) -> list[dict[str, int]]:
    """Per range of ``bounds`` (consecutive, from row 0), the rows of each source (not
    missing) in the records file, read a chunk of the ``source`` column at a time."""
    out: list[dict[str, int]] = [{} for _ in bounds]
    if not bounds or "source" not in pq.ParquetFile(records).schema_arrow.names:
        return out
    for k, (start, stop) in enumerate(bounds):
        for t in iter_parquet_tables(records, chunk_rows, ["source"], rows=(start, stop)):
            counts = pc.value_counts(t.column("source").combine_chunks()).to_pylist()
            for c in counts:
                if c["values"] is not None:
                    out[k][c["values"]] = out[k].get(c["values"], 0) + int(c["counts"])
    return out


def _check_part(k: int, files: PartFiles, acc: pd.DataFrame, start: int, stop: int,
                expected: dict[str, int]) -> None:
    """A part's files against its accounting and the records of its range."""
    check_part_accounting(acc, stop - start, str(files.accounting))
    for path, col in ((files.placed, "placed"), (files.unmatched, "unmatched")):
        if not Path(path).is_file():
            raise PartsError(f"{path}: geocoding part {k} missing")
        n = parquet_rows(path)
        if n != int(acc[col].sum()):
            raise PartsError(f"{path}: {n} rows, its accounting {files.accounting} says "
                             f"{int(acc[col].sum())}")
    got = {str(s): int(r) for s, r in zip(acc["source"], acc["rows_in"], strict=True)}
    if got != {s: r for s, r in expected.items() if r}:
        raise PartsError(f"{files.accounting}: rows in per source {got} != the records' "
                         f"rows {start}-{stop} per source {expected} (a part of another "
                         "records file or part count?)")


def _id_range(path: Path) -> tuple[object, object] | None:
    """The smallest and largest ``record_id`` of a part file (None: no rows or no such
    column), from the column itself."""
    pf = pq.ParquetFile(path)
    if "record_id" not in pf.schema_arrow.names or pf.metadata.num_rows == 0:
        return None
    lo = hi = None
    for i in range(pf.metadata.num_row_groups):
        mm = pc.min_max(pf.read_row_group(i, columns=["record_id"]).column("record_id"))
        a, b = mm["min"].as_py(), mm["max"].as_py()
        if a is not None:
            lo = a if lo is None else min(lo, a)
            hi = b if hi is None else max(hi, b)
    return None if lo is None else (lo, hi)


def _check_order(parts: Sequence[PartFiles]) -> None:
    """Each part's record_ids (placed and unmatched) at or above the previous parts'."""
    last, last_path = None, None
    for files in parts:
        ranges = [r for r in (_id_range(Path(files.placed)), _id_range(Path(files.unmatched)))
                  if r is not None]
        if not ranges:
            continue
        lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
        if last is not None and lo < last:
            raise PartsError(f"{files.placed}: record_id {lo} below {last} of {last_path}: "
                             "the records are not in record_id order, which geocoding in "
                             "parts needs (set stream.geocode_parts to 1)")
        last, last_path = hi, files.placed


def _gather_file(paths: Sequence[Path], out: str | Path, progress: Progress) -> int:
    """The part files ``paths`` into ``out``, a row group at a time in part order; the
    schema is the first part's with rows (as one job's first chunk with rows fixes it),
    or the last part's when none has rows (one job's last empty chunk). Returns the rows."""
    files = [pq.ParquetFile(p) for p in paths]
    full = [f for f in files if f.metadata.num_rows > 0]
    schema: pa.Schema = (full[0] if full else files[-1]).schema_arrow
    with ParquetChunkWriter(out, schema=schema.remove_metadata()) as w:
        for f in full:
            for i in range(f.metadata.num_row_groups):
                table = f.read_row_group(i)
                if table.num_rows:
                    w.write(table)
                    progress.update(table.num_rows)
        if not full:
            w.write(files[-1].schema_arrow.empty_table())
        return w.rows


def gather_parts(
    records: str | Path, parts: Sequence[PartFiles], placed: str | Path,
    unmatched: str | Path, chunk_rows: int,
) -> pd.DataFrame:
    """The parts (in part order, :func:`part_bounds` of the records file ``records``) into
    the files ``placed`` and ``unmatched``; returns the summed accounting. Every part is
    checked against its range of the records first (module doc)."""
    if not parts:
        raise ValueError("gather_parts: no parts")
    bounds = part_bounds(parquet_rows(records), len(parts))
    expected = source_rows(records, bounds, chunk_rows)
    accs = []
    for k, (files, (start, stop)) in enumerate(zip(parts, bounds, strict=True)):
        acc = read_part_accounting(files.accounting)
        _check_part(k, files, acc, start, stop, expected[k])
        accs.append(acc)
    total = sum_accounting(accs)
    _check_order(parts)
    progress = Progress(log, "geocode: gathering parts", total=int(total["rows_in"].sum()))
    n_p = _gather_file([Path(f.placed) for f in parts], placed, progress)
    n_u = _gather_file([Path(f.unmatched) for f in parts], unmatched, progress)
    progress.done()
    if n_p != int(total["placed"].sum()) or n_u != int(total["unmatched"].sum()):
        raise PartsError(f"{placed}: gathered {n_p} placed and {n_u} unmatched rows, the "
                         f"parts' accounting says {int(total['placed'].sum())} and "
                         f"{int(total['unmatched'].sum())}")
    return total
