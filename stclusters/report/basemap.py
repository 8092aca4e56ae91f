"""The maps' background: Natural Earth 1:110m countries shipped with the package
(``stclusters/resources/naturalearth/``, public domain; see its README), read offline."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.path import Path as MplPath

LAND_COLOUR = "#EFEFEF"
BORDER_COLOUR = "#C4C4C4"
BASEMAP_CREDIT = "Basemap: Natural Earth (public domain)."
#: the Natural Earth 1:110m countries shipped with the package
BASEMAP_FILE = Path(__file__).parents[1] / "resources" / "naturalearth" / (
    "ne_110m_admin_0_countries.geojson"
)

#: a basemap layer draws on the map axes (lon/lat degrees) below everything else
BasemapLayer = Callable[[object], None]


@lru_cache(maxsize=1)
def load_basemap() -> tuple[dict, ...]:
    """The Natural Earth 1:110m countries: one dict per country with ``name``, ``iso_a3``,
    ``continent``, ``rings`` (list of ``(n, 2)`` lon/lat arrays: outer rings and holes) and
    ``bounds`` ``(lon_min, lon_max, lat_min, lat_max)``. Read once from the package's
    resources; nothing is downloaded."""
    with open(BASEMAP_FILE, encoding="utf-8") as fh:
        data = json.load(fh)
    out = []
    for feat in data["features"]:
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = [np.asarray(r, dtype="float64") for poly in polys for r in poly if len(r) >= 3]
        if not rings:
            continue
        allpts = np.concatenate(rings)
        out.append(
            {
                **feat["properties"],
                "rings": rings,
                "bounds": (float(allpts[:, 0].min()), float(allpts[:, 0].max()),
                           float(allpts[:, 1].min()), float(allpts[:, 1].max())),
            }
        )
    return tuple(out)


def _country_path(rings: list[np.ndarray]) -> MplPath:
    verts, codes = [], []
    for r in rings:
        verts.append(np.vstack([r, r[:1]]))
        c = np.full(len(r) + 1, MplPath.LINETO, dtype=MplPath.code_type)
        c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
        codes.append(c)
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def world_basemap(ax, extent: tuple[float, float, float, float] | None = None) -> None:
    """Draw the Natural Earth countries on ``ax`` (lon/lat degrees): light grey land, thin
    coastlines and borders, below everything else (``zorder`` 0.2). Only the countries
    meeting ``extent`` (default: the axes' current limits) are drawn."""
    if extent is None:
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    else:
        x0, x1, y0, y1 = extent
    paths = [
        _country_path(c["rings"])
        for c in load_basemap()
        if c["bounds"][0] <= x1 and c["bounds"][1] >= x0
        and c["bounds"][2] <= y1 and c["bounds"][3] >= y0
    ]
    if not paths:
        return
    coll = PathCollection(paths, facecolors=LAND_COLOUR, edgecolors=BORDER_COLOUR,
                          linewidths=0.35, zorder=0.2)
    ax.add_collection(coll, autolim=False)


def credit(basemap: BasemapLayer | None) -> str:
    """The basemap's credit, to append to a map's source line ("" without a basemap)."""
    return f" {BASEMAP_CREDIT}" if basemap is not None else ""
