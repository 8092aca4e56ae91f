"""``patentsview``: inventor rows of the PatentsView bulk tables in a folder.

Two layouts (:data:`LAYOUTS`), told by the inventor table the folder holds:

* grants: ``g_inventor_disambiguated.tsv`` (``patent_id``, ``inventor_sequence``,
  ``location_id``, ...) joined on ``location_id`` to ``g_location_disambiguated.tsv``
  (``disambig_city``, ``disambig_state``, ``disambig_country``, ``latitude``,
  ``longitude``) and on ``patent_id`` to ``g_patent.tsv`` (year of ``patent_date``);
  ``g_assignee_disambiguated.tsv``, when present, gives the organization
  (``disambig_assignee_organization`` of the lowest ``assignee_sequence`` that has one).
* pre-grant publications: the same tables with the ``pg_`` prefix, keyed by the
  publication number (``pgpub_id`` in current downloads, ``document_number`` in older
  ones), the year from ``pg_published_application.tsv`` (``published_date``, else
  ``filing_date``).

``.tsv.zip`` / ``.tsv.gz`` files work too. One row per inventor; doc_id = the patent or
publication number. Every table is read by the exact delimited parser (quoted or bare
fields, any encoding); bad inventor lines are the reader's bad rows, bad lines of the
other tables are counted in a warning. :func:`iter_patentsview` streams the inventor
rows in chunks; the lookups it holds grow with the locations and the patents, not with
the inventor rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.extract.contract import ROW_COLUMN, ExtractError
from stclusters.extract.readers._common import (
    BadRow,
    concat_chunks,
    contract_frame,
    rechunk,
    year_of,
)
from stclusters.extract.readers._delimited import LineCounts, read_delimited, read_header

log = logging.getLogger("stclusters")


@dataclass(frozen=True)
class Layout:
    """The tables of one PatentsView layout and their key and date columns."""

    name: str
    prefix: str
    keys: tuple[str, ...]
    document: str
    dates: tuple[str, ...]

    def table(self, what: str) -> str:
        """The stem of a table: ``inventor`` -> ``g_inventor_disambiguated``."""
        if what == "document":
            return self.prefix + self.document
        return f"{self.prefix}{what}_disambiguated"


LAYOUTS = (
    Layout("grants", "g_", ("patent_id",), "patent", ("patent_date",)),
    Layout("pre-grant publications", "pg_", ("pgpub_id", "document_number"),
           "published_application", ("published_date", "filing_date")),
)
_LOC_COLS = ["location_id", "disambig_city", "disambig_state", "disambig_country",
             "latitude", "longitude"]


def _find_table(folder: Path, stem: str, required: bool = True) -> Path | None:
    for ext in (".tsv", ".tsv.zip", ".tsv.gz", ".csv"):
        p = folder / f"{stem}{ext}"
        if p.exists():
            return p
    if required:
        raise ExtractError(f"{folder}: PatentsView table {stem}.tsv not found")
    return None


def layout_of(folder: Path) -> Layout:
    """The layout whose inventor table is in ``folder`` (ExtractError: none or both)."""
    found = [lay for lay in LAYOUTS
             if _find_table(folder, lay.table("inventor"), required=False)]
    if len(found) == 1:
        return found[0]
    if found:
        raise ExtractError(f"{folder}: holds both grant (g_*) and pre-grant (pg_*) "
                           f"PatentsView tables; give each its own folder and input")
    raise ExtractError(f"{folder}: PatentsView table g_inventor_disambiguated.tsv (grants)"
                       f" or pg_inventor_disambiguated.tsv (pre-grant) not found")


def _key(path: Path, lay: Layout, encoding: str | None) -> str:
    """The name of the document key column of a table of ``lay``."""
    have = read_header(path, "\t", encoding)
    for k in lay.keys:
        if k in have:
            return k
    raise ExtractError(f"{path}: missing required column(s) {' or '.join(lay.keys)}; "
                       f"found {', '.join(have) or 'none'}")


def _read_all(path: Path, columns: list[str], ignored: list[BadRow],
              encoding: str | None, required: list[str] | None = None) -> pd.DataFrame:
    """The whole of a (small) table; ``required`` (default: all ``columns``)."""
    req = columns if required is None else required
    return pd.concat(list(read_delimited(path, "\t", encoding, columns, req, ignored)),
                     ignore_index=True)


def _key_bytes(keys: np.ndarray) -> np.ndarray:
    """Document keys as fixed-width bytes (UTF-8 and a ``|``, so that no key ends in a
    NUL byte, which fixed-width bytes would drop): 10 bytes for ``10000001``, where a
    Python string costs about 60 and its index entry more."""
    if not len(keys):
        return np.zeros(0, "S1")
    return np.array([k.encode("utf-8", "surrogatepass") + b"|" for k in keys], dtype="S")


class _Lookup:
    """Text values by document key, held compactly: the distinct keys sorted, as
    fixed-width bytes (:func:`_key_bytes`), and each key's value as a code into the
    distinct values (the first value given for a key wins; a missing value is None).

    Built from blocks (:meth:`add`, then :meth:`done`) so that no table is held whole.
    """

    def __init__(self) -> None:
        self._keys: list[np.ndarray] = []
        self._codes: list[np.ndarray] = []
        self._order: list[np.ndarray] = []
        self._code_of: dict[object, int] = {}
        self.keys = np.zeros(0, "S1")
        self.codes = np.zeros(0, np.int32)
        self.values = np.array([None], dtype=object)

    def add(self, keys: np.ndarray, values: np.ndarray, order: np.ndarray | None = None
            ) -> None:
        """The values of a block's keys (blank or missing values: None); ``order``: a
        number per key, the smallest winning over the block order (NaN last)."""
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        to_global = np.array([self._code_of.setdefault(u, len(self._code_of))
                              for u in uniques.tolist()] + [-1], dtype=np.int32)
        self._keys.append(_key_bytes(keys))
        self._codes.append(to_global[codes])
        if order is not None:
            self._order.append(np.asarray(order, dtype=np.float64))

    def done(self) -> _Lookup:
        """Sort the keys and keep each key's winning value."""
        keys = np.concatenate(self._keys) if self._keys else np.zeros(0, "S1")
        codes = np.concatenate(self._codes) if self._codes else np.zeros(0, np.int32)
        self._keys, self._codes = [], []
        if self._order:
            order = np.lexsort((np.concatenate(self._order), keys))  # stable
        else:
            order = np.argsort(keys, kind="stable")
        self._order = []
        keys, codes = keys[order], codes[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        small = np.int16 if len(self._code_of) < np.iinfo(np.int16).max else np.int32
        self.keys, self.codes = keys[first], codes[first].astype(small)
        self.values = np.array([*self._code_of, None], dtype=object)
        self._code_of = {}
        return self

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The values of ``keys`` (:func:`_key_bytes` of the document keys); None for a
        key without one."""
        at = np.searchsorted(self.keys, keys)
        if len(self.keys):
            at = np.minimum(at, len(self.keys) - 1)
            hit = self.keys[at] == keys
            code = np.where(hit, self.codes[at], -1)
        else:
            code = np.full(len(keys), -1)
        return self.values[code]

    def nbytes(self) -> int:
        """Bytes of the arrays held (the distinct values' strings not counted)."""
        return self.keys.nbytes + self.codes.nbytes + self.values.nbytes


def _years(path: Path, lay: Layout, ignored: list[BadRow], enc: str | None) -> _Lookup:
    """The year (text) of each document: of the first of ``lay.dates`` given."""
    key = _key(path, lay, enc)
    out = _Lookup()
    for doc in read_delimited(path, "\t", enc, [key, *lay.dates], [key, lay.dates[0]],
                              ignored):
        year = pd.Series(None, index=doc.index, dtype=object)
        for col in lay.dates:
            year = year.where(year.notna(), year_of(doc[col]))
        out.add(doc[key].str.strip().to_numpy(dtype=object), year.to_numpy(dtype=object))
    return out.done()


def _organizations(path: Path, lay: Layout, ignored: list[BadRow], enc: str | None
                   ) -> _Lookup:
    """The organization of each document: of the lowest ``assignee_sequence`` (a
    sequence that is not a number last; ties: the first in the file) naming one."""
    key = _key(path, lay, enc)
    acols = [key, "assignee_sequence", "disambig_assignee_organization"]
    out = _Lookup()
    for asg in read_delimited(path, "\t", enc, acols, acols, ignored):
        org = asg["disambig_assignee_organization"].str.strip()
        asg = asg[org != ""]
        out.add(asg[key].str.strip().to_numpy(dtype=object), org[org != ""].to_numpy(dtype=object),
                pd.to_numeric(asg["assignee_sequence"], errors="coerce").to_numpy(np.float64))
    return out.done()


def _inventor_rows(chunk: pd.DataFrame, key: str, loc: pd.DataFrame, year: _Lookup,
                   org: _Lookup | None, source: str) -> pd.DataFrame:
    """Contract rows of one block of the inventor table."""
    li = loc.index.get_indexer(chunk["location_id"].str.strip())
    have = li >= 0

    def lcol(c: str) -> np.ndarray:
        v = loc[c].to_numpy(dtype=object)[np.maximum(li, 0)]
        return np.where(have, v, None)

    pids = chunk[key].str.strip().to_numpy(dtype=object)
    pkeys = _key_bytes(pids)
    return contract_frame(
        {
            "source": np.full(len(chunk), source, dtype=object),
            "doc_id": pids,
            "year": year.get(pkeys),
            "city": lcol("disambig_city"),
            "region": lcol("disambig_state"),
            "country": lcol("disambig_country"),
            "lat": lcol("latitude"),
            "lon": lcol("longitude"),
            "organization": org.get(pkeys) if org is not None else None,
            ROW_COLUMN: chunk[ROW_COLUMN].to_numpy(np.int64),
        },
        len(chunk),
    )


def iter_patentsview(folder: str | Path, source: str, encoding: str | None = None,
                     chunk_rows: int = 1_000_000, lines: dict[str, object] | None = None
                     ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """:func:`read_patentsview` as ``(frame, bad)`` chunks of ``chunk_rows`` inventor
    rows, in the inventor table's order, each with the bad inventor lines of its stretch
    of the table.

    The location, document and assignee tables are read first, block by block, into
    lookups (locations by id; the year and the organization by document, held as
    fixed-width keys and codes: for 8-character patent numbers 11 and 13 bytes a
    document, plus the distinct organization names); then the inventor table is
    streamed. Once the iterator is exhausted, ``lines`` holds the inventor
    table's line counts and the layout (:data:`LINES_ATTR`); an inventor table with a
    header but no data rows raises :class:`ExtractError` at its end.
    """
    folder = Path(folder)
    if not folder.exists():
        raise ExtractError(f"{folder}: folder not found")
    if not folder.is_dir():
        raise ExtractError(f"{folder}: the patentsview format needs a folder holding "
                           f"g_inventor_disambiguated.tsv, g_location_disambiguated.tsv and "
                           f"g_patent.tsv (or the pre-grant pg_* tables)")
    lay = layout_of(folder)
    inv_path = _find_table(folder, lay.table("inventor"))
    loc_path = _find_table(folder, lay.table("location"))
    doc_path = _find_table(folder, lay.table("document"))
    asg_path = _find_table(folder, lay.table("assignee"), required=False)
    ignored: list[BadRow] = []
    loc = _read_all(loc_path, _LOC_COLS, ignored, encoding).drop(columns=ROW_COLUMN)
    loc = loc.drop_duplicates("location_id").set_index("location_id")
    year = _years(doc_path, lay, ignored, encoding)
    org = _organizations(asg_path, lay, ignored, encoding) if asg_path else None
    if ignored:
        log.warning("%s: %d malformed lines in the location/document/assignee tables "
                    "ignored", folder, len(ignored))

    bad: list[BadRow] = []
    counts = LineCounts()
    key = _key(inv_path, lay, encoding)

    def pieces() -> Iterator[tuple[pd.DataFrame, list[BadRow]]]:
        for chunk in read_delimited(inv_path, "\t", encoding,
                                    [key, "inventor_sequence", "location_id"],
                                    [key, "location_id"], bad, counts):
            found = list(bad)
            del bad[:]
            yield _inventor_rows(chunk, key, loc, year, org, source), found

    yield from rechunk(pieces(), chunk_rows)
    if counts.lines - counts.blank == 0:
        raise ExtractError(f"{inv_path}: file has a header but no data rows")
    if lines is not None:
        lines.update({**counts.as_dict(), "layout": lay.name})


def read_patentsview(folder: str | Path, source: str, encoding: str | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inventor rows of the PatentsView bulk tables in ``folder`` (see module docstring):
    the chunks of :func:`iter_patentsview` as one frame.

    Bad rows are inventor lines the parser rejects (``bad_line``, ``bad_quote``,
    ``bad_encoding``); such lines in the other tables are counted in a warning and
    otherwise ignored. The frame's ``attrs[LINES_ATTR]`` holds the inventor table's line
    counts and the layout.
    """
    lines: dict[str, object] = {}
    return concat_chunks(iter_patentsview(folder, source, encoding, chunk_rows=1 << 62,
                                          lines=lines), lines)
