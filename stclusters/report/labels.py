"""Map labels: greedy placement of "rank name" labels that overlap neither each other, nor
the legends, nor the clusters' circles, with a leader line when a label sits away from its
circle."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.transforms import Bbox

from stclusters.report.style import DPI

#: a label's candidate directions around its marker (dx, dy), in the order tried
DIRECTIONS = [(1, 1), (-1, 1), (1, -1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
_HALIGN = {1: "left", -1: "right", 0: "center"}
_VALIGN = {1: "bottom", -1: "top", 0: "center"}
DEFAULT_RINGS = (4, 12, 24, 38, 54, 72, 94, 120, 150)
#: settings of the regional maps: as many labels as fit, close to their circles
FIT_LABELS = {"strict": True, "rings": (3, 8, 16, 26), "fontsize": 7.5, "marker_pad_pt": 4.0}


def _label_style(fontsize: float) -> dict:
    return {
        "fontsize": fontsize,
        "fontweight": "bold",
        "color": "#222222",
        "zorder": 6,
        "path_effects": [patheffects.withStroke(linewidth=2.5, foreground="white")],
        "annotation_clip": False,
    }


def _marker_boxes(ax, circles: list[tuple[float, float, float]],
                  pad_pt: float) -> tuple[list[Bbox], list[Bbox]]:
    """Display boxes of the circles ``(lon, lat, radius_pt)``: tight, and ``pad_pt`` wider."""
    scale = DPI / 72.0
    tight: list[Bbox] = []
    padded: list[Bbox] = []
    for lon, lat, radius_pt in circles:
        x, y = ax.transData.transform((lon, lat))
        r = max(radius_pt, 2.0) * scale
        tight.append(Bbox([[x - r, y - r], [x + r, y + r]]))
        r += pad_pt * scale
        padded.append(Bbox([[x - r, y - r], [x + r, y + r]]))
    return tight, padded


def _inside(box: Bbox, ax_box: Bbox) -> bool:
    return box.x0 >= ax_box.x0 and box.x1 <= ax_box.x1 and box.y0 >= ax_box.y0 \
        and box.y1 <= ax_box.y1


def _find_offset(probe, renderer, ax_box: Bbox, placed: list[Bbox], clear: list[Bbox],
                 radius_pt: float, rings: Sequence[int]) -> tuple[tuple | None, tuple | None]:
    """Try the offsets ring by ring: the first inside the axes and clear of ``placed`` and
    ``clear`` (choice), and the first clear of ``placed`` only (fallback); each is
    ``(offset_pt, dx, dy, ring)`` or None."""
    fallback = None
    for ring in rings:
        for dx, dy in DIRECTIONS:
            norm = float(np.hypot(dx, dy))
            off = ((radius_pt + ring) * dx / norm, (radius_pt + ring) * dy / norm)
            probe.set_position(off)
            probe.set_horizontalalignment(_HALIGN[dx])
            probe.set_verticalalignment(_VALIGN[dy])
            box = probe.get_window_extent(renderer).expanded(1.04, 1.2)
            if not _inside(box, ax_box) or any(box.overlaps(b) for b in placed):
                continue
            if not any(box.overlaps(b) for b in clear):
                return (off, dx, dy, ring), fallback
            if fallback is None:
                fallback = (off, dx, dy, ring)
    return None, fallback


def _leader(ring: float, radius_pt: float) -> dict | None:
    """The leader line of a label placed ``ring`` points off its circle (None: close)."""
    if ring < 12:
        return None
    return {"arrowstyle": "-", "color": "#555555", "lw": 0.6, "shrinkA": 0,
            "shrinkB": radius_pt * 0.8}


def place_labels(
    fig,
    ax,
    points: list[tuple[float, float, str, float]],
    markers: list[tuple[float, float, float]] = (),
    avoid: list[Bbox] = (),
    strict: bool = False,
    rings: tuple[int, ...] = DEFAULT_RINGS,
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
    obstacles, padded = _marker_boxes(ax, [(p[0], p[1], p[3]) for p in points] + list(markers),
                                      marker_pad_pt)
    placed: list[Bbox] = list(avoid)
    style = _label_style(fontsize)
    drawn = 0
    for i, (lon, lat, text, radius_pt) in enumerate(points):
        clear = padded[:i] + [obstacles[i]] + padded[i + 1:]
        probe = ax.annotate(text, xy=(lon, lat), xytext=(0, 0), textcoords="offset points", **style)
        choice, fallback = _find_offset(probe, renderer, ax_box, placed, clear, radius_pt, rings)
        probe.remove()
        if strict and choice is None and fallback is None:
            continue
        off, dx, dy, ring = choice or fallback or ((radius_pt + 4, radius_pt + 4), 1, 1, 4)
        ann = ax.annotate(text, xy=(lon, lat), xytext=off, textcoords="offset points",
                          ha=_HALIGN[dx], va=_VALIGN[dy], arrowprops=_leader(ring, radius_pt),
                          **style)
        placed.append(ann.get_window_extent(renderer).expanded(1.04, 1.2))
        drawn += 1
    return drawn


def label_clusters(fig, ax, shown: pd.DataFrame, radii: np.ndarray, n_labels: int | None,
                   rank_col: str, avoid: list[Bbox], **kw) -> int:
    """Label the first ``n_labels`` (None: all) of the clusters ``shown`` on a map (columns
    ``lon``, ``lat``, ``name``, ``rank_col``; circle radii ``radii`` in points) "rank
    name", keeping clear of every shown circle and of ``avoid``; ``kw`` goes to
    :func:`place_labels`. Returns the number of labels drawn."""
    cand = shown if n_labels is None else shown.head(n_labels)
    points = [
        (float(lon), float(lat), f"{int(r)} {name}", float(rad))
        for lon, lat, r, name, rad in zip(cand["lon"], cand["lat"], cand[rank_col],
                                          cand["name"], radii[: len(cand)], strict=True)
    ]
    others = [
        (float(lon), float(lat), float(rad))
        for lon, lat, rad in zip(shown["lon"], shown["lat"], radii, strict=True)
    ][len(cand):]
    return place_labels(fig, ax, points, markers=others, avoid=avoid, **kw)
