"""Figures: GII "Map 1"-style maps of the top clusters (world, regional, Africa, S&T
intensity) and charts (rank change, rank uncertainty, score composition, parameter sweep).

Design rules for every figure: colour-blind-safe Okabe-Ito palette (viridis/cividis for
continuous scales), a legend, a source line, fixed size and DPI (so the pixel size is known
in advance), and deterministic bytes (Agg backend, no pyplot state, fixed ``svg.hashsalt``,
PNG written without the ``Software`` metadata key, PDF without ``CreationDate``). Every
figure is written as PNG and, beside it, as PDF (same basename). Figures are built on
:class:`matplotlib.figure.Figure` directly, so importing this module does not touch a
notebook's pyplot backend.

Maps are drawn over a Natural Earth 1:110m countries basemap shipped with the package
(``stclusters/resources/naturalearth/``, public domain; see its README).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # do not switch a notebook's backend
    matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

DPI = 150
#: Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
NOISE_COLOUR = "#9E9E9E"
GRID_COLOUR = "#D9D9D9"
LAND_COLOUR = "#EFEFEF"
BORDER_COLOUR = "#C4C4C4"
DEFAULT_SOURCE = "Source: stclusters rebuild of the GII S&T cluster ranking (fractional counts)."
BASEMAP_CREDIT = "Basemap: Natural Earth (public domain)."
NO_NOISE_NOTE = (
    "Note: no noise in view: every location with at least five records here lies within a "
    "cluster."
)
MAP_NOTE = (
    "Note: Noise refers to inventor/author locations (rounded, with at least five records) "
    "not classified as being within a cluster."
)
WORLD_EXTENT = (-180.0, 180.0, -60.0, 80.0)
INTENSITY_AREA_MAX = 450.0
#: the Natural Earth 1:110m countries shipped with the package
BASEMAP_FILE = Path(__file__).parent / "resources" / "naturalearth" / (
    "ne_110m_admin_0_countries.geojson"
)

#: regional map windows: (lon_min, lon_max, lat_min, lat_max), title, corner for legends
REGIONS = {
    "east_asia": {"extent": (99.0, 147.0, 17.0, 46.5), "title": "East Asia",
                  "legend": "lower right"},
    "europe": {"extent": (-11.0, 40.0, 35.0, 61.5), "title": "Europe",
               "legend": "upper left"},
    "north_america": {"extent": (-128.0, -62.0, 17.0, 55.0), "title": "North America",
                      "legend": "lower left"},
    "africa": {"extent": (-20.0, 55.0, -36.5, 39.0), "title": "Africa",
               "legend": "lower left"},
}
#: GeoNames continent code -> REGIONS key (regional rankings of config.regional)
CONTINENT_REGION = {"AF": "africa", "EU": "europe", "NA": "north_america", "AS": "east_asia"}

#: the sources of a ranking: label and colour in the composition bars
SOURCE_LABELS = {"pct": "PCT applications", "pub": "Scientific publications",
                 "vc": "Venture capital deals"}
SOURCE_COLOURS = {"pct": OKABE_ITO["blue"], "pub": OKABE_ITO["orange"],
                  "vc": OKABE_ITO["green"]}

#: GII regional groups (UN-based) of the economy groups used to colour clusters
_GROUP_MEMBERS = {
    "Northern America": "US CA",
    "Latin America and the Caribbean": (
        "MX BR AR CL CO PE VE EC UY PY BO CR PA CU DO GT HN SV NI JM TT BS BB PR HT BZ GY SR"
    ),
    "Europe": (
        "GB IE FR DE NL BE LU CH AT IT ES PT DK SE NO FI IS PL CZ SK HU SI HR RS BA ME MK AL "
        "GR BG RO MD UA BY RU LT LV EE MT CY LI MC SM AD XK"
    ),
    "Northern Africa and Western Asia": (
        "EG MA DZ TN LY SD IL TR SA AE QA KW BH OM JO LB IQ SY YE PS AM AZ GE"
    ),
    "Central and Southern Asia": "IN PK BD LK NP IR KZ UZ KG TJ TM AF BT MV",
    "South East Asia, East Asia and Oceania": (
        "CN HK MO TW JP KR KP MN SG MY TH VN ID PH KH LA MM BN TL AU NZ FJ PG"
    ),
    "Sub-Saharan Africa": (
        "ZA NG KE ET GH TZ UG RW SN CM CI ZW ZM MZ AO BW NA MU MG ML BF NE TG BJ GA CD CG MW SO "
        "GN GM GW SL LR CV MR TD CF SS ER DJ BI SZ LS KM SC ST GQ RE YT"
    ),
}
ECONOMY_GROUP = {code: g for g, codes in _GROUP_MEMBERS.items() for code in codes.split()}
OTHER_GROUP = "Other"
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

#: a basemap layer draws on the map axes (lon/lat degrees) below everything else
BasemapLayer = Callable[[object], None]


def economy_group(economy: object) -> str:
    """GII regional group of an economy code; joint codes ("CN/HK") use the first code."""
    if not isinstance(economy, str) or not economy.strip():
        return OTHER_GROUP
    return ECONOMY_GROUP.get(economy.split("/")[0].strip().upper(), OTHER_GROUP)


def _rc() -> dict:
    return {
        "svg.hashsalt": "stclusters",
        "path.simplify": True,
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.titlesize": 12,
        "pdf.fonttype": 42,  # embedded TrueType: text stays selectable and editable
    }


def pdf_path(out_png: str | Path) -> Path:
    """The PDF written beside a figure's PNG: same basename, ``.pdf``."""
    return Path(out_png).with_suffix(".pdf")


