"""``crunchbase``: deals of a Crunchbase CSV export (acquisitions or funding rounds).

Acquisitions (``company_*`` location columns, ``acquired_at``) or funding rounds
(``company_*`` columns, ``funded_at``), told apart by their columns. city =
``company_city``, region = ``company_state_code`` (US state code; elsewhere a GeoNames
admin1 code such as ``48`` for Moscow), country = ``company_country_code`` (ISO3),
organization = ``company_name``, year of the date. doc_id = the funding round's
permalink, else ``company_permalink@date``, else ``row<N>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.extract.contract import (
    ROW_COLUMN,
    ExtractError,
    check_columns,
    check_file,
    read_table,
)
from stclusters.extract.readers._common import contract_frame, empty_bad, year_of


def _kind_of(path: Path, cols: list[str], kind: str | None) -> str:
    """``acquisitions`` or ``rounds``: ``kind``, else told by the export's columns."""
    if kind is None:
        if "acquired_at" in cols:
            kind = "acquisitions"
        elif "funded_at" in cols:
            kind = "rounds"
        else:
            raise ExtractError(
                f"{path}: not a Crunchbase acquisitions or funding-rounds export: needs "
                f"acquired_at or funded_at; found {', '.join(cols) or 'none'}"
            )
    if kind not in ("acquisitions", "rounds"):
        raise ValueError(f"kind must be 'acquisitions', 'rounds' or None, not {kind!r}")
    return kind


def read_crunchbase(path: str | Path, source: str, kind: str | None = None,
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deals of a Crunchbase CSV export (see module docstring).

    ``kind``: ``acquisitions`` (date ``acquired_at``), ``rounds`` (date ``funded_at``) or
    None to tell them apart by their columns. Every CSV row gives one row (the company's
    location); rows that do not parse stop the read with the line named.
    """
    path = Path(path)
    check_file(path)
    df = read_table(path)
    cols = list(df.columns)
    kind = _kind_of(path, cols, kind)
    date_col = "acquired_at" if kind == "acquisitions" else "funded_at"
    check_columns(path, ["company_city", "company_country_code", date_col], cols)
    if len(df) == 0:
        raise ExtractError(f"{path}: file has a header but no data rows")
    n = len(df)

    def col(c: str) -> pd.Series:
        if c not in df.columns:
            return pd.Series([""] * n, index=df.index, dtype=object)
        return df[c].astype(object).str.strip()

    date = col(date_col)
    row_no = np.arange(1, n + 1, dtype=np.int64)
    doc = col("company_permalink") + "@" + date
    doc = doc.where(col("company_permalink") != "", "row" + pd.Series(row_no).astype(str))
    if kind == "rounds" and "funding_round_permalink" in df.columns:
        fr = col("funding_round_permalink")
        doc = fr.where(fr != "", doc)
    frame = contract_frame(
        {
            "source": np.full(n, source, dtype=object),
            "doc_id": doc.to_numpy(dtype=object),
            "year": year_of(date).to_numpy(dtype=object),
            "city": col("company_city").to_numpy(dtype=object),
            "region": col("company_state_code").to_numpy(dtype=object),
            "country": col("company_country_code").to_numpy(dtype=object),
            "organization": col("company_name").to_numpy(dtype=object),
            ROW_COLUMN: row_no,
        },
        n,
    )
    return frame, empty_bad()
