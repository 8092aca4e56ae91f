"""``generic``: a CSV, TSV or Parquet file already in the raw-extract contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stclusters.extract.contract import (
    REQUIRED,
    ROW_COLUMN,
    ExtractError,
    check_columns,
    check_file,
    unique_columns,
)
from stclusters.extract.readers._common import BadRow, concat_chunks, rechunk
from stclusters.extract.readers._delimited import LineCounts, read_delimited

PARQUET_SUFFIXES = (".parquet", ".pq")
TAB_SUFFIXES = (".tsv", ".tab")


def _suffix(path: Path) -> str:
    """The file's type suffix, a compression suffix (``.gz``, ``.zip``) skipped."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in (".gz", ".zip"):
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _parquet_pieces(path: Path, chunk_rows: int, lines: dict[str, object]
                    ) -> Iterator[tuple[pd.DataFrame, list[BadRow]]]:
    """The rows of a Parquet file in batches of ``chunk_rows``, ROW_COLUMN numbering
    them across batches; ``lines`` gets the counts once the file is read."""
    try:
        pf = pq.ParquetFile(path)
        names = unique_columns(path, pf.schema_arrow.names)
        batches = pf.iter_batches(batch_size=max(int(chunk_rows), 1))
        row0 = 1
        for batch in batches:
            # integer columns stay integers where a batch has nulls (never "2019.0")
            df = batch.to_pandas(types_mapper=_int_mapper)
            df.columns = names
            df[ROW_COLUMN] = np.arange(row0, row0 + len(df), dtype=np.int64)
            row0 += len(df)
            yield df, []
        if row0 == 1:
            empty = pf.schema_arrow.empty_table().to_pandas(types_mapper=_int_mapper)
            empty.columns = names
            empty[ROW_COLUMN] = np.zeros(0, np.int64)
            yield empty, []
    except (OSError, ValueError, pa.ArrowException) as exc:
        if isinstance(exc, ExtractError):
            raise
        raise ExtractError(f"{path}: cannot be read as Parquet: {exc}") from exc
    n = row0 - 1
    lines.update({"lines": n, "rows": n, "blank": 0, "joined": 0, "multiline": 0,
                  "bad": 0, "encoding": "", "line_end": ""})


def _int_mapper(dtype: pa.DataType) -> object:
    """Arrow integers as pandas nullable integers (text of a row does not depend on
    whether its batch has a null)."""
    return pd.Int64Dtype() if pa.types.is_integer(dtype) else None


def _delimited_pieces(path: Path, encoding: str | None, lines: dict[str, object]
                      ) -> Iterator[tuple[pd.DataFrame, list[BadRow]]]:
    """The delimited parser's frames, each with the bad rows found while parsing it;
    ``lines`` gets the line counts once the file is read."""
    counts = LineCounts()
    delimiter = "\t" if _suffix(path) in TAB_SUFFIXES else ","
    bad: list[BadRow] = []
    for frame in read_delimited(path, delimiter, encoding, bad=bad, counts=counts):
        found = list(bad)
        del bad[:]
        yield frame, found
    lines.update(counts.as_dict())
    lines["data_lines"] = counts.lines - counts.blank


def iter_generic(path: str | Path, source: str | None = None, encoding: str | None = None,
                 chunk_rows: int = 1_000_000, lines: dict[str, object] | None = None
                 ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """A contract file as ``(frame, bad)`` chunks of ``chunk_rows`` rows, in order.

    CSV (``,``) or TSV (``.tsv``, ``.tab``: tab) through the exact delimited parser
    (:mod:`._delimited`), or Parquet (read batch by batch). Column names are stripped
    and lower-cased; ``source`` fills the source column when the file has none.
    ROW_COLUMN is the data row each record starts on, counted across chunks; ``bad``
    holds the rows of the chunk's stretch of the file that could not be parsed. Once
    the iterator is exhausted, ``lines`` holds the line counts (:data:`LINES_ATTR`).
    Raises :class:`ExtractError` for a missing, unreadable, empty or incomplete file
    (the required columns are checked before the first chunk; a file without data
    rows is found at its end).
    """
    path = Path(path)
    check_file(path)
    lines = {} if lines is None else lines
    if _suffix(path) in PARQUET_SUFFIXES:
        pieces = _parquet_pieces(path, chunk_rows, lines)
    else:
        pieces = _delimited_pieces(path, encoding, lines)
    checked = False
    for frame, bad in rechunk(pieces, chunk_rows):
        if source is not None and "source" not in frame.columns:
            frame.insert(0, "source", source)
        if not checked:
            check_columns(path, REQUIRED, [c for c in frame.columns if c != ROW_COLUMN],
                          " (see docs/data-format.md)")
            checked = True
        yield frame, bad
    if lines.pop("data_lines", lines.get("lines")) == 0:
        raise ExtractError(f"{path}: file has a header but no data rows")


def read_raw_with_bad(path: str | Path, source: str | None = None,
                      encoding: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A contract file's rows (all its columns, as text) and the rows it could not parse,
    whole (:func:`iter_generic` in one chunk); the frame's ``attrs[LINES_ATTR]`` holds
    the line counts."""
    lines: dict[str, object] = {}
    return concat_chunks(iter_generic(path, source, encoding, chunk_rows=1 << 62,
                                      lines=lines), lines)


def read_raw(path: str | Path, source: str | None = None, encoding: str | None = None
             ) -> pd.DataFrame:
    """The rows of a contract file (see :func:`read_raw_with_bad`), without ROW_COLUMN."""
    df, _ = read_raw_with_bad(path, source, encoding)
    return df.drop(columns=ROW_COLUMN)


def read_generic(path: str | Path, source: str | None = None, encoding: str | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A file already in the raw-extract contract (:func:`read_raw_with_bad`).

    ``source`` fills the source column only where the file has none. Lines that do not
    parse (too few or too many fields, an unclosed quote, bytes invalid in the encoding)
    are the bad rows (``bad_line``, ``bad_quote``, ``bad_encoding``).
    """
    return read_raw_with_bad(path, source, encoding)
