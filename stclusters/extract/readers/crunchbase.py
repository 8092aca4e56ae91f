"""``crunchbase``: deals of a Crunchbase CSV export, in any of its layouts.

One row per deal at the target company's location. The layout is told by the date
column (see :data:`LAYOUTS`):

* 2013 / 2015 exports, ``company_*`` columns: funding rounds (``funded_at``; 2013 has no
  round id, 2015 has ``funding_round_permalink``) and acquisitions (``acquired_at``).
  city = ``company_city``, region = ``company_state_code`` (US state code; elsewhere a
  GeoNames admin1 code such as ``48`` for Moscow), country = ``company_country_code``
  (ISO3), organization = ``company_name``.
* 2017 and later exports: funding rounds (``announced_on``; ``city``, ``state_code``,
  ``country_code``, ``company_name`` or ``org_name``, ``funding_round_uuid`` or
  ``uuid``) and acquisitions (``acquired_on``; ``acquiree_city``,
  ``acquiree_state_code`` or ``state_code``, ``acquiree_country_code``,
  ``acquiree_name``, ``acquisition_uuid`` or ``uuid``).

doc_id: the deal's own id (round permalink or uuid) where the export has one, else
``company@date@type#n`` (company permalink, uuid or name; deal date; round type or
``acquisition``; n numbers the deals sharing the rest, in file order), so every deal is
one document even where a company has two rounds on one date. year: of the date (else of
``funded_year``). The file is read by the exact delimited parser: any encoding (the 2013
export is Mac Roman with CR line ends), quoted fields, rows with the wrong number of
fields as ``bad_line`` rejects. :func:`iter_crunchbase` reads it in chunks, numbering
the deals as the whole file would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.extract.contract import (
    ROW_COLUMN,
    ExtractError,
    check_columns,
)
from stclusters.extract.readers._common import (
    BadRow,
    concat_chunks,
    contract_frame,
    rechunk,
    year_of,
)
from stclusters.extract.readers._delimited import LineCounts, read_delimited


@dataclass(frozen=True)
class Layout:
    """Where one Crunchbase layout keeps each field; each tuple: candidate columns,
    the first present (and, for ids, non-blank) one wins."""

    name: str
    kind: str
    date: str
    city: tuple[str, ...]
    region: tuple[str, ...]
    country: tuple[str, ...]
    organization: tuple[str, ...]
    deal_id: tuple[str, ...]
    company: tuple[str, ...]
    deal_type: tuple[str, ...]


_OLD = {"city": ("company_city",), "region": ("company_state_code",),
        "country": ("company_country_code",), "organization": ("company_name",),
        "company": ("company_permalink", "company_name")}
#: the layouts, by the date column that tells them apart
LAYOUTS: dict[str, Layout] = {
    "funded_at": Layout("2013/2015 funding rounds", "rounds", "funded_at",
                        deal_id=("funding_round_permalink",),
                        deal_type=("funding_round_type",), **_OLD),
    "acquired_at": Layout("2015 acquisitions", "acquisitions", "acquired_at",
                          deal_id=(), deal_type=(), **_OLD),
    "announced_on": Layout("2017+ funding rounds", "rounds", "announced_on",
                           city=("city",), region=("state_code",), country=("country_code",),
                           organization=("company_name", "org_name", "name"),
                           deal_id=("funding_round_uuid", "uuid"),
                           company=("company_uuid", "org_uuid", "company_name", "org_name"),
                           deal_type=("funding_round_type", "investment_type")),
    "acquired_on": Layout("2017+ acquisitions", "acquisitions", "acquired_on",
                          city=("acquiree_city",),
                          region=("acquiree_state_code", "state_code"),
                          country=("acquiree_country_code",),
                          organization=("acquiree_name",),
                          deal_id=("acquisition_uuid", "uuid"),
                          company=("acquiree_uuid", "acquiree_name"), deal_type=()),
}


def layout_of(path: Path, cols: list[str], kind: str | None = None) -> Layout:
    """The :class:`Layout` of an export with columns ``cols`` (``kind``: only
    ``acquisitions`` or ``rounds`` layouts). Raises ExtractError naming what is
    missing."""
    if kind not in (None, "acquisitions", "rounds"):
        raise ValueError(f"kind must be 'acquisitions', 'rounds' or None, not {kind!r}")
    layouts = [lay for lay in LAYOUTS.values() if kind in (None, lay.kind)]
    for lay in layouts:
        if lay.date in cols:
            check_columns(path, [lay.city[0], lay.country[0]], cols,
                          f" (a Crunchbase {lay.name} export)")
            return lay
    if kind is not None:
        check_columns(path, [layouts[0].date], cols)
    raise ExtractError(
        f"{path}: not a Crunchbase acquisitions or funding-rounds export: needs one of "
        f"{', '.join(lay.date for lay in layouts)}; found {', '.join(cols) or 'none'}"
    )


def _column(df: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    """The first of ``names`` present in ``df`` (stripped text), else blanks; for
    several present, each row takes the first non-blank."""
    out = pd.Series("", index=df.index, dtype=object)
    for name in names:
        if name in df.columns:
            values = df[name].astype(object).str.strip()
            out = out.where(out != "", values)
    return out


def deal_ids(df: pd.DataFrame, lay: Layout, date: pd.Series,
             seen: dict[str, int] | None = None) -> pd.Series:
    """One id per deal: its own id, else ``company@date@type#n`` (see module docs).

    ``seen``: how many rows of each ``company@date@type`` key came before ``df`` in the
    file (updated with ``df``'s), so that a file read in blocks numbers its deals as if
    read whole; None: ``df`` is the whole file.
    """
    own = _column(df, lay.deal_id) if lay.deal_id else pd.Series("", index=df.index)
    company = _column(df, lay.company)
    rows = pd.Series(df[ROW_COLUMN].to_numpy(), index=df.index).astype(str)
    company = company.where(company != "", "row" + rows)
    dtype = _column(df, lay.deal_type) if lay.deal_type else pd.Series(
        lay.kind.removesuffix("s"), index=df.index)
    key = company + "@" + date + "@" + dtype.where(dtype != "", lay.kind.removesuffix("s"))
    seq = key.groupby(key, sort=False).cumcount() + 1
    if seen is not None:
        if seen:
            seq += np.fromiter((seen.get(k, 0) for k in key), np.int64, len(key))
        last = ~key.duplicated(keep="last")
        seen.update(zip(key[last].tolist(), seq[last].tolist(), strict=True))
    return own.where(own != "", key + "#" + seq.astype(str))


def _deals(df: pd.DataFrame, lay: Layout, source: str, seen: dict[str, int]
           ) -> pd.DataFrame:
    """Contract rows of one block of an export (``seen``: see :func:`deal_ids`)."""
    date = _column(df, (lay.date,))
    year = year_of(date)
    if "funded_year" in df.columns:
        fy = year_of(df["funded_year"])
        year = year.where(pd.notna(year), fy)
    n = len(df)
    return contract_frame(
        {
            "source": np.full(n, source, dtype=object),
            "doc_id": deal_ids(df, lay, date, seen).to_numpy(dtype=object),
            "year": year.to_numpy(dtype=object),
            "city": _column(df, lay.city).to_numpy(dtype=object),
            "region": _column(df, lay.region).to_numpy(dtype=object),
            "country": _column(df, lay.country).to_numpy(dtype=object),
            "organization": _column(df, lay.organization).to_numpy(dtype=object),
            ROW_COLUMN: df[ROW_COLUMN].to_numpy(np.int64),
        },
        n,
    )


def iter_crunchbase(path: str | Path, source: str, kind: str | None = None,
                    encoding: str | None = None, chunk_rows: int = 1_000_000,
                    lines: dict[str, object] | None = None
                    ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """:func:`read_crunchbase` as ``(frame, bad)`` chunks of ``chunk_rows`` rows, in file
    order, each with the bad rows of its stretch of the file.

    The layout is told by the header, before the first chunk; ``company@date@type#n``
    ids are numbered across chunks (a count per key is carried from chunk to chunk: the
    memory held grows with the distinct keys, not the rows), so they equal those of the
    whole file. Once the iterator is exhausted, ``lines`` holds the line counts and the
    layout (:data:`LINES_ATTR`); a file with a header but no data rows raises
    :class:`ExtractError` at its end.
    """
    path = Path(path)
    counts = LineCounts()
    bad: list[BadRow] = []
    seen: dict[str, int] = {}
    lay: list[Layout] = []

    def pieces() -> Iterator[tuple[pd.DataFrame, list[BadRow]]]:
        for df in read_delimited(path, ",", encoding, bad=bad, counts=counts):
            if not lay:
                lay.append(layout_of(path, [c for c in df.columns if c != ROW_COLUMN],
                                     kind))
            found = list(bad)
            del bad[:]
            yield _deals(df, lay[0], source, seen), found

    yield from rechunk(pieces(), chunk_rows)
    if counts.lines - counts.blank == 0:
        raise ExtractError(f"{path}: file has a header but no data rows")
    if lines is not None:
        lines.update({**counts.as_dict(), "layout": lay[0].name})


def read_crunchbase(path: str | Path, source: str, kind: str | None = None,
                    encoding: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deals of a Crunchbase CSV export in any layout (see module docstring): the
    chunks of :func:`iter_crunchbase` as one frame.

    ``kind``: ``acquisitions``, ``rounds`` or None to tell the layout by the columns.
    ``encoding``: the file's encoding, else detected. Returns ``(frame, bad)``; the
    frame's ``attrs[LINES_ATTR]`` holds the line counts and the layout.
    """
    lines: dict[str, object] = {}
    return concat_chunks(iter_crunchbase(path, source, kind, encoding, chunk_rows=1 << 62,
                                         lines=lines), lines)
