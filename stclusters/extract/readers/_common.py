"""Helpers the readers share: building their two frames, dates, opening files, cutting
their output into chunks (:func:`rechunk`) and joining the chunks again
(:func:`concat_chunks`).

Private to :mod:`stclusters.extract.readers`; a new reader should build its frame with
:func:`contract_frame` and its bad rows with :func:`bad_frame`. Delimited text is read by
:mod:`._delimited`.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.extract.contract import (
    BAD_COLUMNS,
    CONTRACT_COLUMNS,
    LINES_ATTR,
    ROW_COLUMN,
    ExtractError,
)

_RAW_MAX = 300  # characters of a bad line kept for the rejects table
#: one input row a reader could not convert: (input_row, reason, detail, raw text)
BadRow = tuple[int, str, str, str]


def empty_bad() -> pd.DataFrame:
    """A table of bad rows (:data:`BAD_COLUMNS`) without rows."""
    return pd.DataFrame(
        {
            "input_row": pd.Series([], dtype=np.int64),
            "reason": pd.Series([], dtype=object),
            "detail": pd.Series([], dtype=object),
            "raw": pd.Series([], dtype=object),
        }
    )


def bad_frame(rows: list[BadRow]) -> pd.DataFrame:
    """The table of bad rows (:data:`BAD_COLUMNS`), raw text cut to a few hundred chars."""
    if not rows:
        return empty_bad()
    df = pd.DataFrame(rows, columns=BAD_COLUMNS)
    df["input_row"] = df["input_row"].astype(np.int64)
    df["raw"] = df["raw"].str.slice(0, _RAW_MAX)
    return df


def contract_frame(cols: dict[str, object], n: int) -> pd.DataFrame:
    """A frame with every contract column (missing ones blank) and ROW_COLUMN."""
    out = {}
    for c in [*CONTRACT_COLUMNS, ROW_COLUMN]:
        v = cols.get(c)
        out[c] = v if v is not None else pd.Series([None] * n, dtype=object)
    cols_out = {}
    for c, v in out.items():
        if c == ROW_COLUMN:
            cols_out[c] = np.asarray(v, dtype=np.int64)
        else:
            a = np.asarray(v, dtype=object)
            cols_out[c] = np.where(pd.isna(a), None, a) if len(a) else a
    return pd.DataFrame(cols_out)


def year_of(dates: pd.Series) -> pd.Series:
    """The year of ISO dates (``2012-07-23``, ``2012``), as text; blank when absent."""
    years = dates.astype("string").str.strip().str.extract(r"^(\d{4})", expand=False)
    return years.astype(object).where(years.notna(), None)


def open_text(path: Path) -> io.BufferedIOBase:
    """A binary stream of a plain, .gz or single-member .zip file."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".zip"):
        import zipfile

        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if not m.endswith("/")]
        if len(members) != 1:
            raise ExtractError(f"{path}: zip archive must hold exactly one file, "
                               f"found {len(members)}")
        return zf.open(members[0])
    return open(path, "rb", buffering=1 << 16)


def rechunk(pieces: Iterator[tuple[pd.DataFrame, list[BadRow]]], chunk_rows: int
            ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Frames of exactly ``chunk_rows`` rows (the last one fewer) with their bad rows.

    ``pieces``: a reader's frames as parsed (any sizes, ROW_COLUMN ascending across
    them, an input row's rows all in one piece), each with the bad rows found while
    parsing it. A chunk never splits the rows of one input row (it then holds a few
    more than ``chunk_rows``). A bad row goes with the chunk
    whose ROW_COLUMN range reaches it, so the rows of chunk k (good and bad) all come
    before those of chunk k+1. At least one chunk is yielded (maybe empty: the file's
    columns alone), so that a caller always sees the columns.
    """
    chunk_rows = max(int(chunk_rows), 1)
    buf: list[pd.DataFrame] = []
    held = 0
    pending: list[BadRow] = []
    template: pd.DataFrame | None = None
    yielded = False
    for frame, found in pieces:
        pending.extend(found)
        template = frame.iloc[:0] if template is None else template
        if len(frame):
            buf.append(frame)
            held += len(frame)
        if held < chunk_rows:
            continue
        whole = pd.concat(buf, ignore_index=True) if len(buf) > 1 else buf[0]
        row_of = whole[ROW_COLUMN].to_numpy()
        start = 0
        while held - start >= chunk_rows:
            # never part of an input row's rows: the cut moves past all of them
            end = int(np.searchsorted(row_of, row_of[start + chunk_rows - 1], "right"))
            out = whole.iloc[start:end].reset_index(drop=True)
            start = end
            last = int(out[ROW_COLUMN].iloc[-1])
            now = [b for b in pending if b[0] <= last]
            pending = [b for b in pending if b[0] > last]
            yielded = True
            yield out, bad_frame(now)
        rest = whole.iloc[start:].reset_index(drop=True)
        buf, held = ([rest], len(rest)) if len(rest) else ([], 0)
    if held or pending or not yielded:
        if buf:
            out = pd.concat(buf, ignore_index=True) if len(buf) > 1 else buf[0]
        else:
            out = template if template is not None else pd.DataFrame(
                {ROW_COLUMN: np.zeros(0, np.int64)})
        yield out, bad_frame(pending)


def concat_chunks(chunks: Iterator[tuple[pd.DataFrame, pd.DataFrame]],
                  lines: dict[str, object]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A chunked reader's ``(frame, bad)`` chunks as one frame and one table of bad rows;
    ``lines`` (the dict the reader fills once exhausted) goes to the frame's
    ``attrs[LINES_ATTR]``."""
    frames, bads = [], []
    for frame, bad in chunks:
        frames.append(frame)
        bads.append(bad)
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    bad_all = pd.concat(bads, ignore_index=True) if len(bads) > 1 else bads[0]
    df.attrs[LINES_ATTR] = lines
    return df, bad_all
