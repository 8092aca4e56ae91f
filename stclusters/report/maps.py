"""The maps: GII "Map 1"-style circles of the top clusters over the noise and the Natural
Earth basemap (world, a regional window, a regional ranking) and the S&T intensity map.

The projection is plate carrée (x = lon, y = lat; regional windows stretched by
1 / cos(mid-latitude)). Circle area is proportional to the score (or intensity); the
clusters are coloured by the GII regional group of their economy (Okabe-Ito palette).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from stclusters.report import style
from stclusters.report.basemap import BasemapLayer, credit, world_basemap
from stclusters.report.data import top_ranked
from stclusters.report.labels import FIT_LABELS, label_clusters
from stclusters.report.mapparts import (
    WORLD_RECT,
    Extent,
    draw_circles,
    draw_noise,
    legend_kw,
    map_axes,
    marker_sizes,
    noise_handle,
    size_legend_kw,
    stack_legend,
)
from stclusters.report.regions import OTHER_GROUP, REGIONS, WORLD_EXTENT, economy_group
from stclusters.report.style import DEFAULT_SOURCE, OKABE_ITO

NO_NOISE_NOTE = (
    "Note: no noise in view: every location with at least five records here lies within a "
    "cluster."
)
MAP_NOTE = (
    "Note: Noise refers to inventor/author locations (rounded, with at least five records) "
    "not classified as being within a cluster."
)
INTENSITY_AREA_MAX = 450.0
#: colour of each GII regional group (:func:`stclusters.report.regions.economy_group`)
GROUP_COLOURS = {
    "Northern America": OKABE_ITO["blue"],
    "Europe": OKABE_ITO["green"],
    "South East Asia, East Asia and Oceania": OKABE_ITO["vermillion"],
    "Central and Southern Asia": OKABE_ITO["orange"],
    "Northern Africa and Western Asia": OKABE_ITO["purple"],
    "Latin America and the Caribbean": OKABE_ITO["sky_blue"],
    "Sub-Saharan Africa": OKABE_ITO["yellow"],
    OTHER_GROUP: OKABE_ITO["black"],
}


# ------------------------------------------------------------------ cluster maps


def _top_in_view(ranking: pd.DataFrame, top_n: int, extent: Extent) -> tuple[pd.DataFrame, float]:
    """The top ``top_n`` clusters inside ``extent``, and the largest score of the top
    ``top_n`` (in view or not), which sets the circle scale."""
    lon0, lon1, lat0, lat1 = extent
    top = top_ranked(ranking, top_n).dropna(subset=["lat", "lon"])
    all_scores = top["score"].astype("float64").to_numpy()
    smax = float(all_scores.max()) if len(all_scores) else 0.0
    return top[top["lon"].between(lon0, lon1) & top["lat"].between(lat0, lat1)], smax


def _draw_clusters(ax, top: pd.DataFrame, score: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Circles of the clusters coloured by group (a ``group`` column, else the economy's
    GII regional group), small ones on top; returns each cluster's group."""
    groups = (
        top["group"].astype(str).to_numpy()
        if "group" in top.columns
        else top["economy"].map(economy_group).to_numpy()
    )
    colours = np.array([GROUP_COLOURS.get(g, OKABE_ITO["black"]) for g in groups])
    draw_circles(ax, top, sizes, score, colours, alpha=0.8)
    return groups


def _group_handles(groups: np.ndarray) -> list[Line2D]:
    """Legend entries of the groups present, in :data:`GROUP_COLOURS` order."""
    present = set(groups)
    return [
        Line2D([], [], ls="", marker="o", ms=7, mfc=GROUP_COLOURS[g], mec="#333333", mew=0.4,
               alpha=0.8, label=g)
        for g in GROUP_COLOURS
        if g in present
    ]


