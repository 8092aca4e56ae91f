"""Fidelity: how close a rebuilt ranking comes to what the GII published.

Compares one variant's ranking (``results/ranking/{variant}/clusters.csv``, optionally with
the intensity columns of :func:`stclusters.intensity.intensity`) with the published facts
in ``../shared/reference/`` (README there):

* **ranks**: published rank vs ours for every cluster the GII text names
  (``gii{edition}_top100_ranks.csv``; for editions without it, the ranks in
  ``gii_published_shares.csv``), matched by :func:`stclusters.compare.fidelity_table`;
  Spearman and Kendall (tau-b) correlations over the matched clusters;
* **top-k overlap** (k = 10, 25): of the *named* clusters with a published rank <= k, how
  many are in our top k. Only part of the published top k is named, so the denominator
  is the number of named ones (``known``), not k;
* **clusters per economy**: top-100 clusters per economy, ours (a cross-border cluster
  counts for each economy of its code, as in :func:`stclusters.tables.table6_economies`)
  vs ``gii_clusters_per_economy.csv`` for the edition;
* **intensity top 25** (when the ranking has ``intensity_rank`` and
  ``gii{edition}_intensity_top25.csv`` exists): of the published top 25 by intensity, how
  many are in our intensity top 25, and the rank correlation over the matched ones.

Everything is skipped cleanly (``available: False`` with a reason) when the reference
folder or a file is absent.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from stclusters.compare import FIDELITY_COLUMNS, fidelity_table
from stclusters.io import write_csv, write_json
from stclusters.tables import economy_codes

__all__ = [
    "edition_year",
    "match_name",
    "fidelity",
    "fidelity_summary",
    "fidelity_tables",
    "write_fidelity",
]

TOP_KS = (10, 25)


def edition_year(edition: object) -> str:
    """``2024``, ``"2024"``, ``"gii2024"`` -> ``"2024"`` (the first 4-digit number)."""
    m = re.search(r"(\d{4})", str(edition))
    if not m:
        raise ValueError(f"cannot read an edition year from {edition!r}")
    return m.group(1)


def _corr(x: np.ndarray, y: np.ndarray, fn) -> float | None:
    if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return None
    v = float(fn(x, y)[0])
    return None if math.isnan(v) else v


def _published_ranks(ref: Path, year: str) -> tuple[pd.DataFrame | None, str | None]:
    f = ref / f"gii{year}_top100_ranks.csv"
    if f.exists():
        return pd.read_csv(f), f.name
    f = ref / "gii_published_shares.csv"
    if f.exists():
        p = pd.read_csv(f)
        p = p[p["edition"].astype(str) == year]
        if not p.empty:
            return p[["rank", "cluster_name", "economy"]].reset_index(drop=True), f.name
    return None, None


#: published spellings that differ from the names the workflow prints (matching only)
NAME_ALIASES: dict[str, str] = {"Göteborg": "Gothenburg"}
_STATE_SUFFIX = re.compile(r",?\s+[A-Z]{2}$")
_SAR = re.compile(r"\s+SAR\b")


def match_name(name: object) -> object:
    """The name used for matching published and rebuilt clusters: US/CA state suffixes
    (``", WA"`` / ``" WA"``) and ``" SAR"`` dropped, :data:`NAME_ALIASES` applied, so that
    ``"Seattle WA"`` meets ``"Seattle–Redmond, WA"`` (same first place) and
    ``"Macao SAR–Zhuhai"`` meets ``"Zhuhai–Macao"`` (same places)."""
    if not isinstance(name, str):
        return name
    s = _SAR.sub("", _STATE_SUFFIX.sub("", name.strip()))
    for a, b in NAME_ALIASES.items():
        s = s.replace(a, b)
    return s


def _rank_section(ranking: pd.DataFrame, published: pd.DataFrame, rank_col: str):
    ours = ranking[["rank", "name", "economy"]].copy()
    ours["name"] = ours["name"].map(match_name)
    pub = published.copy()
    pub["cluster_name"] = pub["cluster_name"].map(match_name)
    table, rho = fidelity_table(ours, pub, rank_col=rank_col)
    # show the names as printed, not the matching forms (ranks are unique on both sides)
    pub_names = dict(zip(published[rank_col], published["cluster_name"], strict=True))
    our_names = dict(zip(ranking["rank"].astype("int64"), ranking["name"], strict=True))
    table["published_name"] = table["published_rank"].map(pub_names)
    table["our_name"] = [our_names.get(int(r)) if pd.notna(r) else None for r in table["our_rank"]]
    both = table.dropna(subset=["our_rank"])
    x = both["published_rank"].to_numpy(dtype="float64")
    y = both["our_rank"].to_numpy(dtype="float64")
    return table, {
        "n_published": len(table),
        "n_matched": len(both),
        "spearman": rho,
        "kendall": _corr(x, y, stats.kendalltau),
        "mean_abs_rank_diff": float(np.abs(x - y).mean()) if len(both) else None,
    }


def _overlap(table: pd.DataFrame, k: int) -> dict:
    pub = table[table["published_rank"] <= k]
    ours = pd.to_numeric(pub["our_rank"], errors="coerce")
    # a published cluster we do not rank (our_rank missing) is not in our top k
    inside = (ours <= k).fillna(False).to_numpy(dtype=bool)
    hit = int(inside.sum())
    known = len(pub)
    return {
        "k": k,
        "known": known,
        "overlap": hit,
        "share": hit / known if known else None,
        "missing": pub.loc[~inside, "published_name"].astype(str).tolist(),
    }


def _economy_table(ranking: pd.DataFrame, ref: Path, year: str, top_n: int):
    f = ref / "gii_clusters_per_economy.csv"
    if not f.exists():
        return None
    pub = pd.read_csv(f)
    pub = pub[pub["edition"].astype(str) == year]
    if pub.empty:
        return None
    ours: dict[str, int] = {}
    for econ in ranking.loc[ranking["rank"] <= top_n, "economy"]:
        for code in dict.fromkeys(economy_codes(econ)):
            ours[code] = ours.get(code, 0) + 1
    t = pd.DataFrame(
        {
            "economy": pub["economy"].astype(str).to_numpy(),
            "published": pub["top100_clusters"].astype("int64").to_numpy(),
            "ours": [ours.get(e, 0) for e in pub["economy"].astype(str)],
            "note": pub["note"].astype(object).to_numpy() if "note" in pub else None,
        }
    )
    t["difference"] = t["ours"] - t["published"]
    return t[["economy", "published", "ours", "difference", "note"]]


def fidelity(
    ranking: pd.DataFrame, reference_dir: str | Path, edition: object, top_n: int = 100
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Compare ``ranking`` with the published ``edition`` (``2024`` or ``"gii2024"``).

    Returns ``(summary, tables)``. ``summary`` is JSON-serialisable: ``available``,
    ``edition``, ``reference_dir`` and, per section present, ``ranks`` (n_published,
    n_matched, spearman, kendall, mean_abs_rank_diff, source), ``top_overlap`` (list of
    {k, known, overlap, share, missing}), ``economies`` (n_economies, exact, mean_abs_diff,
    spearman), ``intensity`` (n_published, n_matched, spearman, kendall, overlap_top25,
    known); a section that cannot be computed has ``{"available": False, "reason": ...}``.
    ``tables`` holds ``ranks``, ``economies`` and ``intensity`` DataFrames where computed.
    """
    ref = Path(reference_dir)
    year = edition_year(edition)
    summary: dict = {"edition": year, "reference_dir": str(ref), "top_n": top_n}
    tables: dict[str, pd.DataFrame] = {}
    if not ref.is_dir():
        summary.update(available=False, reason=f"reference folder {ref} not found")
        return summary, tables
    summary["available"] = True

    published, source = _published_ranks(ref, year)
    if published is None:
        summary["ranks"] = {"available": False, "reason": f"no published ranks for {year}"}
        summary["top_overlap"] = []
    else:
        table, sec = _rank_section(ranking, published, "rank")
        summary["ranks"] = {"available": True, "source": source, **sec}
        summary["top_overlap"] = [_overlap(table, k) for k in TOP_KS]
        tables["ranks"] = table

    econ = _economy_table(ranking, ref, year, top_n)
    if econ is None:
        summary["economies"] = {"available": False, "reason": f"no clusters per economy for {year}"}
    else:
        summary["economies"] = {
            "available": True,
            "n_economies": len(econ),
            "exact": int((econ["difference"] == 0).sum()),
            "mean_abs_diff": float(econ["difference"].abs().mean()),
            "spearman": _corr(
                econ["published"].to_numpy(dtype="float64"),
                econ["ours"].to_numpy(dtype="float64"),
                stats.spearmanr,
            ),
        }
        tables["economies"] = econ

    f = ref / f"gii{year}_intensity_top25.csv"
    if "intensity_rank" not in ranking.columns:
        summary["intensity"] = {"available": False, "reason": "ranking has no intensity_rank"}
    elif not f.exists():
        summary["intensity"] = {"available": False, "reason": f"{f.name} not found"}
    else:
        ir = pd.to_numeric(ranking["intensity_rank"], errors="coerce")
        ours = ranking.loc[ir.notna(), ["name", "economy"]].assign(rank=ir[ir.notna()])
        pub = pd.read_csv(f)
        table, sec = _rank_section(ours, pub, "intensity_rank")
        table = table.rename(
            columns={"published_rank": "published_intensity_rank", "our_rank": "our_intensity_rank"}
        )
        hit = int((pd.to_numeric(table["our_intensity_rank"], errors="coerce") <= 25).sum())
        summary["intensity"] = {
            "available": True,
            "source": f.name,
            **sec,
            "known": len(table),
            "overlap_top25": hit,
            "share_top25": hit / len(table) if len(table) else None,
        }
        tables["intensity"] = table
    return summary, tables


