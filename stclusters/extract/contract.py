"""The raw-extract contract: its columns, checking and validating a file, weights.

The contract is documented in ``docs/data-format.md``. Files that cannot be used at all
raise :class:`ExtractError` naming the file and the problem; rows that cannot be used go
to a rejects table with a reason (or raise, naming file and row, with ``on_bad_row="error"``).
Nothing is dropped silently: ``rows_in == rows_used + rows_rejected`` for every file.

This module also fixes what a reader (:mod:`stclusters.extract.readers`) hands back:
a frame of :data:`CONTRACT_COLUMNS` plus :data:`ROW_COLUMN`, and a frame of
:data:`BAD_COLUMNS` for the input rows it could not convert. It imports no reader.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stclusters.errors import UserError

SOURCES = ("pct", "pub", "vc")
TEXT_COLUMNS = ("city", "region", "postal_code", "country", "organization")
REQUIRED = ("source", "doc_id", "year", "city", "country")
OPTIONAL = ("region", "postal_code", "lat", "lon", "organization", "weight",
            "institution_id", "affiliation")
#: optional columns carried to the records only when an input has them (after CANONICAL,
#: in this order): the contributor's institution id (ROR or OpenAlex) and the raw
#: affiliation string, which the geocoder's institution registry uses
PASS_THROUGH = ("institution_id", "affiliation")
CANONICAL = [
    "record_id", "input_file", "input_row", "source", "doc_id", "year",
    "city", "region", "postal_code", "country", "organization",
    "lat", "lon", "coord_status", "weight", "weight_given", "doc_weight",
]
YEAR_RANGE = (1900, 2100)
#: the columns of a reader's frame (strings, blank = missing), in this order; a reader may
#: add columns of :data:`PASS_THROUGH`
CONTRACT_COLUMNS = ["source", "doc_id", "year", "city", "region", "postal_code", "country",
                    "lat", "lon", "organization"]
#: column of a reader's frame holding the 1-based data row of the input file
ROW_COLUMN = "_source_row"
#: columns of a reader's table of input rows it could not convert
BAD_COLUMNS = ["input_row", "reason", "detail", "raw"]
#: key of a reader frame's ``attrs``: how its input's physical lines were used
#: (``lines``, ``rows``, ``blank``, ``joined``, ``multiline``, ``bad``, ``encoding``,
#: ``line_end``); set by the readers of delimited text and Parquet
LINES_ATTR = "stclusters_lines"
#: default bound of a given ``weight`` (config key ``max_weight``)
MAX_WEIGHT = 1e6


class ExtractError(UserError, ValueError):
    """A raw extract that cannot be used; the message names the file, row and problem."""


def check_file(path: Path) -> None:
    """Raise :class:`ExtractError` when ``path`` does not exist or is an empty file."""
    if not path.exists():
        raise ExtractError(f"{path}: file not found")
    if path.is_file() and path.stat().st_size == 0:
        raise ExtractError(f"{path}: file is empty")


def check_columns(path: Path, need: Iterable[str], have: list[str], note: str = "") -> None:
    """Raise :class:`ExtractError` naming the columns of ``need`` missing from ``have``."""
    missing = [c for c in need if c not in have]
    if missing:
        raise ExtractError(
            f"{path}: missing required column(s) {', '.join(missing)}; "
            f"found {', '.join(have) or 'none'}{note}"
        )


def unique_columns(path: Path | str, names: Iterable[str]) -> list[str]:
    """Column names stripped and lower-cased; raises :class:`ExtractError` naming the
    file and both columns when two names are the same but for case or spaces."""
    out: list[str] = []
    seen: dict[str, str] = {}
    for name in names:
        key = str(name).strip().lower()
        if key in seen:
            raise ExtractError(
                f"{path}: columns {seen[key]!r} and {name!r} are the same column but for "
                f"case or spaces (column names are matched case-insensitively); rename "
                f"or drop one"
            )
        seen[key] = str(name)
        out.append(key)
    return out


def read_parquet_table(path: Path) -> pd.DataFrame:
    """A Parquet file, column names stripped and lower-cased. Raises
    :class:`ExtractError` for a file that cannot be read or with names that clash."""
    try:
        df = pq.read_table(path).to_pandas()
    except (OSError, ValueError) as exc:
        raise ExtractError(f"{path}: cannot be read as Parquet: {exc}") from exc
    df.columns = unique_columns(path, df.columns)
    return df


def _text_series(values: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """Arrow text as a pandas ``string`` column (no copy)."""
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    return pd.Series(pd.arrays.ArrowStringArray(values.cast(pa.large_string())), index=index)


def _clean_text(values: pd.Series) -> pd.Series:
    """Strip whitespace; blank -> missing. Returns pandas string dtype."""
    text = pa.array(values.astype("string").array)
    text = pc.utf8_trim_whitespace(text)
    return _text_series(pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text),
                        values.index)


def _repeated(value: str, index: pd.Index) -> pd.Series:
    """``value`` on every row, as a pandas ``string`` column."""
    one = pa.array([value], pa.large_string())
    return _text_series(one.take(np.zeros(len(index), np.int64)), index)


def _numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(numbers, given)``: a column as floats (NaN where blank or not a number) and
    whether a value is there at all (not missing, not blank). Numeric columns (Parquet)
    are taken as they are: the same numbers their text would give, without the text."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        num = pd.Series(values.to_numpy(dtype=float, na_value=np.nan), index=values.index)
        return num, num.notna()
    text = values.astype("string").str.strip()
    num = pd.to_numeric(text, errors="coerce").astype(float)
    return num, (text.notna() & (text != "")).fillna(False).astype(bool)


def _text_of(values: pd.Series) -> pd.Series:
    """A column as stripped text (missing stays missing), for the detail of a reject."""
    return values.astype("string").str.strip()


class _Reasons:
    """The first reason (and its detail) for which each row is rejected; reasons and
    details are only written out for the rows they reject."""

    def __init__(self, index: pd.Index) -> None:
        self.free = np.ones(len(index), dtype=bool)
        self._found: list[tuple[np.ndarray, str, object]] = []

    def flag(self, mask: pd.Series, why: str,
             what: Callable[[np.ndarray], pd.Series] | str) -> None:
        """Reject the rows of ``mask`` not rejected yet, for ``why``; the detail is
        ``what`` or, called with the rows' mask, the detail of each row."""
        rows = pd.Series(mask).fillna(False).to_numpy(dtype=bool) & self.free
        if rows.any():
            detail = what if isinstance(what, str) else (
                what(rows).astype("string").astype(object).to_numpy())
            self._found.append((np.flatnonzero(rows), why, detail))
            self.free[rows] = False

    def of_rejected(self) -> tuple[np.ndarray, np.ndarray]:
        """``(reason, detail)`` of the rejected rows, in row order."""
        n_bad = int((~self.free).sum())
        reason = np.empty(n_bad, dtype=object)
        detail = np.empty(n_bad, dtype=object)
        slot = np.cumsum(~self.free) - 1  # position of a rejected row among them
        for rows, why, what in self._found:
            reason[slot[rows]] = why
            detail[slot[rows]] = what
        return reason, detail


