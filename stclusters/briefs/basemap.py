"""The Natural Earth 1:110m countries shipped with the package, read with :mod:`json`.

Used by the briefs' footprint maps and by the explorer's world map; nothing is
downloaded (``stclusters/resources/naturalearth/``, public domain).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

BASEMAP_FILE = (
    Path(__file__).resolve().parents[1] / "resources" / "naturalearth"
    / "ne_110m_admin_0_countries.geojson"
)
BASEMAP_CREDIT = "Basemap: Natural Earth 1:110m (public domain)."


@lru_cache(maxsize=1)
def countries() -> tuple[tuple[str, str, tuple[np.ndarray, ...]], ...]:
    """Every country as ``(name, iso_a3, rings)``; a ring is an ``(n, 2)`` lon/lat array
    (outer rings and holes alike), in the file's order."""
    data = json.loads(BASEMAP_FILE.read_text(encoding="utf-8"))
    out = []
    for feat in data["features"]:
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = tuple(np.asarray(r, dtype="float64") for poly in polys for r in poly
                      if len(r) >= 3)
        if rings:
            props = feat.get("properties", {})
            out.append((str(props.get("name", "")), str(props.get("iso_a3", "")), rings))
    return tuple(out)
