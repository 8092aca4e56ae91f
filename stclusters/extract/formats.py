"""The input formats: the one table naming each format's reader and default source.

A config ``inputs`` entry's ``format`` is a key of :data:`FORMATS`; the schema's enum
(``schemas/config.schema.yaml``, ``inputs[].format``) lists the same keys, which
``tests/test_architecture.py`` checks. Readers are described in
:mod:`stclusters.extract.readers`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stclusters.extract.contract import LINES_ATTR, ExtractError
from stclusters.extract.readers.crunchbase import iter_crunchbase, read_crunchbase
from stclusters.extract.readers.generic import iter_generic, read_generic
from stclusters.extract.readers.openalex import iter_openalex, read_openalex
from stclusters.extract.readers.patentsview import iter_patentsview, read_patentsview

log = logging.getLogger("stclusters")

#: ``read(path, source, encoding=None) -> (frame, bad)`` (see
#: :mod:`stclusters.extract.readers`)
Reader = Callable[..., tuple[pd.DataFrame, pd.DataFrame]]
#: ``stream(path, source, encoding=None, chunk_rows=..., lines=dict) -> iterator of
#: (frame, bad)`` chunks; ``lines`` filled with the line counts at the end
ChunkReader = Callable[..., Iterator[tuple[pd.DataFrame, pd.DataFrame]]]


@dataclass(frozen=True)
class Format:
    """One input format: its reader, the source of its rows when the config names none
    (None: the rows carry their own), what it reads, and whether its reader takes
    ``workers`` (processes parsing in parallel); ``stream``: a reader that yields the
    input in chunks of bounded rows (None: the format is read whole, one chunk; every
    format here has one, ``reader`` being its chunks joined)."""

    reader: Reader
    source: str | None
    description: str
    parallel: bool = False
    stream: ChunkReader | None = None


FORMATS: dict[str, Format] = {
    "generic": Format(read_generic, None, "CSV, TSV or Parquet file in the raw-extract contract",
                      stream=iter_generic),
    "patentsview": Format(read_patentsview, "pct", "PatentsView bulk TSV tables, grants or pre-grant (a folder)",
                          stream=iter_patentsview),
    "openalex": Format(read_openalex, "pub", "OpenAlex works as JSON lines (.jsonl, .jsonl.gz)",
                       parallel=True, stream=iter_openalex),
    "crunchbase": Format(read_crunchbase, "vc", "Crunchbase acquisitions or funding-rounds CSV, any export layout",
                         stream=iter_crunchbase),
}
DEFAULT_FORMAT = "generic"


def format_spec(fmt: str | None, path: str | Path = "") -> Format:
    """The :class:`Format` named ``fmt`` (case-insensitive; None: ``generic``).

    Raises :class:`ExtractError` naming ``path`` for an unknown format.
    """
    name = (fmt or DEFAULT_FORMAT).lower()
    if name not in FORMATS:
        raise ExtractError(f"{path}: unknown input format {name!r}; one of "
                           f"{', '.join(FORMATS)}")
    return FORMATS[name]


def input_source(fmt: str | None, source: str | None) -> str | None:
    """The source of an input's rows: the one named, else the format's default."""
    return source or format_spec(fmt).source


def read_extract_with_bad(
    path: str | Path, fmt: str | None = DEFAULT_FORMAT, source: str | None = None,
    encoding: str | None = None, workers: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read one input with the reader of ``fmt``; returns ``(frame, bad)``.

    ``source`` fills the source column, else the format's default source does (for
    ``generic`` files only where the file has none). ``encoding``: the input's text
    encoding, None to detect it. ``workers``: processes for a reader that parses in
    parallel (:attr:`Format.parallel`).
    """
    spec = format_spec(fmt, path)
    options: dict[str, object] = {"encoding": encoding}
    if spec.parallel:
        options["workers"] = workers
    return spec.reader(path, source or spec.source, **options)


def iter_extract_with_bad(
    path: str | Path, fmt: str | None = DEFAULT_FORMAT, source: str | None = None,
    encoding: str | None = None, workers: int = 1, chunk_rows: int = 1_000_000,
    lines: dict[str, object] | None = None,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """One input as ``(frame, bad)`` chunks, in the order of the input's rows.

    A format with a chunked reader (:attr:`Format.stream`: every format in
    :data:`FORMATS`) yields chunks of about ``chunk_rows`` rows, with the bad rows of
    each chunk's stretch of the input; a format without one would be read whole and
    yielded as one chunk. Every chunk holds all the rows of the input rows it covers
    (several rows may share an input row). Once exhausted, ``lines`` holds the input's
    line counts (empty when the format keeps none).
    """
    spec = format_spec(fmt, path)
    lines = {} if lines is None else lines
    if spec.stream is not None:
        options: dict[str, object] = {"encoding": encoding, "chunk_rows": chunk_rows,
                                      "lines": lines}
        if spec.parallel:
            options["workers"] = workers
        yield from spec.stream(path, source or spec.source, **options)
        return
    frame, bad = read_extract_with_bad(path, fmt, source, encoding, workers)
    lines.update(frame.attrs.get(LINES_ATTR) or {})
    yield frame, bad


def read_extract(path: str | Path, fmt: str | None = DEFAULT_FORMAT, source: str | None = None,
                 encoding: str | None = None) -> pd.DataFrame:
    """The raw-extract frame of one input (contract columns plus ROW_COLUMN).

    Reader-level bad rows are logged here; use :func:`read_extract_with_bad` (as the
    extract stage does) to keep them for the rejects table.
    """
    frame, bad = read_extract_with_bad(path, fmt, source, encoding)
    if len(bad):
        counts = bad["reason"].value_counts().to_dict()
        log.warning("%s: %d input row(s) could not be converted: %s", path, len(bad), counts)
    return frame