def _cluster_legends(fig, ax, handles: list, loc: str, smax: float, area_max: float) -> list[Bbox]:
    """The economy-group legend in corner ``loc`` and the circle-size legend stacked on it;
    returns the display boxes of the map's legends (for the labels to avoid)."""
    leg = ax.legend(handles=handles, title="Economy group", borderpad=0.6, **legend_kw(loc))
    leg.set_zorder(7)
    kw = size_legend_kw(smax, area_max, "Score (sum of shares, %)")
    if kw is not None:
        stack_legend(fig, ax, leg, loc, **kw)
    renderer = fig.canvas.get_renderer()
    legends = [a for a in ax.get_children() if a.__class__.__name__ == "Legend"]
    return [lg.get_window_extent(renderer) for lg in legends]


def _cluster_map(
    ranking: pd.DataFrame,
    noise: pd.DataFrame | None,
    out_png: str | Path,
    title: str,
    *,
    top_n: int,
    extent: Extent,
    n_labels: int | None,
    source: str,
    basemap: BasemapLayer | None,
    figsize: tuple[float, float],
    rect: tuple[float, float, float, float],
    aspect: float = 1.0,
    legend_loc: str = "lower left",
    area_max: float = 700.0,
    noise_size: float = 1.2,
    note: str = MAP_NOTE,
) -> None:
    """Shared body of the cluster maps: circles sized by score (the largest of the top
    ``top_n``, in view or not, gets ``area_max``), coloured by economy group, over noise
    and the basemap. ``n_labels`` None: label as many clusters in view as fit (in rank
    order, no overlaps, short leaders); otherwise the best ``n_labels`` in view."""
    with style.figure(figsize, out_png) as fig:
        ax = map_axes(fig, rect, extent, basemap, aspect)
        n_noise = draw_noise(ax, noise, extent, noise_size)
        handles = []
        if n_noise or extent == WORLD_EXTENT:
            handles.append(noise_handle())
        elif noise is not None:
            note = NO_NOISE_NOTE
        top, smax = _top_in_view(ranking, top_n, extent)
        score = top["score"].astype("float64").to_numpy()
        sizes = marker_sizes(score, smax, area_max)
        groups = _draw_clusters(ax, top, score, sizes)
        avoid = _cluster_legends(fig, ax, handles + _group_handles(groups), legend_loc, smax,
                                 area_max)
        label_clusters(fig, ax, top, np.sqrt(sizes) / 2, n_labels, "rank", avoid,
                       **(FIT_LABELS if n_labels is None else {}))
        if not len(top) and (noise is None or not len(noise)):
            style.no_data(ax)
        style.title(fig, title, 1 - 0.08 / figsize[1], fontsize=12)
        style.footer(fig, [note, source + credit(basemap)])


def map_top_clusters(
    ranking: pd.DataFrame,
    noise: pd.DataFrame,
    out_png: str | Path,
    title: str,
    top_n: int = 100,
    extent: tuple[float, float, float, float] | None = None,
    n_labels: int = 10,
    source: str = DEFAULT_SOURCE,
    basemap: BasemapLayer | None = world_basemap,
    figsize: tuple[float, float] = (12.0, 5.6),
) -> None:
    """Draw a GII "Map 1"-style map of the top clusters and write it to ``out_png`` (and
    the PDF beside it).

    Parameters
    ----------
    ranking
        ``results/ranking/{variant}/clusters.csv``: uses ``rank``, ``name``, ``economy``,
        ``score``, ``lat``, ``lon`` (an optional ``group`` column overrides the economy
        group used for the colour).
    noise
        Noise locations: ``lat``, ``lon`` (``n_records`` optional, unused beyond the
        caller's filter); may be empty.
    title
        Figure title.
    top_n
        Clusters drawn: those with ``rank <= top_n``.
    extent
        ``(lon_min, lon_max, lat_min, lat_max)``; default the world, -180..180, -60..80.
    n_labels
        The best ``n_labels`` clusters are labelled "rank name".
    basemap
        Callable ``f(ax)`` drawing a background layer in lon/lat degrees, called first so
        it sits below the graticule, the noise and the clusters (use ``zorder`` < 1).
        Default :func:`~stclusters.report.basemap.world_basemap` (Natural Earth
        countries); None draws none.

    The projection is plate carrée (x = lon, y = lat, equal aspect). Circle area is
    proportional to the score; colours are the GII regional group of the economy
    (Okabe-Ito palette). Size: ``figsize`` at :data:`~stclusters.report.style.DPI`
    (1800 x 840 pixels by default).
    """
    _cluster_map(
        ranking, noise, out_png, title, top_n=top_n,
        extent=extent if extent is not None else WORLD_EXTENT, n_labels=n_labels,
        source=source, basemap=basemap, figsize=figsize, rect=WORLD_RECT,
    )


