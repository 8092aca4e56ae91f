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
other tables are counted in a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.extract.contract import LINES_ATTR, ROW_COLUMN, ExtractError
from stclusters.extract.readers._common import BadRow, bad_frame, contract_frame, year_of
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


def _years(path: Path, lay: Layout, ignored: list[BadRow], enc: str | None) -> pd.Series:
    """The year (text) of each document: of the first of ``lay.dates`` given."""
    key = _key(path, lay, enc)
    doc = _read_all(path, [key, *lay.dates], ignored, enc, [key, lay.dates[0]])
    year = pd.Series(None, index=doc.index, dtype=object)
    for col in lay.dates:
        year = year.where(year.notna(), year_of(doc[col]))
    year.index = doc[key].str.strip().to_numpy(dtype=object)
    return year[~year.index.duplicated()]


def _organizations(path: Path, lay: Layout, ignored: list[BadRow], enc: str | None
                   ) -> pd.Series:
    """The organization of each document: the first assignee that names one."""
    key = _key(path, lay, enc)
    acols = [key, "assignee_sequence", "disambig_assignee_organization"]
    asg = _read_all(path, acols, ignored, enc)
    asg = asg[asg["disambig_assignee_organization"].str.strip() != ""]
    asg = asg.assign(seq=pd.to_numeric(asg["assignee_sequence"], errors="coerce"),
                     key=asg[key].str.strip())
    asg = asg.sort_values(["key", "seq"], kind="stable").drop_duplicates("key")
    return pd.Series(asg["disambig_assignee_organization"].str.strip().to_numpy(),
                     index=asg["key"].to_numpy(dtype=object))


def _inventor_rows(chunk: pd.DataFrame, key: str, loc: pd.DataFrame, year: pd.Series,
                   org: pd.Series | None, source: str) -> pd.DataFrame:
    """Contract rows of one block of the inventor table."""
    li = loc.index.get_indexer(chunk["location_id"].str.strip())
    have = li >= 0

    def lcol(c: str) -> np.ndarray:
        v = loc[c].to_numpy(dtype=object)[np.maximum(li, 0)]
        return np.where(have, v, None)

    pids = chunk[key].str.strip().to_numpy(dtype=object)
    return contract_frame(
        {
            "source": np.full(len(chunk), source, dtype=object),
            "doc_id": pids,
            "year": year.reindex(pids).to_numpy(dtype=object),
            "city": lcol("disambig_city"),
            "region": lcol("disambig_state"),
            "country": lcol("disambig_country"),
            "lat": lcol("latitude"),
            "lon": lcol("longitude"),
            "organization": (org.reindex(pids).to_numpy(dtype=object)
                             if org is not None else None),
            ROW_COLUMN: chunk[ROW_COLUMN].to_numpy(np.int64),
        },
        len(chunk),
    )


def read_patentsview(folder: str | Path, source: str, encoding: str | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inventor rows of the PatentsView bulk tables in ``folder`` (see module docstring).

    Bad rows are inventor lines the parser rejects (``bad_line``, ``bad_quote``,
    ``bad_encoding``); such lines in the other tables are counted in a warning and
    otherwise ignored.
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

    bad: list[BadRow] = []
    counts = LineCounts()
    key = _key(inv_path, lay, encoding)
    parts = [
        _inventor_rows(chunk, key, loc, year, org, source)
        for chunk in read_delimited(inv_path, "\t", encoding,
                                    [key, "inventor_sequence", "location_id"],
                                    [key, "location_id"], bad, counts)
    ]
    if ignored:
        log.warning("%s: %d malformed lines in the location/document/assignee tables "
                    "ignored", folder, len(ignored))
    frame = pd.concat(parts, ignore_index=True) if parts else contract_frame({}, 0)
    if counts.lines - counts.blank == 0:
        raise ExtractError(f"{inv_path}: file has a header but no data rows")
    frame.attrs[LINES_ATTR] = {**counts.as_dict(), "layout": lay.name}
    return frame, bad_frame(bad)
