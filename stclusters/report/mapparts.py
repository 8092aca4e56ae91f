"""Building blocks of the maps: lon/lat axes with basemap and graticule, the noise layer,
circle sizes, and the legends (economy groups, circle sizes) in a corner of the map."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D

from stclusters.report.basemap import BasemapLayer
from stclusters.report.style import GRID_COLOUR, NOISE_COLOUR

#: axes of a world map (figure fractions): room for the title above and the footer below
WORLD_RECT = (0.01, 0.07, 0.98, 0.85)
Extent = tuple[float, float, float, float]


def marker_sizes(score: np.ndarray, smax: float, area_max: float = 700.0) -> np.ndarray:
    """Marker areas (pt^2) proportional to score; the largest cluster gets ``area_max``."""
    if smax <= 0:
        return np.full(score.shape, 12.0)
    return np.maximum(area_max * score / smax, 6.0)


def nice_levels(smax: float) -> list[float]:
    """Round values at about 100%, 50% and 10% of ``smax`` for the circle-size legend."""
    if smax <= 0:
        return []
    levels = []
    for frac in (1.0, 0.5, 0.1):
        v = smax * frac
        mag = 10 ** np.floor(np.log10(v))
        levels.append(float(np.floor(v / mag) * mag))
    return sorted(set(levels), reverse=True)


def map_axes(fig: Figure, rect, extent: Extent, basemap: BasemapLayer | None,
             aspect: float = 1.0):
    """Map axes in lon/lat degrees: limits, aspect, basemap, graticule, no ticks."""
    lon0, lon1, lat0, lat1 = extent
    ax = fig.add_axes(rect)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(aspect, adjustable="box")
    ax.set_facecolor("white")
    if basemap is not None:
        basemap(ax)
    step = 30 if lon1 - lon0 > 120 else 10
    for x in np.arange(np.ceil(lon0 / step) * step, lon1 + 1e-9, step):
        ax.axvline(x, color=GRID_COLOUR, lw=0.5, zorder=0.5)
    for y in np.arange(np.ceil(lat0 / step) * step, lat1 + 1e-9, step):
        ax.axhline(y, color=GRID_COLOUR, lw=0.5, zorder=0.5)
    if lat0 < 0 < lat1:
        ax.axhline(0, color="#BDBDBD", lw=0.7, zorder=0.5)
    ax.set_xticks([])  # the graticule replaces tick labels
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_color("#BDBDBD")
        side.set_linewidth(0.6)
    return ax


def draw_noise(ax, noise: pd.DataFrame | None, extent: Extent, size: float = 1.2) -> int:
    """Scatter the noise locations in view; returns how many were drawn."""
    if noise is None or not len(noise):
        return 0
    lon0, lon1, lat0, lat1 = extent
    nz = noise[["lon", "lat"]].astype("float64")
    nz = nz[nz["lon"].between(lon0, lon1) & nz["lat"].between(lat0, lat1)]
    if len(nz):
        ax.scatter(nz["lon"], nz["lat"], s=size, c=NOISE_COLOUR, alpha=0.6, linewidths=0,
                   zorder=1, rasterized=True)
    return len(nz)


def draw_circles(ax, shown: pd.DataFrame, sizes: np.ndarray, value: np.ndarray,
                 colours: np.ndarray, alpha: float, **kw) -> None:
    """The clusters ``shown`` as circles of area ``sizes`` and colour ``colours`` (``kw``:
    e.g. ``cmap`` and ``norm`` for numbers), the largest ``value`` drawn first so that
    small circles stay visible on top of large ones."""
    order = np.argsort(-value, kind="stable")
    if len(shown):
        ax.scatter(shown["lon"].to_numpy()[order], shown["lat"].to_numpy()[order],
                   s=sizes[order], c=colours[order], alpha=alpha, edgecolors="#333333",
                   linewidths=0.4, zorder=3, **kw)


def noise_handle() -> Line2D:
    """The legend entry of the noise layer."""
    return Line2D([], [], ls="", marker="o", ms=3, color=NOISE_COLOUR, label="Noise")


def legend_kw(loc: str) -> dict:
    """Settings of a map legend in corner ``loc`` (framed, small type)."""
    return {"loc": loc, "fontsize": 7, "frameon": True, "framealpha": 0.92,
            "edgecolor": "#CCCCCC", "title_fontsize": 7.5}


def size_legend_kw(vmax: float, area_max: float, title: str) -> dict | None:
    """Legend settings (``loc`` left to the caller) of the circle sizes of a map whose
    largest value ``vmax`` gets ``area_max`` pt^2: one round value per column; None when
    there is nothing to show."""
    levels = nice_levels(vmax)
    if not levels:
        return None
    handles = [
        Line2D([], [], ls="", marker="o", color="#FFFFFF", mec="#555555",
               ms=float(np.sqrt(marker_sizes(np.array([v]), vmax, area_max)[0])),
               label=f"{v:g}")
        for v in levels
    ]
    hmax = max(h.get_markersize() for h in handles) / 7.0
    kw = legend_kw("")
    kw.pop("loc")
    return {"handles": handles, "ncol": len(handles), "title": title, "borderpad": 0.8,
            "handletextpad": 0.6, "columnspacing": 1.2, "handleheight": hmax,
            "handlelength": hmax, **kw}


def stack_legend(fig: Figure, ax, first: Legend, loc: str, **kw) -> Legend:
    """A second legend stacked against ``first`` (above it when ``loc`` is a lower corner,
    below it when upper), aligned on the same side."""
    ax.add_artist(first)
    box = first.get_window_extent(fig.canvas.get_renderer())
    inv = ax.transAxes.inverted()
    (x0, y0), (x1, y1) = inv.transform((box.x0, box.y0)), inv.transform((box.x1, box.y1))
    vert, horiz = loc.split()
    if vert == "lower":
        anchor_y, new_loc_v = y1 + 0.01, "lower"
    else:
        anchor_y, new_loc_v = y0 - 0.01, "upper"
    anchor_x = x0 if horiz == "left" else x1
    leg = ax.legend(loc=f"{new_loc_v} {horiz}", bbox_to_anchor=(anchor_x, anchor_y),
                    borderaxespad=0, **kw)
    leg.set_zorder(7)
    return leg