def regional_layout(extent: Extent, width: float) -> tuple[tuple[float, float], tuple, float]:
    """Figure size, axes rect and aspect of a regional map: equirectangular with its
    standard parallel at the window's mid-latitude (1 / cos(lat) vertical stretch), axes
    ``width - 0.2`` inches wide, 0.45 inch of title above and 0.55 of footer below."""
    lon0, lon1, lat0, lat1 = extent
    aspect = 1.0 / float(np.cos(np.radians((lat0 + lat1) / 2)))
    ax_w = width - 0.2
    ax_h = ax_w * (lat1 - lat0) * aspect / (lon1 - lon0)
    top, bottom = 0.45, 0.55
    h = ax_h + top + bottom
    rect = (0.1 / width, bottom / h, ax_w / width, ax_h / h)
    return (width, round(h, 2)), rect, aspect


def _window_map(ranking: pd.DataFrame, noise: pd.DataFrame | None, out_png: str | Path,
                title: str, region: str, width: float, **kw) -> None:
    """A cluster map on the window ``region`` of :data:`REGIONS`: as many labels as fit,
    circles up to 900 pt^2, larger noise dots; ``kw`` goes to :func:`_cluster_map`."""
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; known: {', '.join(REGIONS)}")
    spec = REGIONS[region]
    figsize, rect, aspect = regional_layout(spec["extent"], width)
    _cluster_map(ranking, noise, out_png, title, extent=spec["extent"], n_labels=None,
                 figsize=figsize, rect=rect, aspect=aspect, legend_loc=spec["legend"],
                 area_max=900.0, noise_size=3.0, **kw)


def regional_map(
    ranking: pd.DataFrame,
    noise: pd.DataFrame | None,
    out_png: str | Path,
    region: str,
    title: str | None = None,
    top_n: int = 100,
    source: str = DEFAULT_SOURCE,
    basemap: BasemapLayer | None = world_basemap,
    width: float = 10.0,
) -> None:
    """Zoom of the world map on one region of :data:`REGIONS` (``east_asia``, ``europe``,
    ``north_america``, ``africa``): the top ``top_n`` clusters in view, circles on the same
    scale as the world map (area proportional to score, the largest of the top ``top_n``
    gets 900 pt^2), and as many "rank name" labels as fit without overlap, in rank order.
    Projection: equirectangular, standard parallel at the window's mid-latitude. Size:
    ``width`` inches by what the window needs (:func:`regional_layout`) at ``DPI``.
    """
    name = REGIONS[region]["title"] if region in REGIONS else region
    _window_map(ranking, noise, out_png, title or f"Top {top_n} S&T clusters: {name}", region,
                width, top_n=top_n, source=source, basemap=basemap)


def africa_map(
    regional_ranking: pd.DataFrame,
    noise: pd.DataFrame | None,
    out_png: str | Path,
    title: str = "Top 50 S&T clusters in Africa",
    top_n: int = 50,
    source: str = DEFAULT_SOURCE,
    basemap: BasemapLayer | None = world_basemap,
    width: float = 9.0,
    region: str = "africa",
) -> None:
    """The regional ranking's top ``top_n`` clusters (``results/regional/africa/``) on the
    Africa window, circles scaled to the regional ranking's largest score, as many labels
    as fit. ``noise``: the region's noise (see
    :func:`stclusters.report.data.region_noise`). ``region`` picks another window of
    :data:`REGIONS` for another continent's ranking."""
    _window_map(
        regional_ranking, noise, out_png, title, region, width, top_n=top_n,
        source=source.replace("(fractional", "(regional ranking, fractional"), basemap=basemap,
        note=MAP_NOTE.replace("within a cluster", "within a regional cluster")
        + " Scores are shares of the region's totals.",
    )


