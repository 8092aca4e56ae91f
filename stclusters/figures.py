"""Figures: a GII "Map 1"-style world map of the top clusters and a rank-change chart.

Design rules for every figure: colour-blind-safe Okabe-Ito palette, a legend, a source
line, fixed size and DPI (so the pixel size is known in advance), and deterministic bytes
(Agg backend, no pyplot state, fixed ``svg.hashsalt``, PNG written without the
``Software`` metadata key). Figures are built on :class:`matplotlib.figure.Figure`
directly, so importing this module does not touch a notebook's pyplot backend.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # do not switch a notebook's backend
    matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
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
DEFAULT_SOURCE = "Source: stclusters rebuild of the GII S&T cluster ranking (fractional counts)."
MAP_NOTE = (
    "Note: Noise refers to inventor/author locations (rounded, with at least five records) "
    "not classified as being within a cluster."
)
WORLD_EXTENT = (-180.0, 180.0, -60.0, 80.0)

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
        "ZA NG KE ET GH TZ UG RW SN CM CI ZW ZM MZ AO BW NA MU MG ML BF NE TG BJ GA CD CG MW SO"
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
    }


def _save(fig: Figure, out_png: str | Path) -> None:
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(out_png, dpi=DPI, format="png", metadata={"Software": None})


def _footer(fig: Figure, lines: list[str]) -> None:
    y = 0.012
    for text in reversed([t for t in lines if t]):
        fig.text(0.008, y, text, fontsize=7, color="#444444", ha="left", va="bottom")
        y += 0.028 * (5.6 / fig.get_size_inches()[1])


# ------------------------------------------------------------------ world map


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
) -> None:
    """Greedy label placement avoiding overlaps with earlier labels and the markers.

    ``points`` are ``(lon, lat, text, marker_radius_pt)`` in priority order. Each label
    tries offsets on rings of growing radius (8 directions each) and takes the first whose
    box overlaps neither an earlier label, nor ``avoid`` (display boxes, e.g. legends), nor a
    marker (the labelled ones and ``markers``: ``(lon, lat, radius_pt)``), and stays inside
    the axes; failing that, the first that only avoids labels and ``avoid``. A leader line
    joins a label placed away from its marker.
    """
    renderer = fig.canvas.get_renderer()
    ax_box = ax.get_window_extent(renderer)
    scale = DPI / 72.0
    obstacles: list[Bbox] = []
    for lon, lat, radius_pt in [(p[0], p[1], p[3]) for p in points] + list(markers):
        x, y = ax.transData.transform((lon, lat))
        r = max(radius_pt, 2.0) * scale
        obstacles.append(Bbox([[x - r, y - r], [x + r, y + r]]))
    placed: list[Bbox] = list(avoid)
    directions = [(1, 1), (-1, 1), (1, -1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    halign = {1: "left", -1: "right", 0: "center"}
    valign = {1: "bottom", -1: "top", 0: "center"}
    style = {
        "fontsize": 8,
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

    for lon, lat, text, radius_pt in points:
        probe = ax.annotate(text, xy=(lon, lat), xytext=(0, 0), textcoords="offset points", **style)
        choice, fallback = None, None
        for ring in (4, 12, 24, 38, 54, 72, 94, 120, 150):
            for dx, dy in directions:
                norm = float(np.hypot(dx, dy))
                off = ((radius_pt + ring) * dx / norm, (radius_pt + ring) * dy / norm)
                probe.set_position(off)
                probe.set_horizontalalignment(halign[dx])
                probe.set_verticalalignment(valign[dy])
                box = probe.get_window_extent(renderer).expanded(1.04, 1.2)
                if not inside(box) or any(box.overlaps(b) for b in placed):
                    continue
                if not any(box.overlaps(b) for b in obstacles):
                    choice = (off, dx, dy, ring)
                    break
                if fallback is None:
                    fallback = (off, dx, dy, ring)
            if choice is not None:
                break
        probe.remove()
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
        placed.append(ann.get_window_extent(renderer))


def map_top_clusters(
    ranking: pd.DataFrame,
    noise: pd.DataFrame,
    out_png: str | Path,
    title: str,
    top_n: int = 100,
    extent: tuple[float, float, float, float] | None = None,
    n_labels: int = 10,
    source: str = DEFAULT_SOURCE,
    basemap: BasemapLayer | None = None,
    figsize: tuple[float, float] = (12.0, 5.6),
) -> None:
    """Draw a GII "Map 1"-style map of the top clusters and write it to ``out_png``.

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
        Optional callable ``f(ax)`` drawing a background layer (e.g. Natural Earth land
        polygons) in lon/lat degrees; it is called first, so it sits below the graticule,
        the noise and the clusters (use ``zorder`` < 1).

    The projection is plate carrée (x = lon, y = lat, equal aspect). Circle area is
    proportional to the score; colours are the GII regional group of the economy
    (Okabe-Ito palette). Size: ``figsize`` at :data:`DPI` (1800 x 840 pixels by default).
    """
    lon0, lon1, lat0, lat1 = extent if extent is not None else WORLD_EXTENT
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=figsize, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.01, 0.07, 0.98, 0.85))
        ax.set_xlim(lon0, lon1)
        ax.set_ylim(lat0, lat1)
        ax.set_aspect("equal", adjustable="box")
        ax.set_facecolor("white")
        if basemap is not None:
            basemap(ax)
        # graticule every 30 degrees
        for x in np.arange(np.ceil(lon0 / 30) * 30, lon1 + 1e-9, 30):
            ax.axvline(x, color=GRID_COLOUR, lw=0.5, zorder=0.5)
        for y in np.arange(np.ceil(lat0 / 30) * 30, lat1 + 1e-9, 30):
            ax.axhline(y, color=GRID_COLOUR, lw=0.5, zorder=0.5)
        ax.axhline(0, color="#BDBDBD", lw=0.7, zorder=0.5)
        ax.set_xticks([])  # the graticule (30 degree steps) replaces tick labels
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_color("#BDBDBD")
            side.set_linewidth(0.6)

        handles = []
        if noise is not None and len(noise):
            nz = noise[["lon", "lat"]].astype("float64")
            nz = nz[nz["lon"].between(lon0, lon1) & nz["lat"].between(lat0, lat1)]
            ax.scatter(
                nz["lon"],
                nz["lat"],
                s=1.2,
                c=NOISE_COLOUR,
                alpha=0.6,
                linewidths=0,
                zorder=1,
                rasterized=True,
            )
        handles.append(Line2D([], [], ls="", marker="o", ms=3, color=NOISE_COLOUR, label="Noise"))

        top = ranking.sort_values("rank", kind="mergesort")
        top = top[top["rank"] <= top_n].head(top_n)
        top = top.dropna(subset=["lat", "lon"])
        top = top[top["lon"].between(lon0, lon1) & top["lat"].between(lat0, lat1)]
        score = top["score"].astype("float64").to_numpy() if len(top) else np.array([])
        smax = float(score.max()) if len(score) else 0.0
        sizes = _marker_sizes(score, smax)
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
                    Line2D(
                        [],
                        [],
                        ls="",
                        marker="o",
                        ms=7,
                        mfc=GROUP_COLOURS[g],
                        mec="#333333",
                        mew=0.4,
                        alpha=0.8,
                        label=g,
                    )
                )
        leg = ax.legend(
            handles=handles,
            loc="lower left",
            fontsize=7,
            frameon=True,
            framealpha=0.9,
            edgecolor="#CCCCCC",
            title="Economy group",
            title_fontsize=7.5,
            borderpad=0.6,
        )
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
                    ms=float(np.sqrt(_marker_sizes(np.array([v]), smax)[0])),
                    label=f"{v:g}",
                )
                for v in levels
            ]
            ax.add_artist(leg)
            # stacked above the group legend: both sit in the empty South Pacific
            box = leg.get_window_extent(fig.canvas.get_renderer())
            x0, y1 = ax.transAxes.inverted().transform((box.x0, box.y1))
            leg2 = ax.legend(
                handles=size_handles,
                loc="lower left",
                bbox_to_anchor=(x0, y1 + 0.01),
                borderaxespad=0,
                ncol=len(size_handles),
                fontsize=7,
                title="Score (sum of shares, %)",
                title_fontsize=7.5,
                frameon=True,
                framealpha=0.9,
                edgecolor="#CCCCCC",
                borderpad=0.8,
                handletextpad=0.6,
                columnspacing=1.2,
                handleheight=max(h.get_markersize() for h in size_handles) / 7.0,
                handlelength=max(h.get_markersize() for h in size_handles) / 7.0,
            )
            leg2.set_zorder(7)

        labelled = top.head(n_labels)
        label_pts = [
            (float(lon), float(lat), f"{int(rank)} {name}", float(np.sqrt(s) / 2))
            for lon, lat, rank, name, s in zip(
                labelled["lon"],
                labelled["lat"],
                labelled["rank"],
                labelled["name"],
                sizes[: len(labelled)],
                strict=True,
            )
        ]
        renderer = fig.canvas.get_renderer()
        legends = [a for a in ax.get_children() if a.__class__.__name__ == "Legend"]
        others = [
            (float(lon), float(lat), float(np.sqrt(s) / 2))
            for lon, lat, s in zip(top["lon"], top["lat"], sizes, strict=True)
        ][len(labelled) :]
        _place_labels(
            fig,
            ax,
            label_pts,
            markers=others,
            avoid=[lg.get_window_extent(renderer) for lg in legends],
        )
        fig.suptitle(title, x=0.01, y=0.985, ha="left", va="top", fontsize=12, fontweight="bold")
        _footer(fig, [MAP_NOTE, source])
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
) -> None:
    """Heatmap(s) of a sweep summary (:func:`stclusters.sweep.sweep_summary`): rows
    ``eps_km``, columns ``min_share``, one panel per metric (a name or a list, at most
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
    eps = np.sort(summary["eps_km"].unique())
    ms = np.sort(summary["min_share"].unique())
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
                summary.pivot_table(index="eps_km", columns="min_share", values=m,
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
                r = int(np.flatnonzero(np.isclose(eps, b["eps_km"]))[0])
                c = int(np.flatnonzero(np.isclose(ms, b["min_share"]))[0])
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False,
                                       edgecolor=OKABE_ITO["vermillion"], lw=2.2))
            ax.set_xticks(range(len(ms)))
            ax.set_xticklabels([f"{v:g}" for v in ms], fontsize=7.5)
            ax.set_yticks(range(len(eps)))
            ax.set_yticklabels([f"{v:g}" for v in eps], fontsize=7.5)
            ax.set_xlabel("min_share (density, share of world output)")
            ax.set_ylabel("eps_km (radius)")
            ax.set_title(METRICS.get(m, m).format(top_n=top_n), fontsize=9)
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
        fig.suptitle(title, x=0.01, y=1 - 0.12 / height, ha="left", va="top", fontsize=11,
                     fontweight="bold")
        fig.subplots_adjust(left=0.08, right=0.92, bottom=0.55 / height + 0.08,
                            top=1 - 0.75 / height, wspace=0.32, hspace=0.42)
        _footer(fig, ["Outlined: the variant's baseline point.", source])
        _save(fig, out_png)
