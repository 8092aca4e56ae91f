"""``patentsview``: inventor rows of the PatentsView bulk tables in a folder.

The folder holds ``g_inventor_disambiguated.tsv`` (``patent_id``, ``inventor_sequence``,
``location_id``, ...) joined on ``location_id`` to ``g_location_disambiguated.tsv``
(``disambig_city``, ``disambig_state``, ``disambig_country``, ``latitude``,
``longitude``) and on ``patent_id`` to ``g_patent.tsv`` (year of ``patent_date``);
``g_assignee_disambiguated.tsv``, when present, gives the organization
(``disambig_assignee_organization`` of the lowest ``assignee_sequence`` that has one).
``.tsv.zip`` / ``.tsv.gz`` files work too. One row per inventor; doc_id = patent_id.
The inventor table is streamed in blocks; only the needed columns are kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.extract.contract import ROW_COLUMN, ExtractError
from stclusters.extract.readers._common import (
    BadRow,
    bad_frame,
    contract_frame,
    stream_delimited,
    year_of,
)

log = logging.getLogger("stclusters")

PV_INVENTOR = "g_inventor_disambiguated"
PV_LOCATION = "g_location_disambiguated"
PV_PATENT = "g_patent"
PV_ASSIGNEE = "g_assignee_disambiguated"


def _find_table(folder: Path, stem: str, required: bool = True) -> Path | None:
    for ext in (".tsv", ".tsv.zip", ".tsv.gz", ".csv"):
        p = folder / f"{stem}{ext}"
        if p.exists():
            return p
    if required:
        raise ExtractError(f"{folder}: PatentsView table {stem}.tsv not found")
    return None


def _read_all(path: Path, columns: list[str], ignored: list[BadRow]) -> pd.DataFrame:
    """The whole of a (small) table: every one of ``columns`` is required."""
    return pd.concat(list(stream_delimited(path, columns, columns, "\t", ignored)),
                     ignore_index=True)


def _locations(path: Path, ignored: list[BadRow]) -> pd.DataFrame:
    """The location table indexed by ``location_id`` (first row of each id)."""
    loc_cols = ["location_id", "disambig_city", "disambig_state", "disambig_country",
                "latitude", "longitude"]
    loc = _read_all(path, loc_cols, ignored).drop(columns=ROW_COLUMN)
    return loc.drop_duplicates("location_id").set_index("location_id")


def _years(path: Path, ignored: list[BadRow]) -> pd.Series:
    """The grant year (text) of each ``patent_id``."""
    pat = _read_all(path, ["patent_id", "patent_date"], ignored)
    year = pd.Series(year_of(pat["patent_date"]).to_numpy(dtype=object),
                     index=pat["patent_id"].to_numpy(dtype=object))
    return year[~year.index.duplicated()]


def _organizations(path: Path, ignored: list[BadRow]) -> pd.Series:
    """The organization of each ``patent_id``: the first assignee that names one."""
    acols = ["patent_id", "assignee_sequence", "disambig_assignee_organization"]
    asg = _read_all(path, acols, ignored)
    asg = asg[asg["disambig_assignee_organization"].str.strip() != ""]
    asg["seq"] = pd.to_numeric(asg["assignee_sequence"], errors="coerce")
    asg = asg.sort_values(["patent_id", "seq"], kind="stable").drop_duplicates("patent_id")
    return pd.Series(asg["disambig_assignee_organization"].str.strip().to_numpy(),
                     index=asg["patent_id"].to_numpy(dtype=object))


def _inventor_rows(chunk: pd.DataFrame, loc: pd.DataFrame, year: pd.Series,
                   org: pd.Series | None, source: str) -> pd.DataFrame:
    """Contract rows of one block of the inventor table."""
    pid = chunk["patent_id"].str.strip()
    li = loc.index.get_indexer(chunk["location_id"].str.strip())
    have = li >= 0

    def lcol(c: str) -> np.ndarray:
        v = loc[c].to_numpy(dtype=object)[np.maximum(li, 0)]
        return np.where(have, v, None)

    pids = pid.to_numpy(dtype=object)
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


def read_patentsview(folder: str | Path, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inventor rows of the PatentsView bulk tables in ``folder`` (see module docstring).

    Bad rows are inventor lines with the wrong number of fields (``bad_line``); such
    lines in the other tables are counted in a warning and otherwise ignored.
    """
    folder = Path(folder)
    if not folder.exists():
        raise ExtractError(f"{folder}: folder not found")
    if not folder.is_dir():
        raise ExtractError(f"{folder}: the patentsview format needs a folder holding "
                           f"{PV_INVENTOR}.tsv, {PV_LOCATION}.tsv and {PV_PATENT}.tsv")
    inv_path = _find_table(folder, PV_INVENTOR)
    loc_path = _find_table(folder, PV_LOCATION)
    pat_path = _find_table(folder, PV_PATENT)
    asg_path = _find_table(folder, PV_ASSIGNEE, required=False)
    ignored: list[BadRow] = []
    loc = _locations(loc_path, ignored)
    year = _years(pat_path, ignored)
    org = _organizations(asg_path, ignored) if asg_path is not None else None

    bad: list[BadRow] = []
    inv_cols = ["patent_id", "inventor_sequence", "location_id"]
    parts = [
        _inventor_rows(chunk, loc, year, org, source)
        for chunk in stream_delimited(inv_path, inv_cols, ["patent_id", "location_id"],
                                      "\t", bad)
    ]
    if ignored:
        log.warning("%s: %d malformed lines in the location/patent/assignee tables ignored",
                    folder, len(ignored))
    frame = pd.concat(parts, ignore_index=True) if parts else contract_frame({}, 0)
    if len(frame) == 0 and not bad:
        raise ExtractError(f"{inv_path}: file has a header but no data rows")
    return frame, bad_frame(bad)
