"""An offline explorer of the cluster rankings for methodology reviewers.

:func:`write_explorer` writes one self-contained HTML file (``reports/explorer.html``):
styles, code and data inline, nothing fetched from the network, so it opens from
``file://`` offline. It shows a world map of the clusters over the Natural Earth basemap
the package ships (drawn as SVG paths), a variant switch, hover and click details with the
rank under every variant and its 90 % interval, a sortable and filterable table (name,
economy, region, rank range) and a two-variant diff (rank changes, entrants, leavers).

The page is plain JavaScript and SVG (``stclusters/resources/explorer/``): no library to
inline, a file of a few hundred kilobytes. The data travel as JSON in a
``<script type="application/json">`` block, with ``<``, ``>`` and ``&`` written as
``\\u003c`` etc. so no text from the data can close the block; the page's code puts data
into the document only through ``textContent`` and attributes, never as markup.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stclusters.briefs.basemap import BASEMAP_CREDIT, countries
from stclusters.briefs.data import Variant, pair_matches
from stclusters.io import write_text
from stclusters.report.charts import SOURCE_COLOURS, SOURCE_LABELS
from stclusters.report.maps import GROUP_COLOURS
from stclusters.report.regions import OTHER_GROUP, economy_group

ASSETS = Path(__file__).resolve().parent / "resources" / "explorer"
#: the map's latitude range (the basemap below -60 is Antarctica: left out)
LAT_RANGE = (-60.0, 85.0)
#: per-cluster fields sent to the page, in this order (missing ones become null)
FIELDS = ["id", "rank", "name", "economy", "region", "lat", "lon", "score", "pct_count",
          "pct_share", "pub_count", "pub_share", "vc_count", "vc_share", "intensity",
          "intensity_rank", "growth_pct", "prev_rank", "population", "median_rank",
          "p05_rank", "p95_rank", "share_top", "top_applicant", "top_organization",
          "top_vc_company", "brief"]
DIGITS = {"lat": 3, "lon": 3, "score": 4, "pct_count": 1, "pub_count": 1, "vc_count": 1,
          "pct_share": 4, "pub_share": 4, "vc_share": 4, "intensity": 4, "growth_pct": 2,
          "population": 0, "median_rank": 1, "share_top": 3}


def _ring_path(ring: np.ndarray, digits: int) -> str:
    """SVG path data of one ring in map coordinates (x = lon, y = -lat), rounded, with
    repeated points dropped."""
    pts = np.round(np.c_[ring[:, 0], -ring[:, 1]], digits)
    keep = np.r_[True, np.any(np.diff(pts, axis=0) != 0, axis=1)]
    pts = pts[keep]
    if len(pts) < 3:
        return ""
    coords = [f"{_short_number(x, digits)} {_short_number(y, digits)}" for x, y in pts]
    return "M" + "L".join(coords) + "Z"


def _short_number(x: float, digits: int) -> str:
    """``x`` with ``digits`` decimals, trailing zeros dropped (``12.50`` -> ``12.5``)."""
    s = f"{x:.{digits}f}"
    s = s.rstrip("0").rstrip(".") if "." in s else s
    return "0" if s in ("-0", "") else s


def basemap_paths(digits: int = 1) -> list[str]:
    """One SVG path (``d``) per country of the shipped Natural Earth 1:110m basemap,
    Antarctica left out, coordinates rounded to ``digits`` decimals of a degree."""
    out = []
    for _name, iso, rings in countries():
        if iso == "ATA":
            continue
        d = "".join(_ring_path(r, digits) for r in rings if r[:, 1].max() > LAT_RANGE[0])
        if d:
            out.append(d)
    return out


def _clean(value: Any, field: str) -> Any:
    """A JSON-safe value: NaN/NA -> None, numpy scalars -> Python, floats rounded."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = round(float(value), DIGITS.get(field, 4))
        return int(v) if field in ("rank", "prev_rank", "intensity_rank", "p05_rank",
                                   "p95_rank", "population") and math.isfinite(v) else v
    return str(value)


