"""Deterministic, atomic output writers shared by every stage, and the column check of
input frames.

Same inputs -> same bytes out: no pandas index, fixed compression, no timestamps
written into file metadata, and stable column order as given by the caller.

Every file the workflow writes goes through :func:`atomic_path`: the writer fills a
temporary file in the target's folder and it is renamed onto the target (``os.replace``,
atomic on POSIX and Windows) only once complete, so an interrupted or failing write never
leaves a partial file under the target's name.

CSV files are for people and get opened in spreadsheets: :func:`write_csv` is the one CSV
writer and neutralises text cells that a spreadsheet would run as a formula
(:func:`neutralise_formulas`, OWASP "CSV injection").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: a plain number ("-3", "+1.5e-3"): not a formula, kept as written
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _temp_prefix(path: Path) -> str:
    return f".{path.stem}.tmp-"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (POSIX; elsewhere every process counts as alive)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temporaries(path: Path) -> None:
    """Remove temporaries of ``path`` left by writers that were killed (their process is
    gone); a temporary of a live process is left alone."""
    prefix = _temp_prefix(path)
    for tmp in path.parent.glob(f"{prefix}*{path.suffix}"):
        pid = tmp.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on a clean exit move it onto ``path``.

    The temporary name is hidden (leading dot), unique (process id and a random token)
    and keeps the target's suffix, so writers that pick a format from the extension work
    unchanged. On an error the temporary file is removed and ``path`` is left as it was
    (absent, or the previous complete version). The parent folder is created, and
    temporaries of ``path`` that a killed writer left behind are removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    tmp = path.with_name(f"{_temp_prefix(path)}{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def scratch_dir(parent: str | Path, name: str) -> Iterator[Path]:
    """Yield a new hidden folder ``parent/.{name}-{pid}-{token}`` for a step's
    temporaries; it is removed when the block ends, however it ends. Folders of the same
    ``name`` that a killed step left behind (their process is gone) are removed first."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{name}-"
    for old in parent.glob(f"{prefix}*"):
        pid = old.name[len(prefix):].split("-", 1)[0]
        if old.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path``, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path``, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json(
    path: str | Path, obj: Any, ensure_ascii: bool = True, default: Any = None
) -> None:
    """Write ``obj`` as indented JSON with sorted keys and a final newline, atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=ensure_ascii, default=default)
    write_text(path, text + "\n")


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` to ``path`` as Parquet, byte-for-byte reproducibly and atomically."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    # drop the pandas metadata blob: it is not needed to read back and may vary by version
    table = table.replace_schema_metadata(None)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)


def read_parquet(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a Parquet file written by :func:`write_parquet`."""
    return pq.read_table(path, columns=columns).to_pandas()


def _arrow_table(df: pd.DataFrame) -> pa.Table:
    """``df`` as an Arrow table without index or pandas metadata (see write_parquet)."""
    return pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)


class ParquetChunkWriter:
    """Write a Parquet file chunk by chunk (one row group or more per chunk), atomically.

    The streamed counterpart of :func:`write_parquet`: same compression and statistics,
    no pandas metadata, so a file written in one chunk has the bytes :func:`write_parquet`
    gives. The first chunk fixes the schema (or ``schema`` does); later chunks are cast
    to it (an all-missing text column of a chunk is a null column in Arrow). Use as a
    context manager; the file appears under ``path`` only when the block ends without an
    error, and with the schema alone (no rows) when no chunk was written and ``schema``
    was given::

        with ParquetChunkWriter(out) as w:
            for chunk in chunks:
                w.write(chunk)
    """

    def __init__(self, path: str | Path, schema: pa.Schema | None = None) -> None:
        self.path = Path(path)
        self.schema = schema
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._atomic: Any = None
        self._tmp: Path | None = None

    def __enter__(self) -> ParquetChunkWriter:
        self._atomic = atomic_path(self.path)
        self._tmp = self._atomic.__enter__()
        return self

    def write(self, chunk: pd.DataFrame | pa.Table) -> None:
        """Append one chunk (a frame or an Arrow table) to the file."""
        table = chunk if isinstance(chunk, pa.Table) else _arrow_table(chunk)
        table = table.replace_schema_metadata(None)
        if self.schema is None:
            self.schema = table.schema
        elif table.schema != self.schema:
            table = table.select(self.schema.names).cast(self.schema)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd",
                                            write_statistics=True)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if self._writer is None and exc_type is None:
            if self.schema is None:
                raise ValueError(f"{self.path}: no chunk written and no schema given")
            self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd",
                                            write_statistics=True)
        if self._writer is not None:
            self._writer.close()
        return bool(self._atomic.__exit__(exc_type, exc, tb))


