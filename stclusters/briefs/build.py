"""Write a variant's briefs: ``{out}/clusters/{stem}.html`` and ``.pdf`` per cluster of the
top n, ``{out}/index.html`` and ``{out}/index.csv`` (what the appendix and the explorer
link to)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from stclusters.briefs.data import ClusterBrief, Variant, cluster_briefs
from stclusters.briefs.html import brief_html, index_html
from stclusters.briefs.page import BriefPage
from stclusters.io import write_bytes, write_csv, write_text
from stclusters.report.charts import SOURCE_LABELS

CLUSTER_FOLDER = "clusters"
INDEX_COLUMNS = ["rank", "cluster_id", "name", "economy", "score", "p05_rank", "p95_rank",
                 "html", "pdf"]


def index_table(briefs: Sequence[ClusterBrief], folder: str = CLUSTER_FOLDER) -> pd.DataFrame:
    """One row per brief: rank, cluster_id, name, economy, score, 90 % interval and the
    HTML and PDF paths relative to the variant's briefs folder."""
    rows = []
    for b in briefs:
        own = b.own_interval
        rows.append({
            "rank": int(b.row["rank"]), "cluster_id": int(b.row["cluster_id"]),
            "name": b.row["name"], "economy": b.row["economy"], "score": b.row["score"],
            "p05_rank": None if own is None else own["p05_rank"],
            "p95_rank": None if own is None else own["p95_rank"],
            "html": f"{folder}/{b.stem}.html", "pdf": f"{folder}/{b.stem}.pdf",
        })
    out = pd.DataFrame(rows, columns=INDEX_COLUMNS)
    return out.astype({"p05_rank": "Int64", "p95_rank": "Int64"})


def write_briefs(
    out_dir: str | Path,
    ref: Variant,
    variants: Sequence[Variant],
    organizations: pd.DataFrame,
    location_places: pd.DataFrame,
    n_briefs: int = 100,
    top_n: int = 100,
    sens_top_n: int | None = None,
    log: logging.Logger | None = None,
) -> pd.DataFrame:
    """Write the briefs of ``ref``'s top ``n_briefs`` clusters under ``out_dir``.

    One :class:`~stclusters.briefs.page.BriefPage` is set up and redrawn for every
    cluster. Returns :func:`index_table` (also written as ``index.csv``).
    """
    out = Path(out_dir)
    folder = out / CLUSTER_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    briefs = cluster_briefs(ref, variants, organizations, location_places, n_briefs,
                            top_n=top_n, sens_top_n=sens_top_n)
    if log:
        log.info("assembled %d briefs in %.1f s", len(briefs), time.perf_counter() - t0)
    page = BriefPage({v.name: v.label for v in variants},
                     context=ref.current[["lat", "lon"]].drop_duplicates())
    for i, b in enumerate(briefs):
        page.draw(b)
        write_bytes(folder / f"{b.stem}.pdf", page.pdf_bytes())
        images = {k: page.png_crop(k) for k in ("map", "charts")}
        text = brief_html(b, images, SOURCE_LABELS,
                          prev_stem=briefs[i - 1].stem if i else None,
                          next_stem=briefs[i + 1].stem if i + 1 < len(briefs) else None)
        write_text(folder / f"{b.stem}.html", text)
        if log and (i + 1) % 20 == 0:
            log.info("%d briefs written (%.1f s)", i + 1, time.perf_counter() - t0)
    write_text(out / "index.html", index_html(ref.label, briefs, CLUSTER_FOLDER))
    table = index_table(briefs)
    write_csv(table, out / "index.csv")
    if log:
        log.info("%d briefs of %s in %.1f s", len(briefs), ref.name, time.perf_counter() - t0)
    return table