# ------------------------------------------------------------------ S&T intensity


def _intensity_top(ranking: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The top ``top_n`` clusters by size that have an intensity, most intensive first,
    with an ``intensity_rank`` (computed when missing)."""
    top = top_ranked(ranking, top_n)
    if "intensity" not in top.columns:
        top = top.assign(intensity=np.nan)
    top = top.dropna(subset=["lat", "lon", "intensity"])
    if "intensity_rank" not in top.columns or top["intensity_rank"].isna().any():
        irank = top["intensity"].rank(ascending=False, method="first")
        top = top.assign(intensity_rank=irank)
    return top.sort_values(["intensity_rank", "rank"], kind="mergesort")


def _intensity_legends(fig, ax, norm: Normalize, cmap, vmax: float) -> list[Bbox]:
    """Colour bar in the South Pacific with the circle-size legend above it; returns their
    display boxes (for the labels to avoid)."""
    cax = ax.inset_axes((0.015, 0.06, 0.2, 0.03))
    cb = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal")
    cb.ax.tick_params(labelsize=7)
    cb.outline.set_linewidth(0.4)
    cax.set_title("S&T intensity (sum of shares, %, per million inhabitants)",
                  fontsize=7.5, loc="left")
    avoid = [cax.get_tightbbox(fig.canvas.get_renderer())]
    kw = size_legend_kw(vmax, INTENSITY_AREA_MAX, "Circle area: intensity")
    if kw is not None:
        cb_top = ax.transAxes.inverted().transform((0, avoid[0].y1))[1]
        leg = ax.legend(loc="lower left", bbox_to_anchor=(0.005, cb_top + 0.01),
                        borderaxespad=0, **kw)
        leg.set_zorder(7)
        avoid.append(leg.get_window_extent(fig.canvas.get_renderer()))
    return avoid


def intensity_map(
    ranking: pd.DataFrame,
    out_png: str | Path,
    top_n: int = 100,
    n_labels: int = 10,
    title: str = "S&T intensity of the top 100 clusters",
    source: str = DEFAULT_SOURCE,
    basemap: BasemapLayer | None = world_basemap,
    figsize: tuple[float, float] = (12.0, 5.6),
) -> None:
    """World map of the S&T intensity (``intensity``: sum of shares, %, per million
    inhabitants) of the top ``top_n`` clusters by size: circle area proportional to the
    intensity, colour on the cividis scale (colour-blind safe), the ``n_labels`` most
    intensive clusters labelled "intensity rank name" (``intensity_rank`` when present).
    Size: ``figsize`` at ``DPI`` (1800 x 840 pixels by default)."""
    with style.figure(figsize, out_png) as fig:
        ax = map_axes(fig, WORLD_RECT, WORLD_EXTENT, basemap)
        top = _intensity_top(ranking, top_n)
        val = top["intensity"].astype("float64").to_numpy()
        vmax = float(val.max()) if len(val) else 0.0
        sizes = marker_sizes(val, vmax, INTENSITY_AREA_MAX)
        cmap = matplotlib.colormaps["cividis"]
        norm = Normalize(vmin=0.0, vmax=vmax if vmax > 0 else 1.0)
        draw_circles(ax, top, sizes, val, val, alpha=0.9, cmap=cmap, norm=norm)
        if not len(top):
            style.no_data(ax)
        avoid = _intensity_legends(fig, ax, norm, cmap, vmax)
        label_clusters(fig, ax, top, np.sqrt(sizes) / 2, n_labels, "intensity_rank", avoid)
        style.title(fig, title, 0.985, fontsize=12)
        style.footer(fig, [
            f"Labels: rank by S&T intensity among the top {top_n} clusters by size; "
            "population from the gridded population footprint of each cluster.",
            source + credit(basemap),
        ])
