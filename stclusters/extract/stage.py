"""The extract stage: every input through its format's reader, validated and weighted."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stclusters.extract.contract import MAX_WEIGHT, ExtractError
from stclusters.extract.stream import LINE_COLUMNS, extract_streamed
from stclusters.io import iter_parquet

__all__ = ["LINE_COLUMNS", "check_data", "check_year_counts", "extract",
           "extract_with_lines", "year_counts", "year_counts_of_file"]

log = logging.getLogger("stclusters")
#: text columns read back as pandas' nullable ``string`` (as the stage held them in memory)
_TEXT_AS_STRING = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}


def extract_with_lines(
    inputs: Iterable[Mapping[str, Any]],
    counting: str = "fractional",
    on_bad_row: str = "reject",
    max_weight: float = MAX_WEIGHT,
    workers: int = 1,
    chunk_rows: int = 1_000_000,
    bucket_rows: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`extract`, plus the per-file line accounting (:data:`LINE_COLUMNS`): the
    physical lines of each file against the rows read from them (used or rejected),
    blank lines and lines inside multi-line quoted fields. ``workers``: processes for the
    readers that parse in parallel (OpenAlex). The records carry the optional columns
    :data:`~stclusters.extract.contract.PASS_THROUGH` after the canonical ones only when
    an input has them.

    Runs the streamed stage (:func:`stclusters.extract.stream.extract_streamed`, in
    chunks of ``chunk_rows``) into a temporary folder and reads its output back: for
    tests and small inputs; the workflow writes the files directly.
    """
    with tempfile.TemporaryDirectory(prefix="stclusters-extract-") as tmp:
        rec_path, rej_path = Path(tmp, "records.parquet"), Path(tmp, "rejects.parquet")
        summary = extract_streamed(inputs, rec_path, rej_path, counting, on_bad_row,
                                   max_weight, workers, chunk_rows, bucket_rows=bucket_rows)
        records, rejects = (pq.read_table(p).to_pandas(types_mapper=_TEXT_AS_STRING.get)
                            for p in (rec_path, rej_path))
    return records, rejects, summary.accounting, summary.lines


def extract(
    inputs: Iterable[Mapping[str, Any]],
    counting: str = "fractional",
    on_bad_row: str = "reject",
    max_weight: float = MAX_WEIGHT,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read, validate and weight every input file.

    ``inputs``: mappings with ``path`` and optionally ``source``, ``format`` (a key of
    :data:`stclusters.extract.formats.FORMATS`; default ``generic``) and ``encoding``
    (default: detected). Returns ``(records, rejects, accounting)``; ``accounting`` has
    one row per file and source with ``rows_in``, ``rows_used``, ``rows_rejected``.
    ``input_row`` is the 1-based data row of the input file a record comes from (the
    physical line it starts on, minus the header); input rows that the reader could not
    convert (a line with the wrong number of fields, a JSON line that does not parse,
    ...) are rejects with the reader's reason. A given weight above ``max_weight`` is
    rejected (``bad_weight``).
    """
    records, rejects, accounting, _ = extract_with_lines(inputs, counting, on_bad_row,
                                                         max_weight)
    return records, rejects, accounting


def year_counts(records: pd.DataFrame) -> pd.Series:
    """Rows per ``(source, year)`` of records (or of a chunk of them), sorted."""
    return records.groupby(["source", "year"], observed=True).size().sort_index()


def year_counts_of_file(path: str | Path, chunk_rows: int = 1_000_000) -> pd.Series:
    """:func:`year_counts` of a records Parquet file, read chunk by chunk (only its
    ``source`` and ``year`` columns): memory bounded by ``chunk_rows``."""
    counts: dict[tuple[str, int], int] = {}
    for chunk in iter_parquet(path, chunk_rows, columns=["source", "year"]):
        for key, n in year_counts(chunk).items():
            counts[key] = counts.get(key, 0) + int(n)
    keys = sorted(counts)
    index = pd.MultiIndex.from_arrays([[k[0] for k in keys], [int(k[1]) for k in keys]],
                                      names=["source", "year"])
    return pd.Series([counts[k] for k in index], index=index, dtype="int64")


def _years(counts: pd.Series) -> dict[str, str]:
    """The span of years of each source's records, as text (``2017-2023``)."""
    out = {}
    for s in counts.index.get_level_values(0).unique():
        years = counts.loc[s].index
        out[str(s)] = f"{int(years.min())}-{int(years.max())}"
    return out


def check_data(records: pd.DataFrame, variants: Mapping[str, Mapping[str, Any]]
               ) -> list[str]:
    """Check the usable records against the variants before any further work.

    ``variants``: name -> ``{"sources": [...], "windows": {source: {"current": [first,
    last], ...}}}`` (as :func:`stclusters.variants.resolve_variant` gives them). Raises
    :class:`ExtractError` for a variant none of whose sources is in the data, or whose
    current windows hold no record at all; returns notes (for the log) for a variant
    missing some of its sources, or with a source whose current window is empty: that
    source then has no cluster, and the variant is ranked on the others.
    """
    return check_year_counts(year_counts(records), variants)


def check_year_counts(counts: pd.Series, variants: Mapping[str, Mapping[str, Any]]
                      ) -> list[str]:
    """:func:`check_data` on the rows per ``(source, year)`` (:func:`year_counts`,
    summed over chunks), so that the records need not be held."""
    counts = counts[counts > 0]
    found = _years(counts)
    notes = []
    for name, spec in variants.items():
        wanted = list(spec["sources"])
        have = [s for s in wanted if s in found]
        if not have:
            raise ExtractError(
                f"variant {name} ranks {', '.join(wanted)} but the data hold no usable row "
                f"of any of them; sources found: {', '.join(found) or 'none'}")
        in_window = {}
        for s in have:
            first, last = spec["windows"][s]["current"]
            years = counts.loc[s]
            in_window[s] = int(years[(years.index >= first) & (years.index <= last)].sum())
        windows = ", ".join(f"{s} {'-'.join(map(str, spec['windows'][s]['current']))}"
                            for s in have)
        if not any(in_window.values()):
            raise ExtractError(
                f"variant {name}: no usable row in its current windows ({windows}); the "
                f"data's years: {', '.join(f'{s} {found[s]}' for s in have)}")
        for s in wanted:
            if s not in found:
                notes.append(f"variant {name}: no usable {s} row in the data; {s} has no "
                             f"cluster and the variant is ranked on the other sources")
            elif not in_window[s]:
                first, last = spec["windows"][s]["current"]
                notes.append(f"variant {name}: no usable {s} row in its current window "
                             f"{first}-{last} (the data's {s} years: {found[s]}); {s} has "
                             f"no cluster")
    return notes