def _save(fig: Figure, out_png: str | Path, pdf: bool = True) -> None:
    """Write ``out_png`` and (``pdf``) the PDF beside it, both byte-deterministic."""
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(out_png, dpi=DPI, format="png", metadata={"Software": None})
    if pdf:
        fig.savefig(pdf_path(out_png), dpi=DPI, format="pdf",
                    metadata={"CreationDate": None, "Creator": None, "Producer": None})


def _footer(fig: Figure, lines: list[str]) -> None:
    y = 0.012
    for text in reversed([t for t in lines if t]):
        fig.text(0.008, y, text, fontsize=7, color="#444444", ha="left", va="bottom")
        y += 0.028 * (5.6 / fig.get_size_inches()[1])


def _footer_inches(fig: Figure, lines: list[str], bottom_in: float = 0.08) -> None:
    """Footer lines at fixed inch offsets (figures whose height varies)."""
    h = fig.get_size_inches()[1]
    y = bottom_in
    for text in reversed([t for t in lines if t]):
        fig.text(0.008, y / h, text, fontsize=7, color="#444444", ha="left", va="bottom")
        y += 0.16


def _short(name: object, n: int = 32) -> str:
    """``name`` cut to ``n`` characters with an ellipsis."""
    text = str(name)
    return text if len(text) <= n else text[: n - 1].rstrip("–- ") + "…"


def _no_data(ax, text: str = "No clusters to show") -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=11, color="#777777")


# ------------------------------------------------------------------ basemap


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


# ------------------------------------------------------------------ maps


def _marker_sizes(score: np.ndarray, smax: float, area_max: float = 700.0) -> np.ndarray:
    """Marker areas (pt^2) proportional to score; the largest cluster gets ``area_max``."""
    if smax <= 0:
        return np.full(score.shape, 12.0)
    return np.maximum(area_max * score / smax, 6.0)


def _nice_levels(smax: float) -> list[float]:
    if smax <= 0:
        return []
    levels = []
    for frac in (1.0, 0.5, 0.1):
        v = smax * frac
        mag = 10 ** np.floor(np.log10(v))
        levels.append(float(np.floor(v / mag) * mag))
    return sorted(set(levels), reverse=True)