def variant_records(
    v: Variant, briefs: pd.DataFrame | None = None, briefs_href: str = "",
    max_rank: int | None = None,
) -> dict[str, Any]:
    """A variant's clusters as ``{"fields": FIELDS, "rows": [[...], ...]}`` in rank order.

    ``briefs``: the variant's briefs ``index.csv`` (``cluster_id``, ``html``); a cluster
    with a brief gets its link, ``briefs_href`` + ``/`` + ``html``.
    """
    r = v.ranking.copy()
    if max_rank:
        r = r[r["rank"] <= max_rank]
    if v.uncertainty is not None:
        u = v.uncertainty.rename(columns={"share_top100": "share_top"})
        keep = [c for c in ("median_rank", "p05_rank", "p95_rank", "share_top") if c in u]
        r = r.merge(u[["cluster_id", *keep]], on="cluster_id", how="left")
    r["region"] = [economy_group(e) for e in r["economy"]]
    r["id"] = r["cluster_id"]
    if briefs is not None and len(briefs):
        links = dict(zip(briefs["cluster_id"].astype("int64"), briefs["html"], strict=True))
        r["brief"] = [f"{briefs_href}/{links[c]}" if c in links else None
                      for c in r["cluster_id"].astype("int64")]
    rows = [[_clean(rec.get(f), f) for f in FIELDS] for rec in r.to_dict("records")]
    return {"fields": FIELDS, "rows": rows}


def pair_records(variants: Sequence[Variant], matches: Mapping) -> list[dict[str, Any]]:
    """Every pair's matched clusters: ``{"a", "b", "pairs": [[id_a, id_b], ...]}``."""
    out = []
    for (a, b), m in matches.items():
        pairs = m[["cluster_id_a", "cluster_id_b"]].astype("int64").to_numpy().tolist()
        out.append({"a": a, "b": b, "pairs": pairs})
    order = {v.name: i for i, v in enumerate(variants)}
    return sorted(out, key=lambda p: (order[p["a"]], order[p["b"]]))


def explorer_data(
    variants: Sequence[Variant],
    briefs: Mapping[str, tuple[pd.DataFrame, str]] | None = None,
    top_n: int = 100,
    sens_top_n: int | None = None,
    max_rank: int | None = None,
    compare: Sequence[Sequence[str]] = (),
) -> dict[str, Any]:
    """Everything the page shows, as one JSON-ready dict.

    ``briefs``: per variant, its briefs index table and the link prefix from the page.
    """
    briefs = briefs or {}
    matches = pair_matches(list(variants))
    names = [v.name for v in variants]
    # the page opens on the first configured comparison (a, b), else on the first variant
    pair = next(((a, b) for a, b in compare if a in names and b in names), None)
    return {
        "top_n": int(top_n),
        "sens_top_n": int(sens_top_n or top_n),
        "compare": [list(p) for p in compare],
        "default_variant": pair[0] if pair else names[0],
        "default_diff": pair[1] if pair else None,
        "sources": {s: {"label": SOURCE_LABELS[s], "colour": SOURCE_COLOURS[s]}
                    for s in SOURCE_LABELS},
        "groups": {g: c for g, c in GROUP_COLOURS.items()},
        "other_group": OTHER_GROUP,
        "lat_range": list(LAT_RANGE),
        "variants": [
            {"name": v.name, "label": v.label, "sources": v.sources,
             "has_intervals": v.uncertainty is not None, "n_clusters": len(v.ranking),
             **variant_records(v, *briefs.get(v.name, (None, "")), max_rank=max_rank)}
            for v in variants
        ],
        "pairs": pair_records(variants, matches),
        "basemap": basemap_paths(),
        "credit": BASEMAP_CREDIT,
    }


def script_json(data: Any) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``:
    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` (so neither
    ``</script>`` nor ``<!--`` can occur), and NaN is refused."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_explorer(data: Mapping[str, Any], title: str = "S&T cluster explorer") -> str:
    """The explorer page: the template with the styles, code and data inlined."""
    template = (ASSETS / "explorer.html").read_text(encoding="utf-8")
    parts = {
        "{{TITLE}}": html.escape(title),
        "{{CSS}}": (ASSETS / "explorer.css").read_text(encoding="utf-8"),
        "{{JS}}": (ASSETS / "explorer.js").read_text(encoding="utf-8"),
        "{{DATA}}": script_json(data),
    }
    for key, value in parts.items():
        template = template.replace(key, value)
    return template


def write_explorer(
    out: str | Path,
    variants: Sequence[Variant],
    brief_indexes: Mapping[str, str | Path] | None = None,
    **kw: Any,
) -> int:
    """Write the explorer to ``out``; ``brief_indexes``: per variant, the briefs'
    ``index.csv`` (links are made relative to ``out``). Returns the file size in bytes."""
    out = Path(out)
    briefs = {}
    for name, path in (brief_indexes or {}).items():
        path = Path(path)
        if path.is_file():
            href = os.path.relpath(path.parent, out.parent).replace(os.sep, "/")
            briefs[name] = (pd.read_csv(path), href)
    text = render_explorer(explorer_data(variants, briefs, **kw))
    write_text(out, text)
    return out.stat().st_size
