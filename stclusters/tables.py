"""GII appendix-style tables of the top clusters (CSV for machines, Markdown for people).

The columns follow GII 2023 Appendix Table 3: rank, cluster name, economy, per-source
counts and shares, total (the score), previous rank and rank change.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from stclusters.io import write_csv

#: sources in display order, with their pretty headers (count, share)
SOURCE_HEADERS: dict[str, tuple[str, str]] = {
    "pct": ("PCT applications", "PCT share (%)"),
    "pub": ("Scientific publications", "Publications share (%)"),
    "vc": ("VC deals", "VC share (%)"),
}
MISSING = "n/a"


def sources_in(ranking: pd.DataFrame) -> list[str]:
    """Sources with both ``{s}_count`` and ``{s}_share`` columns, known ones first."""
    found = [
        c[: -len("_count")]
        for c in ranking.columns
        if c.endswith("_count") and f"{c[: -len('_count')]}_share" in ranking.columns
    ]
    known = [s for s in SOURCE_HEADERS if s in found]
    return known + sorted(s for s in found if s not in SOURCE_HEADERS)


def _headers(source: str) -> tuple[str, str]:
    if source in SOURCE_HEADERS:
        return SOURCE_HEADERS[source]
    return f"{source.upper()} count", f"{source.upper()} share (%)"


def top_table(ranking: pd.DataFrame, top_n: int = 100) -> pd.DataFrame:
    """The top ``top_n`` clusters of a ranking (``results/ranking/{variant}/clusters.csv``).

    Columns: ``Rank``, ``Cluster name``, ``Economy``, then for each source present a count
    and a share column (``PCT applications``, ``PCT share (%)``, ``Scientific
    publications``, ``Publications share (%)``, ``VC deals``, ``VC share (%)``), ``Total``
    (the score: summed weighted shares, %), ``Previous rank`` and ``Rank change``
    (nullable integers; missing for new clusters or when the ranking lacks them). Values
    are copied unrounded; rounding is for :func:`to_markdown`. Sorted by rank.
    """
    r = ranking.sort_values("rank", kind="mergesort")
    r = r[r["rank"] <= top_n].head(top_n)
    out = pd.DataFrame(
        {
            "Rank": r["rank"].astype("int64").to_numpy(),
            "Cluster name": r["name"].astype(object).to_numpy(),
            "Economy": r["economy"].astype(object).to_numpy(),
        }
    )
    for s in sources_in(r):
        h_count, h_share = _headers(s)
        out[h_count] = r[f"{s}_count"].astype("float64").to_numpy()
        out[h_share] = r[f"{s}_share"].astype("float64").to_numpy()
    out["Total"] = r["score"].astype("float64").to_numpy()
    for col, header in (("prev_rank", "Previous rank"), ("rank_change", "Rank change")):
        if col in r.columns:
            vals = pd.to_numeric(r[col], errors="coerce").round()
            out[header] = pd.array(vals.to_numpy(), dtype="Int64")
        else:
            out[header] = pd.array([pd.NA] * len(r), dtype="Int64")
    return out


def _is_share(col: str) -> bool:
    c = col.lower()
    return "share" in c or "(%)" in c or c in ("total", "score") or c.endswith("_pct")


def _is_integer_like(col: str, s: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s):
        return True
    if not pd.api.types.is_float_dtype(s) or "rank" not in col.lower():
        return False
    v = s.dropna()
    return bool(((v - v.round()).abs() < 1e-9).all())


def _cell(value: object, kind: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if kind == "int":
        return str(int(value))
    if kind == "share":
        return f"{float(value):,.2f}"
    if kind == "count":
        return f"{float(value):,.1f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(df: pd.DataFrame) -> str:
    """Render ``df`` as a GitHub pipe table (no ``tabulate`` needed).

    Number formats: share and total columns (name contains "share", "(%)" or is
    "Total"/"score") 2 decimals; other floating columns (counts) 1 decimal, with thousands
    separators; integer columns and whole-valued rank columns as integers; missing values
    as ``n/a``. Numeric columns are right-aligned.
    """
    kinds = []
    for col in df.columns:
        s = df[col]
        if _is_integer_like(str(col), s):
            kinds.append("int")
        elif pd.api.types.is_numeric_dtype(s):
            kinds.append("share" if _is_share(str(col)) else "count")
        else:
            kinds.append("text")
    header = "| " + " | ".join(str(c).replace("|", "\\|") for c in df.columns) + " |"
    align = "|" + "|".join("---:" if k != "text" else ":---" for k in kinds) + "|"
    lines = [header, align]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, k) for v, k in zip(row, kinds, strict=True)) + " |")
    return "\n".join(lines) + "\n"


def write_tables(
    ranking: pd.DataFrame, out_csv: str | Path, out_md: str | Path, top_n: int = 100
) -> pd.DataFrame:
    """Write the :func:`top_table` as CSV (full precision) and Markdown; return it."""
    table = top_table(ranking, top_n)
    write_csv(table, out_csv, float_format="%.10g")
    out_md = Path(out_md)
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text(to_markdown(table), encoding="utf-8")
    return table