def fidelity_summary(
    ranking: pd.DataFrame, reference_dir: str | Path, edition: object, top_n: int = 100
) -> dict:
    """The JSON-serialisable summary of :func:`fidelity`."""
    return fidelity(ranking, reference_dir, edition, top_n)[0]


def fidelity_tables(
    ranking: pd.DataFrame, reference_dir: str | Path, edition: object, top_n: int = 100
) -> dict[str, pd.DataFrame]:
    """The tables of :func:`fidelity` (``ranks``, ``economies``, ``intensity``)."""
    return fidelity(ranking, reference_dir, edition, top_n)[1]


def write_fidelity(summary: dict, tables: dict[str, pd.DataFrame], out_dir: str | Path) -> list:
    """Write ``summary.json`` and ``{name}.csv`` per table under ``out_dir``; return paths.

    Every table name of :func:`fidelity` gets a file (header only when not computed), so
    the set of outputs is fixed for a workflow rule.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    p = out_dir / "summary.json"
    write_json(p, summary, ensure_ascii=False)
    paths.append(str(p))
    intensity_cols = [{"published_rank": "published_intensity_rank",
                       "our_rank": "our_intensity_rank"}.get(c, c) for c in FIDELITY_COLUMNS]
    empty_cols = {
        "ranks": FIDELITY_COLUMNS,
        "economies": ["economy", "published", "ours", "difference", "note"],
        "intensity": intensity_cols,
    }
    for name, cols in empty_cols.items():
        df = tables.get(name, pd.DataFrame(columns=cols))
        p = out_dir / f"{name}.csv"
        write_csv(df, p)
        paths.append(str(p))
    return paths