def _given_weight(raw: pd.DataFrame, reasons: _Reasons, max_weight: float) -> pd.Series:
    """A valid ``weight`` column value per row, else NaN; rejects invalid ones: not a
    finite positive number, or above ``max_weight``."""
    given_weight = pd.Series(np.nan, index=raw.index)
    if "weight" in raw.columns:
        wnum, given = _numbers(raw["weight"])
        blank = ~given
        bad_w = ~blank & (wnum.isna() | ~np.isfinite(wnum) | (wnum <= 0))

        def text(rows: np.ndarray) -> pd.Series:
            return "weight " + _text_of(raw["weight"][rows]).fillna("")

        reasons.flag(bad_w, "bad_weight",
                     lambda rows: text(rows) + " is not a finite positive number")
        too_big = ~blank & ~bad_w & (wnum > max_weight)
        reasons.flag(too_big, "bad_weight",
                     lambda rows: text(rows) + f" is above max_weight ({max_weight:g})")
        given_weight = wnum.where(~blank & ~bad_w & ~too_big)
    return given_weight


_STATUS = pa.array(["none", "out_of_range", "zero", "valid"], pa.large_string())


def _coordinates(raw: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(lat, lon, coord_status)``: never a reason to reject; invalid ones are dropped."""
    code = np.zeros(len(raw), dtype=np.int8)  # index into _STATUS
    lat = pd.Series(np.nan, index=raw.index)
    lon = pd.Series(np.nan, index=raw.index)
    if "lat" in raw.columns and "lon" in raw.columns:
        lat, lat_given = _numbers(raw["lat"])
        lon, lon_given = _numbers(raw["lon"])
        present = (lat_given | lon_given).to_numpy()
        in_range = (lat.between(-90, 90) & lon.between(-180, 180)).to_numpy()
        zero = ((lat == 0) & (lon == 0)).to_numpy()
        code[present & ~in_range] = 1
        code[present & in_range & zero] = 2
        code[present & in_range & ~zero] = 3
        keep = code == 3
        lat = lat.where(keep)
        lon = lon.where(keep)
    return lat, lon, _text_series(_STATUS.take(code), raw.index)


def first_reject_error(rejects: pd.DataFrame) -> ExtractError:
    """The error ``on_bad_row="error"`` raises: the file, row and reason of the first
    reject (lowest input row)."""
    first = rejects.sort_values(["input_file", "input_row"], kind="stable").iloc[0]
    return ExtractError(f"{first['input_file']}: row {first['input_row']}: "
                        f"{first['reason']}: {first['detail']}")


def _split_rejects(
    raw: pd.DataFrame, out: pd.DataFrame, reasons: _Reasons, on_bad_row: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(records, rejects)`` of the validated frame ``out``; raises on a bad row with
    ``on_bad_row="error"``."""
    bad = ~reasons.free
    reason, detail = reasons.of_rejected()
    rejects = out.loc[bad, ["input_file", "input_row", "source", "doc_id"]].copy()
    rejects["reason"] = pd.array(reason, dtype="string")
    rejects["detail"] = pd.array(detail, dtype="string")
    if bad.any() and on_bad_row == "error":
        raise first_reject_error(rejects)
    for col in raw.columns:
        if col not in ("source", "doc_id", ROW_COLUMN):
            rejects["raw_" + col] = raw.loc[bad, col].astype("string").to_numpy()
    records = out.loc[~bad].reset_index(drop=True)
    return records, rejects.reset_index(drop=True)


def validate(
    raw: pd.DataFrame, input_file: str, on_bad_row: str = "reject",
    max_weight: float = MAX_WEIGHT,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate one raw frame. Returns ``(records, rejects)`` without weights or ids.

    ``records`` has the canonical columns except ``record_id``, ``weight`` and
    ``doc_weight``, plus the :data:`PASS_THROUGH` columns ``raw`` has (stripped text,
    blank -> missing); ``given_weight`` holds a valid ``weight`` column value or NaN (a
    given weight above ``max_weight`` is rejected as ``bad_weight``). ``input_row`` is
    the frame's ROW_COLUMN where it has one (a reader's frame), else 1..n.
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)
    rows = (raw[ROW_COLUMN].to_numpy(np.int64) if ROW_COLUMN in raw.columns
            else np.arange(1, n + 1, dtype=np.int64))
    out = pd.DataFrame(
        {
            "input_file": _repeated(input_file, raw.index),
            "input_row": rows,
        }
    )
    source = _clean_text(raw["source"]).str.lower()
    doc_id = _clean_text(raw["doc_id"])
    year_num, _ = _numbers(raw["year"])
    out["source"] = source
    out["doc_id"] = doc_id
    for col in TEXT_COLUMNS:
        out[col] = _clean_text(raw[col]) if col in raw.columns else _text_series(
            pa.nulls(n, pa.large_string()), raw.index)

    reasons = _Reasons(raw.index)
    reasons.flag(~source.isin(SOURCES), "bad_source",
                 lambda rows: "source " + source[rows].fillna("<blank>")
                 + " is not one of pct, pub, vc")
    reasons.flag(doc_id.isna(), "missing_doc_id", "doc_id is blank")
    bad_year = year_num.isna() | (year_num % 1 != 0) | ~year_num.between(*YEAR_RANGE)
    reasons.flag(bad_year, "bad_year",
                 lambda rows: "year " + raw["year"][rows].astype("string").fillna("<blank>")
                 + f" is not an integer in {YEAR_RANGE[0]}..{YEAR_RANGE[1]}")
    out["given_weight"] = _given_weight(raw, reasons, max_weight).astype(float).to_numpy()

    lat, lon, status = _coordinates(raw)
    out["lat"] = lat.to_numpy(dtype=float)
    out["lon"] = lon.to_numpy(dtype=float)
    out["coord_status"] = status
    out["year"] = year_num.fillna(0).to_numpy().astype(np.int64).astype(np.int32)
    for col in PASS_THROUGH:
        if col in raw.columns:
            out[col] = _clean_text(raw[col])
    return _split_rejects(raw, out, reasons, on_bad_row)