def iter_parquet_tables(path: str | Path, chunk_rows: int, columns: list[str] | None = None,
                        rows: tuple[int, int] | None = None) -> Iterator[pa.Table]:
    """The rows of a Parquet file (``rows``: only the rows ``[start, stop)``) as Arrow
    tables of at most ``chunk_rows`` rows, in order (only ``columns`` when given); memory
    bounded by the chunk, not the file. A range reads only the row groups that hold it."""
    pf = pq.ParquetFile(path)
    batch_size = max(int(chunk_rows), 1)
    if rows is None:
        for batch in pf.iter_batches(batch_size=batch_size, columns=columns):
            yield pa.Table.from_batches([batch])
        return
    start, stop = rows
    groups, offset, pos = [], 0, None  # the row groups overlapping the range
    for i in range(pf.metadata.num_row_groups):
        n = pf.metadata.row_group(i).num_rows
        if offset + n > start and offset < stop:
            groups.append(i)
            pos = offset if pos is None else pos
        offset += n
    if not groups or stop <= start:
        return
    for batch in pf.iter_batches(batch_size=batch_size, row_groups=groups, columns=columns):
        lo, hi = max(start - pos, 0), min(stop - pos, batch.num_rows)
        pos += batch.num_rows
        if hi > lo:
            yield pa.Table.from_batches([batch.slice(lo, hi - lo)])
        if pos >= stop:
            return


def iter_parquet(path: str | Path, chunk_rows: int, columns: list[str] | None = None
                 ) -> Iterator[pd.DataFrame]:
    """:func:`iter_parquet_tables` as pandas frames."""
    for table in iter_parquet_tables(path, chunk_rows, columns):
        yield table.to_pandas()


def parquet_rows(path: str | Path) -> int:
    """Rows of a Parquet file, from its footer (nothing else read)."""
    return pq.ParquetFile(path).metadata.num_rows


def neutralise_cell(value: object) -> object:
    """``value`` made inert for spreadsheets: a string starting with ``= + - @``, a tab or
    a carriage return gets a leading single quote (``'=HYPERLINK(...)``), unless it is a
    plain number such as ``-3``; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(
        value
    ):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell (and column name) passed through :func:`neutralise_cell`.

    Only text (object, string, categorical) columns are looked at; numeric columns are
    untouched, so negative numbers stay numbers. The input frame is not modified; when no
    cell needs it, ``df`` itself is returned.
    """
    out = df
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if not (
            pd.api.types.is_object_dtype(s)
            or pd.api.types.is_string_dtype(s)
            or isinstance(s.dtype, pd.CategoricalDtype)
        ):
            continue
        s = s.astype(object)
        if not s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).any():
            continue
        fixed = s.map(neutralise_cell)
        if out is df:
            out = df.copy()
        out.isetitem(i, fixed)
    names = [neutralise_cell(c) for c in df.columns]
    if names != list(df.columns):
        out = out.set_axis(names, axis=1)
    return out


def write_csv(df: pd.DataFrame, path: str | Path, float_format: str | None = "%.6g") -> None:
    """Write ``df`` as UTF-8 CSV without index, with stable float formatting, atomically.

    The one CSV writer of the package (with :func:`write_csv_blocks`, its block-by-block
    form): text cells a spreadsheet would run as a formula
    are neutralised first (:func:`neutralise_formulas`). ``float_format`` None writes
    floats with pandas' default (shortest round-trip) formatting.
    """
    safe = neutralise_formulas(df)
    with atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False, float_format=float_format, lineterminator="\n")


def write_csv_blocks(frames: Iterable[pd.DataFrame], path: str | Path,
                     float_format: str | None = "%.6g") -> int:
    """:func:`write_csv` of the frames one after another (the same columns), one frame in
    memory at a time: the bytes of :func:`write_csv` of their concatenation, the header
    once. Returns the rows written."""
    rows, first = 0, True
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        for df in frames:
            neutralise_formulas(df).to_csv(fh, index=False, header=first,
                                           float_format=float_format, lineterminator="\n")
            rows, first = rows + len(df), False
    return rows


def require_columns(df: pd.DataFrame, cols: set[str], what: str) -> None:
    """Raise ``ValueError`` naming ``what`` and the missing columns when ``df`` lacks any."""
    missing = cols - set(df.columns)
    if missing:
        raise ValueError(f"{what} lacks columns {sorted(missing)}")