def _place_labels(
    fig,
    ax,
    points: list[tuple[float, float, str, float]],
    markers: list[tuple[float, float, float]] = (),
    avoid: list[Bbox] = (),
    strict: bool = False,
    rings: tuple[int, ...] = (4, 12, 24, 38, 54, 72, 94, 120, 150),
    fontsize: float = 8,
    marker_pad_pt: float = 0.0,
) -> int:
    """Greedy label placement avoiding overlaps with earlier labels and the markers.

    ``points`` are ``(lon, lat, text, marker_radius_pt)`` in priority order. Each label
    tries offsets on ``rings`` of growing radius (8 directions each) and takes the first
    whose box overlaps neither an earlier label, nor ``avoid`` (display boxes, e.g.
    legends), nor a marker (the labelled ones and ``markers``: ``(lon, lat, radius_pt)``),
    and stays inside the axes, keeping ``marker_pad_pt`` clear of the other markers (so a
    label is not read as another cluster's); failing that, the first that only avoids labels
    and ``avoid``. A leader line joins a label placed away from its marker. A label with no
    such place is drawn anyway at its marker (``strict`` false) or left out (``strict``:
    as many labels as fit without overlap). Returns the number of labels drawn.
    """
    renderer = fig.canvas.get_renderer()
    ax_box = ax.get_window_extent(renderer)
    scale = DPI / 72.0
    obstacles: list[Bbox] = []
    padded: list[Bbox] = []
    for lon, lat, radius_pt in [(p[0], p[1], p[3]) for p in points] + list(markers):
        x, y = ax.transData.transform((lon, lat))
        r = max(radius_pt, 2.0) * scale
        obstacles.append(Bbox([[x - r, y - r], [x + r, y + r]]))
        r += marker_pad_pt * scale
        padded.append(Bbox([[x - r, y - r], [x + r, y + r]]))
    placed: list[Bbox] = list(avoid)
    directions = [(1, 1), (-1, 1), (1, -1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    halign = {1: "left", -1: "right", 0: "center"}
    valign = {1: "bottom", -1: "top", 0: "center"}
    style = {
        "fontsize": fontsize,
        "fontweight": "bold",
        "color": "#222222",
        "zorder": 6,
        "path_effects": [patheffects.withStroke(linewidth=2.5, foreground="white")],
        "annotation_clip": False,
    }

    def inside(box: Bbox) -> bool:
        return (
            box.x0 >= ax_box.x0
            and box.x1 <= ax_box.x1
            and box.y0 >= ax_box.y0
            and box.y1 <= ax_box.y1
        )

    drawn = 0
    for i, (lon, lat, text, radius_pt) in enumerate(points):
        clear = padded[:i] + [obstacles[i]] + padded[i + 1:]
        probe = ax.annotate(text, xy=(lon, lat), xytext=(0, 0), textcoords="offset points", **style)
        choice, fallback = None, None
        for ring in rings:
            for dx, dy in directions:
                norm = float(np.hypot(dx, dy))
                off = ((radius_pt + ring) * dx / norm, (radius_pt + ring) * dy / norm)
                probe.set_position(off)
                probe.set_horizontalalignment(halign[dx])
                probe.set_verticalalignment(valign[dy])
                box = probe.get_window_extent(renderer).expanded(1.04, 1.2)
                if not inside(box) or any(box.overlaps(b) for b in placed):
                    continue
                if not any(box.overlaps(b) for b in clear):
                    choice = (off, dx, dy, ring)
                    break
                if fallback is None:
                    fallback = (off, dx, dy, ring)
            if choice is not None:
                break
        probe.remove()
        if strict and choice is None and fallback is None:
            continue
        off, dx, dy, ring = choice or fallback or ((radius_pt + 4, radius_pt + 4), 1, 1, 4)
        arrow = None
        if ring >= 12:
            arrow = {
                "arrowstyle": "-",
                "color": "#555555",
                "lw": 0.6,
                "shrinkA": 0,
                "shrinkB": radius_pt * 0.8,
            }
        ann = ax.annotate(
            text,
            xy=(lon, lat),
            xytext=off,
            textcoords="offset points",
            ha=halign[dx],
            va=valign[dy],
            arrowprops=arrow,
            **style,
        )
        placed.append(ann.get_window_extent(renderer).expanded(1.04, 1.2))
        drawn += 1
    return drawn


def _map_axes(fig: Figure, rect, extent, basemap, aspect: float = 1.0):
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


def _draw_noise(ax, noise: pd.DataFrame | None, extent, size: float = 1.2) -> int:
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


def _legend_kw(loc: str) -> dict:
    return {"loc": loc, "fontsize": 7, "frameon": True, "framealpha": 0.92,
            "edgecolor": "#CCCCCC", "title_fontsize": 7.5}


def _stack_legend(fig, ax, first, loc: str, **kw):
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


def _cluster_map(
    ranking: pd.DataFrame,
    noise: pd.DataFrame | None,
    out_png: str | Path,
    title: str,
    *,
    top_n: int,
    extent: tuple[float, float, float, float],
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
    label_rank: str = "rank",
) -> None:
    """Shared body of the cluster maps: circles sized by score (the largest of the top
    ``top_n``, in view or not, gets ``area_max``), coloured by economy group, over noise
    and the basemap. ``n_labels`` None: label as many clusters in view as fit (in rank
    order, no overlaps, short leaders); otherwise the best ``n_labels`` in view."""
    lon0, lon1, lat0, lat1 = extent
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=figsize, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = _map_axes(fig, rect, extent, basemap, aspect)
        n_noise = _draw_noise(ax, noise, extent, noise_size)
        handles = []
        if n_noise or extent == WORLD_EXTENT:
            handles.append(
                Line2D([], [], ls="", marker="o", ms=3, color=NOISE_COLOUR, label="Noise")
            )
        elif noise is not None:
            note = NO_NOISE_NOTE

        top = ranking.sort_values("rank", kind="mergesort")
        top = top[top["rank"] <= top_n].head(top_n)
        top = top.dropna(subset=["lat", "lon"])
        all_scores = top["score"].astype("float64").to_numpy()
        smax = float(all_scores.max()) if len(all_scores) else 0.0
        top = top[top["lon"].between(lon0, lon1) & top["lat"].between(lat0, lat1)]
        score = top["score"].astype("float64").to_numpy() if len(top) else np.array([])
        sizes = _marker_sizes(score, smax, area_max)
        groups = (
            top["group"].astype(str).to_numpy()
            if "group" in top.columns
            else top["economy"].map(economy_group).to_numpy()
        )
        colours = np.array([GROUP_COLOURS.get(g, OKABE_ITO["black"]) for g in groups])
        order = np.argsort(-score, kind="stable")  # small circles drawn on top of large ones
        if len(top):
            ax.scatter(
                top["lon"].to_numpy()[order],
                top["lat"].to_numpy()[order],
                s=sizes[order],
                c=colours[order],
                alpha=0.8,
                edgecolors="#333333",
                linewidths=0.4,
                zorder=3,
            )
        for g in GROUP_COLOURS:
            if g in set(groups):
                handles.append(
                    Line2D([], [], ls="", marker="o", ms=7, mfc=GROUP_COLOURS[g], mec="#333333",
                           mew=0.4, alpha=0.8, label=g)
                )
        leg = ax.legend(handles=handles, title="Economy group", borderpad=0.6,
                        **_legend_kw(legend_loc))
        leg.set_zorder(7)
        levels = _nice_levels(smax)
        if levels:
            size_handles = [
                Line2D(
                    [],
                    [],
                    ls="",
                    marker="o",
                    color="#FFFFFF",
                    mec="#555555",
                    ms=float(np.sqrt(_marker_sizes(np.array([v]), smax, area_max)[0])),
                    label=f"{v:g}",
                )
                for v in levels
            ]
            hmax = max(h.get_markersize() for h in size_handles) / 7.0
            kw = _legend_kw(legend_loc)
            kw.pop("loc")
            _stack_legend(
                fig, ax, leg, legend_loc, handles=size_handles, ncol=len(size_handles),
                title="Score (sum of shares, %)", borderpad=0.8, handletextpad=0.6,
                columnspacing=1.2, handleheight=hmax, handlelength=hmax, **kw,
            )

        radii = np.sqrt(sizes) / 2
        cand = top if n_labels is None else top.head(n_labels)
        label_pts = [
            (float(lon), float(lat), f"{int(r)} {name}", float(rad))
            for lon, lat, r, name, rad in zip(
                cand["lon"], cand["lat"], cand[label_rank], cand["name"], radii[: len(cand)],
                strict=True,
            )
        ]
        renderer = fig.canvas.get_renderer()
        legends = [a for a in ax.get_children() if a.__class__.__name__ == "Legend"]
        others = [
            (float(lon), float(lat), float(rad))
            for lon, lat, rad in zip(top["lon"], top["lat"], radii, strict=True)
        ][len(cand):]
        _place_labels(
            fig,
            ax,
            label_pts,
            markers=others,
            avoid=[lg.get_window_extent(renderer) for lg in legends],
            strict=n_labels is None,
            rings=(3, 8, 16, 26) if n_labels is None else (4, 12, 24, 38, 54, 72, 94, 120, 150),
            fontsize=7.5 if n_labels is None else 8,
            marker_pad_pt=4.0 if n_labels is None else 0.0,
        )
        if not len(top) and (noise is None or not len(noise)):
            _no_data(ax)
        h = figsize[1]
        fig.suptitle(title, x=0.01, y=1 - 0.08 / h, ha="left", va="top", fontsize=12,
                     fontweight="bold")
        credit = f" {BASEMAP_CREDIT}" if basemap is not None else ""
        _footer(fig, [note, source + credit])
        _save(fig, out_png)


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
        Default :func:`world_basemap` (Natural Earth countries); None draws none.

    The projection is plate carrée (x = lon, y = lat, equal aspect). Circle area is
    proportional to the score; colours are the GII regional group of the economy
    (Okabe-Ito palette). Size: ``figsize`` at :data:`DPI` (1800 x 840 pixels by default).
    """
    _cluster_map(
        ranking, noise, out_png, title, top_n=top_n,
        extent=extent if extent is not None else WORLD_EXTENT, n_labels=n_labels,
        source=source, basemap=basemap, figsize=figsize, rect=(0.01, 0.07, 0.98, 0.85),
    )


def _regional_layout(extent, width: float) -> tuple[tuple[float, float], tuple, float]:
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
    ``width`` inches by what the window needs (:func:`_regional_layout`) at :data:`DPI`.
    """
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; known: {', '.join(REGIONS)}")
    spec = REGIONS[region]
    figsize, rect, aspect = _regional_layout(spec["extent"], width)
    _cluster_map(
        ranking, noise, out_png, title or f"Top {top_n} S&T clusters: {spec['title']}",
        top_n=top_n, extent=spec["extent"], n_labels=None, source=source, basemap=basemap,
        figsize=figsize, rect=rect, aspect=aspect, legend_loc=spec["legend"],
        area_max=900.0, noise_size=3.0,
    )


def region_noise(
    noise: pd.DataFrame,
    membership: pd.DataFrame | None = None,
    loc_ids: np.ndarray | None = None,
) -> pd.DataFrame:
    """Noise of a regional ranking from the variant's world noise: the locations in
    ``loc_ids`` (the region's locations, when given) that are members of no regional
    cluster (``membership``: ``loc_id`` column)."""
    out = noise
    if loc_ids is not None:
        out = out[out["loc_id"].isin(np.asarray(loc_ids))]
    if membership is not None and len(membership):
        out = out[~out["loc_id"].isin(membership["loc_id"])]
    return out.reset_index(drop=True)


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
    as fit. ``noise``: the region's noise (see :func:`region_noise`). ``region`` picks
    another window of :data:`REGIONS` for another continent's ranking."""
    spec = REGIONS[region]
    figsize, rect, aspect = _regional_layout(spec["extent"], width)
    _cluster_map(
        regional_ranking, noise, out_png, title, top_n=top_n, extent=spec["extent"],
        n_labels=None, source=source.replace("(fractional", "(regional ranking, fractional"),
        basemap=basemap, figsize=figsize, rect=rect, aspect=aspect,
        legend_loc=spec["legend"], area_max=900.0, noise_size=3.0,
        note=MAP_NOTE.replace("within a cluster", "within a regional cluster")
        + " Scores are shares of the region's totals.",
    )


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
    Size: ``figsize`` at :data:`DPI` (1800 x 840 pixels by default)."""
    from matplotlib.colors import Normalize

    extent = WORLD_EXTENT
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=figsize, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = _map_axes(fig, (0.01, 0.07, 0.98, 0.85), extent, basemap)
        top = ranking.sort_values("rank", kind="mergesort")
        top = top[top["rank"] <= top_n].head(top_n)
        if "intensity" not in top.columns:
            top = top.assign(intensity=np.nan)
        top = top.dropna(subset=["lat", "lon", "intensity"])
        if "intensity_rank" not in top.columns or top["intensity_rank"].isna().any():
            irank = top["intensity"].rank(ascending=False, method="first")
            top = top.assign(intensity_rank=irank)
        top = top.sort_values(["intensity_rank", "rank"], kind="mergesort")
        val = top["intensity"].astype("float64").to_numpy()
        vmax = float(val.max()) if len(val) else 0.0
        sizes = _marker_sizes(val, vmax, INTENSITY_AREA_MAX)
        cmap = matplotlib.colormaps["cividis"]
        norm = Normalize(vmin=0.0, vmax=vmax if vmax > 0 else 1.0)
        order = np.argsort(-val, kind="stable")  # big first, small on top
        if len(top):
            ax.scatter(top["lon"].to_numpy()[order], top["lat"].to_numpy()[order],
                       s=sizes[order], c=val[order], cmap=cmap, norm=norm, alpha=0.9,
                       edgecolors="#333333", linewidths=0.4, zorder=3)
        else:
            _no_data(ax)
        # colour bar in the South Pacific, size legend above it
        cax = ax.inset_axes((0.015, 0.06, 0.2, 0.03))
        cb = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax,
                          orientation="horizontal")
        cb.ax.tick_params(labelsize=7)
        cb.outline.set_linewidth(0.4)
        cax.set_title("S&T intensity (sum of shares, %, per million inhabitants)",
                      fontsize=7.5, loc="left")
        avoid = [cax.get_tightbbox(fig.canvas.get_renderer())]
        levels = _nice_levels(vmax)
        if levels:
            size_handles = [
                Line2D([], [], ls="", marker="o", color="#FFFFFF", mec="#555555",
                       ms=float(np.sqrt(_marker_sizes(np.array([v]), vmax, INTENSITY_AREA_MAX)[0])),
                       label=f"{v:g}")
                for v in levels
            ]
            hmax = max(h.get_markersize() for h in size_handles) / 7.0
            cb_top = ax.transAxes.inverted().transform((0, avoid[0].y1))[1]
            leg = ax.legend(handles=size_handles, loc="lower left",
                            bbox_to_anchor=(0.005, cb_top + 0.01), borderaxespad=0,
                            ncol=len(size_handles), title="Circle area: intensity",
                            borderpad=0.8, handletextpad=0.6, columnspacing=1.2,
                            handleheight=hmax, handlelength=hmax,
                            **{k: v for k, v in _legend_kw("lower left").items() if k != "loc"})
            leg.set_zorder(7)
            avoid.append(leg.get_window_extent(fig.canvas.get_renderer()))
        radii = np.sqrt(sizes) / 2
        lab = top.head(n_labels)
        pts = [
            (float(lon), float(lat), f"{int(ir)} {name}", float(rad))
            for lon, lat, ir, name, rad in zip(lab["lon"], lab["lat"], lab["intensity_rank"],
                                               lab["name"], radii[: len(lab)], strict=True)
        ]
        others = [(float(a), float(b), float(r)) for a, b, r in
                  zip(top["lon"], top["lat"], radii, strict=True)][len(lab):]
        _place_labels(fig, ax, pts, markers=others, avoid=avoid)
        fig.suptitle(title, x=0.01, y=0.985, ha="left", va="top", fontsize=12,
                     fontweight="bold")
        credit = f" {BASEMAP_CREDIT}" if basemap is not None else ""
        _footer(fig, [
            f"Labels: rank by S&T intensity among the top {top_n} clusters by size; "
            "population from the gridded population footprint of each cluster.",
            source + credit,
        ])
        _save(fig, out_png)


# ------------------------------------------------------------------ rank change


def rank_change_chart(
    table: pd.DataFrame,
    out_png: str | Path,
    label_a: str,
    label_b: str,
    top_n: int = 30,
    source: str = DEFAULT_SOURCE,
) -> None:
    """Dumbbell chart of each top cluster's rank under variant A and variant B.

    ``table`` is :func:`stclusters.compare.compare_rankings`' table (``name``,
    ``economy``, ``rank_a``, ``rank_b``, ``rank_change``). The clusters are the top
    ``top_n`` under B, one row each in B's order; a hollow marker is the rank under A, a
    filled one the rank under B, and the connecting segment is blue when the cluster ranks
    better under B, vermillion when worse (grey: unchanged). Clusters without a match in
    A are marked "new". Size: 10 x (1.6 + 0.26 * top_n) inches at :data:`DPI`.
    """
    better, worse, same = OKABE_ITO["blue"], OKABE_ITO["vermillion"], "#999999"
    t = table.copy()
    t = t[pd.to_numeric(t["rank_b"], errors="coerce").le(top_n).fillna(False).astype(bool)]
    t = t.assign(_rb=t["rank_b"].astype("float64")).sort_values("_rb", kind="mergesort")
    t = t.head(top_n)
    height = 1.6 + 0.26 * top_n
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(10.0, height), dpi=DPI)
        FigureCanvasAgg(fig)
        left, right = 3.1 / 10.0, 0.97
        bottom, top_ = 0.75 / height, 1 - 0.85 / height
        ax = fig.add_axes((left, bottom, right - left, top_ - bottom))
        y = np.arange(len(t))
        ra = t["rank_a"].astype("float64").to_numpy()
        rb = t["rank_b"].astype("float64").to_numpy()
        finite = np.concatenate([ra[~np.isnan(ra)], rb[~np.isnan(rb)], [float(top_n)]])
        xmax = float(finite.max()) if len(finite) else float(top_n)
        for yi, a, b in zip(y, ra, rb, strict=True):
            if np.isnan(a):
                ax.text(
                    b + xmax * 0.015,
                    yi,
                    "new",
                    va="center",
                    ha="left",
                    fontsize=7,
                    color="#555555",
                    style="italic",
                )
                continue
            colour = better if a > b else worse if a < b else same
            ax.plot([a, b], [yi, yi], color=colour, lw=2.2, solid_capstyle="round", zorder=2)
            ax.plot([a], [yi], ls="", marker="o", ms=6, mfc="white", mec=colour, mew=1.4, zorder=3)
        colours_b = [
            same if np.isnan(a) or a == b else better if a > b else worse
            for a, b in zip(ra, rb, strict=True)
        ]
        if len(t):
            ax.scatter(rb, y, s=36, c=colours_b, edgecolors="#333333", linewidths=0.5, zorder=4)
        ax.set_yticks(y)
        ax.set_yticklabels(
            [
                f"{n} ({e})" if isinstance(e, str) and e else str(n)
                for n, e in zip(t["name"], t["economy"], strict=True)
            ],
            fontsize=8,
        )
        ax.set_ylim(top_n - 0.5, -0.7)
        ax.set_xlim(0, xmax * 1.08 + 1)
        ax.set_xlabel("Rank (1 = best)")
        ax.grid(axis="x", color=GRID_COLOUR, lw=0.5)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        handles = [
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=6,
                mfc="white",
                mec="#555555",
                mew=1.4,
                label=f"Rank under {label_a}",
            ),
            Line2D([], [], ls="", marker="o", ms=6, color="#555555", label=f"Rank under {label_b}"),
            Line2D([], [], color=better, lw=2.2, label=f"Better under {label_b}"),
            Line2D([], [], color=worse, lw=2.2, label=f"Worse under {label_b}"),
        ]
        fig.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(left, top_ + 0.1 / height),
            ncol=2,
            fontsize=7.5,
            frameon=False,
            borderaxespad=0,
            handlelength=1.6,
            columnspacing=1.2,
        )
        fig.suptitle(
            f"Rank of the top {top_n} clusters: {label_a} vs {label_b}",
            x=0.01,
            y=1 - 0.12 / height,
            ha="left",
            va="top",
            fontsize=11,
            fontweight="bold",
        )
        fig.text(0.008, 0.1 / height, source, fontsize=7, color="#444444", ha="left", va="bottom")
        _save(fig, out_png)


# ------------------------------------------------------------------ parameter sweep


def sweep_heatmap(
    summary: pd.DataFrame,
    out_png: str | Path,
    metric: str | list[str] = "n_clusters",
    title: str = "DBSCAN parameter sweep",
    top_n: int = 100,
    source: str = DEFAULT_SOURCE,
    axes: tuple[str, str] = ("eps_km", "min_share"),
    axis_labels: tuple[str, str] = ("eps_km (radius)",
                                    "min_share (density, share of world output)"),
) -> None:
    """Heatmap(s) of a sweep summary (:func:`stclusters.sweep.sweep_summary`): rows
    ``axes[0]`` (default ``eps_km``), columns ``axes[1]`` (default ``min_share``; for an
    HDBSCAN summary ``min_samples_share`` by ``min_cluster_share``), one panel per metric (a name or a list, at most
    four; titles from :data:`stclusters.sweep.METRICS`), each cell annotated with its value
    and the baseline cell (``is_baseline``) outlined. Colour map: viridis (perceptually
    uniform, colour-blind safe). Size: 5.2 inches per panel column (two columns from two
    panels on) by 4.6 per panel row plus 0.9, at :data:`DPI`.
    """
    from matplotlib.patches import Rectangle

    from stclusters.sweep import METRICS

    metrics = [metric] if isinstance(metric, str) else list(metric)
    if not 1 <= len(metrics) <= 4:
        raise ValueError("give one to four metrics")
    unknown = [m for m in metrics if m not in summary.columns]
    if unknown:
        raise ValueError(f"summary lacks metric column(s) {unknown}")
    row_key, col_key = axes
    eps = np.sort(summary[row_key].unique())
    ms = np.sort(summary[col_key].unique())
    ncol = 1 if len(metrics) == 1 else 2
    nrow = (len(metrics) + ncol - 1) // ncol
    width, height = 5.2 * ncol, 4.6 * nrow + 0.9
    if "is_baseline" in summary.columns:
        base = summary[summary["is_baseline"].astype(str).str.lower().isin(["true", "1"])]
    else:
        base = summary.iloc[0:0]
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(fig)
        for k, m in enumerate(metrics):
            ax = fig.add_subplot(nrow, ncol, k + 1)
            grid = (
                summary.pivot_table(index=row_key, columns=col_key, values=m,
                                    aggfunc="first")
                .reindex(index=eps, columns=ms)
                .to_numpy(dtype=float)
            )
            finite = grid[np.isfinite(grid)]
            vmin = float(finite.min()) if len(finite) else 0.0
            vmax = float(finite.max()) if len(finite) else 1.0
            im = ax.imshow(grid, cmap="viridis", origin="lower", aspect="auto",
                           vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1e-9)
            for r in range(len(eps)):
                for c in range(len(ms)):
                    v = grid[r, c]
                    if not np.isfinite(v):
                        text = "n/a"
                    elif m == "n_clusters":
                        text = f"{v:.0f}"
                    elif m == "spearman":
                        text = f"{v:.2f}"
                    else:
                        text = f"{v:.1f}"
                    frac = (v - vmin) / (vmax - vmin) if np.isfinite(v) and vmax > vmin else 0
                    ax.text(c, r, text, ha="center", va="center", fontsize=7.5,
                            color="black" if frac > 0.6 else "white")
            for _, b in base.iterrows():
                r = int(np.flatnonzero(np.isclose(eps, b[row_key]))[0])
                c = int(np.flatnonzero(np.isclose(ms, b[col_key]))[0])
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False,
                                       edgecolor=OKABE_ITO["vermillion"], lw=2.2))
            ax.set_xticks(range(len(ms)))
            ax.set_xticklabels([f"{v:g}" for v in ms], fontsize=7.5)
            ax.set_yticks(range(len(eps)))
            ax.set_yticklabels([f"{v:g}" for v in eps], fontsize=7.5)
            ax.set_xlabel(axis_labels[1])
            ax.set_ylabel(axis_labels[0])
            ax.set_title(METRICS.get(m, m).format(top_n=top_n), fontsize=9)
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
        fig.suptitle(title, x=0.01, y=1 - 0.12 / height, ha="left", va="top", fontsize=11,
                     fontweight="bold")
        fig.subplots_adjust(left=0.08, right=0.92, bottom=0.55 / height + 0.08,
                            top=1 - 0.75 / height, wspace=0.32, hspace=0.42)
        _footer(fig, ["Outlined: the variant's baseline point.", source])
        _save(fig, out_png)


# ------------------------------------------------------------------ rank uncertainty


def rank_uncertainty_chart(
    uncertainty: pd.DataFrame,
    out_png: str | Path,
    top_n: int = 100,
    title: str = "Rank uncertainty of the top clusters",
    source: str = DEFAULT_SOURCE,
    rows_per_panel: int = 50,
    note: str = "",
) -> None:
    """Per cluster of the nominal top ``top_n``: the nominal rank (vermillion diamond), the
    median rank over the perturbed runs (black dot) and the 5-95% interval of its rank (blue
    bar), with the share of runs in which it stays in the top 100 at the right.

    ``uncertainty``: ``results/sensitivity/{variant}/rank_uncertainty.csv`` with columns
    ``cluster_id``, ``name``, ``economy``, ``rank``, ``median_rank``, ``p05_rank``,
    ``p95_rank``, ``share_top100`` (a fraction 0-1 or a percentage). Clusters in nominal
    rank order, ``rows_per_panel`` per panel side by side; names longer than 32 characters
    are shortened with an ellipsis. Size: 7 inches per panel by 1.75 + 0.2 * rows (of the fullest panel) at :data:`DPI`.
    """
    t = uncertainty.copy()
    t["rank"] = pd.to_numeric(t["rank"], errors="coerce")
    t = t[t["rank"].le(top_n).fillna(False).astype(bool)]
    t = t.sort_values(["rank", "cluster_id"], kind="mergesort").head(top_n)
    n = len(t)
    npanel = max(1, int(np.ceil(n / rows_per_panel)))
    rows = min(max(n, 1), rows_per_panel)
    pw, lab_w, plot_w = 7.0, 3.0, 3.35  # panel, row labels, plot (the rest: share column)
    width, height = pw * npanel, 2.0 + 0.2 * rows
    share = pd.to_numeric(t.get("share_top100"), errors="coerce") if len(t) else pd.Series([])
    if len(share) and share.max() <= 1.0 + 1e-9:
        share = share * 100
    colour_bar, colour_med, colour_nom = OKABE_ITO["blue"], OKABE_ITO["black"], \
        OKABE_ITO["vermillion"]
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(fig)
        bottom, top_ = 0.9 / height, 1 - 1.15 / height
        for k in range(npanel):
            part = t.iloc[k * rows_per_panel:(k + 1) * rows_per_panel]
            pshare = share.iloc[k * rows_per_panel:(k + 1) * rows_per_panel] if len(share) \
                else share
            x0 = (k * pw + lab_w) / width
            ax = fig.add_axes((x0, bottom, plot_w / width, top_ - bottom))
            y = np.arange(len(part))
            lo = pd.to_numeric(part["p05_rank"], errors="coerce").to_numpy(dtype=float)
            hi = pd.to_numeric(part["p95_rank"], errors="coerce").to_numpy(dtype=float)
            med = pd.to_numeric(part["median_rank"], errors="coerce").to_numpy(dtype=float)
            nom = part["rank"].to_numpy(dtype=float)
            ax.hlines(y, lo, hi, color=colour_bar, lw=3.2, alpha=0.55, zorder=2)
            ax.scatter(med, y, s=16, c=colour_med, zorder=3, linewidths=0)
            ax.scatter(nom, y, s=22, marker="D", facecolors="none", edgecolors=colour_nom,
                       linewidths=1.1, zorder=4)
            ax.set_yticks(y)
            ax.set_yticklabels(
                [f"{int(r)} {_short(nm)} ({e})" if isinstance(e, str) and e
                 else f"{int(r)} {_short(nm)}"
                 for r, nm, e in zip(part["rank"], part["name"], part["economy"],
                                     strict=True)],
                fontsize=7.5,
            )
            ax.set_ylim(rows - 0.5, -0.7)
            finite = np.concatenate([v[np.isfinite(v)] for v in (lo, hi, med, nom)] + [[1.0]])
            ax.set_xlim(0, float(finite.max()) * 1.05 + 1)
            ax.set_xlabel("Rank (1 = best)")
            ax.grid(axis="x", color=GRID_COLOUR, lw=0.5)
            ax.set_axisbelow(True)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            if len(pshare):
                for yi, s in zip(y, pshare, strict=True):
                    ax.text(1.02, yi, "n/a" if not np.isfinite(s) else f"{s:.0f}%",
                            transform=ax.get_yaxis_transform(), ha="left", va="center",
                            fontsize=7, color="#444444")
                ax.text(1.02, -0.9, "in top\n100", transform=ax.get_yaxis_transform(),
                        ha="left", va="bottom", fontsize=7, color="#444444")
            if not len(part):
                _no_data(ax, "No rank uncertainty to show")
        handles = [
            Line2D([], [], ls="", marker="D", ms=5, mfc="none", mec=colour_nom, mew=1.1,
                   label="Nominal rank"),
            Line2D([], [], ls="", marker="o", ms=4.5, color=colour_med,
                   label="Median rank over the runs"),
            Line2D([], [], color=colour_bar, lw=3.2, alpha=0.55,
                   label="5-95% interval of the rank"),
        ]
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(lab_w / width,
                   top_ + 0.45 / height), ncol=3, fontsize=7.5, frameon=False,
                   borderaxespad=0, handlelength=1.6, columnspacing=1.4)
        fig.suptitle(title, x=0.01, y=1 - 0.1 / height, ha="left", va="top", fontsize=11,
                     fontweight="bold")
        _footer_inches(fig, [note, source])
        _save(fig, out_png)


# ------------------------------------------------------------------ score composition


def composition_bars(
    ranking: pd.DataFrame,
    out_png: str | Path,
    top_n: int = 30,
    weights: Mapping[str, float] | None = None,
    title: str | None = None,
    source: str = DEFAULT_SOURCE,
) -> None:
    """Stacked horizontal bars of each top cluster's score split by source: ``weight *
    {s}_share`` for every source ``s`` with a ``{s}_share`` column (PCT blue, publications
    orange, VC bluish green), the score at the bar's end. ``weights``: the variant's source
    weights (default 1 each, so the segments add up to the score). Clusters in rank order.
    Size: 10 x (1.8 + 0.26 * top_n) inches at :data:`DPI`.
    """
    sources = [s for s in SOURCE_LABELS if f"{s}_share" in ranking.columns]
    w = {s: float((weights or {}).get(s, 1.0)) for s in sources}
    t = ranking.sort_values("rank", kind="mergesort")
    t = t[t["rank"] <= top_n].head(top_n)
    height = 1.8 + 0.26 * top_n
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(10.0, height), dpi=DPI)
        FigureCanvasAgg(fig)
        left, right = 3.1 / 10.0, 0.95
        bottom, top_ = 0.95 / height, 1 - 0.85 / height
        ax = fig.add_axes((left, bottom, right - left, top_ - bottom))
        y = np.arange(len(t))
        start = np.zeros(len(t))
        for s in sources:
            seg = w[s] * pd.to_numeric(t[f"{s}_share"], errors="coerce").fillna(0).to_numpy()
            ax.barh(y, seg, left=start, height=0.72, color=SOURCE_COLOURS[s],
                    edgecolor="white", linewidth=0.4, label=SOURCE_LABELS[s], zorder=2)
            start = start + seg
        xmax = float(start.max()) if len(start) else 1.0
        for yi, tot in zip(y, start, strict=True):
            ax.text(tot + xmax * 0.01, yi, f"{tot:.2f}", va="center", ha="left", fontsize=7,
                    color="#333333")
        ax.set_yticks(y)
        ax.set_yticklabels(
            [f"{int(r)} {n} ({e})" if isinstance(e, str) and e else f"{int(r)} {n}"
             for r, n, e in zip(t["rank"], t["name"], t["economy"], strict=True)],
            fontsize=8,
        )
        ax.set_ylim(top_n - 0.5, -0.7)
        ax.set_xlim(0, xmax * 1.1 if xmax > 0 else 1.0)
        unit = "sum of shares of world output, %" if all(v == 1.0 for v in w.values()) \
            else "weighted sum of shares of world output, %"
        ax.set_xlabel(f"Score ({unit})")
        ax.grid(axis="x", color=GRID_COLOUR, lw=0.5)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if not len(t):
            _no_data(ax)
        handles = [Patch(facecolor=SOURCE_COLOURS[s], label=SOURCE_LABELS[s]
                         + ("" if w[s] == 1.0 else f" (x{w[s]:g})")) for s in sources]
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(left, top_ + 0.12 / height),
                   ncol=max(len(handles), 1), fontsize=7.5, frameon=False, borderaxespad=0,
                   handlelength=1.4, columnspacing=1.4)
        fig.suptitle(title or f"Score composition of the top {top_n} clusters", x=0.01,
                     y=1 - 0.12 / height, ha="left", va="top", fontsize=11, fontweight="bold")
        _footer_inches(fig, ["Each segment is the cluster's share of the world total of one "
                             "source (percent); the bar is the score.", source])
        _save(fig, out_png)