def document_weights(keys: pd.DataFrame, given: np.ndarray, counting: str = "fractional"
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``(weight, doc_weight)`` of rows whose documents are ``keys`` (columns ``source``,
    ``doc_id``) and whose valid given weights are ``given`` (NaN: none); see
    :func:`group_weights`."""
    ids = keys.groupby(["source", "doc_id"], sort=False).ngroup().to_numpy()
    return group_weights(ids, given, counting)


def group_weights(ids: np.ndarray, given: np.ndarray, counting: str = "fractional"
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``(weight, doc_weight)`` of rows of the documents numbered ``ids`` (0..k-1).

    fractional: each (source, doc_id) weighs 1, split equally over its rows; whole: every
    row weighs 1. A given weight (not NaN) wins for its row. ``doc_weight`` is the exact
    sum of the weights of the document's rows, rounded once (``n * (1/n)`` for a document
    without given weights, :func:`math.fsum` for one with): it depends neither on the
    order of the rows nor on what else the frame holds, so any frame holding all the rows
    of its documents gives the same bits (the streamed stage computes it per bucket of
    documents; pandas' group sum gives bits that depend on the other groups' rows).
    """
    if counting not in ("fractional", "whole"):
        raise ValueError(f"counting must be 'fractional' or 'whole', not {counting!r}")
    n = np.bincount(ids).astype(float)
    share = 1.0 / n if counting == "fractional" else np.ones(len(n))
    has_given = ~np.isnan(given)
    weight = np.where(has_given, given, share[ids])
    total = n * share  # exact product rounded once: the sum of n equal shares
    mixed = np.bincount(ids[has_given], minlength=len(n)) > 0
    if mixed.any():
        rows = np.flatnonzero(mixed[ids])
        order = rows[np.argsort(ids[rows], kind="stable")]
        groups, starts = np.unique(ids[order], return_index=True)
        parts = np.split(weight[order], starts[1:])
        total[groups] = [math.fsum(p) for p in parts]
    return weight, total[ids]


def assign_weights(records: pd.DataFrame, counting: str = "fractional") -> pd.DataFrame:
    """Add ``weight`` and ``doc_weight`` (the document's total) to validated records.

    fractional: each (source, doc_id) weighs 1, split equally over its rows;
    whole: every row weighs 1. A valid given weight always wins for its row.
    """
    out = records.copy()
    given = out.pop("given_weight").to_numpy(dtype=float)
    weight, doc_weight = document_weights(out, given, counting)
    out["weight"] = weight
    out["weight_given"] = ~np.isnan(given)
    out["doc_weight"] = doc_weight
    return out
