"""The charts: rank change between two variants, rank uncertainty, score composition and
the parameter-sweep heatmaps. Each writes a PNG and the PDF beside it in the house style
(:mod:`stclusters.report.style`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from stclusters.report import style
from stclusters.report.data import top_ranked, within_top
from stclusters.report.style import DEFAULT_SOURCE, OKABE_ITO, row_label, short, tidy_axes
from stclusters.tables import SOURCE_HEADERS

#: the sources of a ranking: label and colour in the composition bars
SOURCE_LABELS = {s: headers[0] for s, headers in SOURCE_HEADERS.items()} | {
    "vc": "Venture capital deals"
}
SOURCE_COLOURS = {"pct": OKABE_ITO["blue"], "pub": OKABE_ITO["orange"],
                  "vc": OKABE_ITO["green"]}
#: rank change: better, worse, unchanged (or new) under the second variant
BETTER, WORSE, SAME = OKABE_ITO["blue"], OKABE_ITO["vermillion"], "#999999"


# ------------------------------------------------------------------ rank change


def _change_colour(a: float, b: float) -> str:
    """Colour of a cluster ranked ``a`` under A and ``b`` under B (``a`` NaN: new)."""
    return SAME if np.isnan(a) or a == b else BETTER if a > b else WORSE


def _draw_dumbbells(ax, y: np.ndarray, ra: np.ndarray, rb: np.ndarray, xmax: float) -> None:
    """Per row: a segment from rank A (hollow marker) to rank B (filled); "new" when the
    cluster has no rank under A."""
    for yi, a, b in zip(y, ra, rb, strict=True):
        if np.isnan(a):
            ax.text(b + xmax * 0.015, yi, "new", va="center", ha="left", fontsize=7,
                    color="#555555", style="italic")
            continue
        colour = _change_colour(a, b)
        ax.plot([a, b], [yi, yi], color=colour, lw=2.2, solid_capstyle="round", zorder=2)
        ax.plot([a], [yi], ls="", marker="o", ms=6, mfc="white", mec=colour, mew=1.4, zorder=3)
    if len(y):
        colours_b = [_change_colour(a, b) for a, b in zip(ra, rb, strict=True)]
        ax.scatter(rb, y, s=36, c=colours_b, edgecolors="#333333", linewidths=0.5, zorder=4)


def _rank_change_handles(label_a: str, label_b: str) -> list[Line2D]:
    return [
        Line2D([], [], ls="", marker="o", ms=6, mfc="white", mec="#555555", mew=1.4,
               label=f"Rank under {label_a}"),
        Line2D([], [], ls="", marker="o", ms=6, color="#555555", label=f"Rank under {label_b}"),
        Line2D([], [], color=BETTER, lw=2.2, label=f"Better under {label_b}"),
        Line2D([], [], color=WORSE, lw=2.2, label=f"Worse under {label_b}"),
    ]


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
    A are marked "new". Size: 10 x (1.6 + 0.26 * top_n) inches at ``DPI``.
    """
    t = table[within_top(table["rank_b"], top_n)]
    t = t.assign(_rb=t["rank_b"].astype("float64")).sort_values("_rb", kind="mergesort")
    t = t.head(top_n)
    height = 1.6 + 0.26 * top_n
    with style.figure((10.0, height), out_png) as fig:
        left, top_ = 3.1 / 10.0, 1 - 0.85 / height
        ax = style.chart_axes(fig, left, 0.97, 0.75 / height, top_)
        y = np.arange(len(t))
        ra = t["rank_a"].astype("float64").to_numpy()
        rb = t["rank_b"].astype("float64").to_numpy()
        finite = np.concatenate([ra[~np.isnan(ra)], rb[~np.isnan(rb)], [float(top_n)]])
        xmax = float(finite.max()) if len(finite) else float(top_n)
        _draw_dumbbells(ax, y, ra, rb, xmax)
        ax.set_yticks(y)
        ax.set_yticklabels([row_label(n, e) for n, e in zip(t["name"], t["economy"], strict=True)],
                           fontsize=8)
        ax.set_ylim(top_n - 0.5, -0.7)
        ax.set_xlim(0, xmax * 1.08 + 1)
        ax.set_xlabel("Rank (1 = best)")
        tidy_axes(ax)
        style.chart_legend(fig, (left, top_ + 0.1 / height), ncol=2, handlelength=1.6,
                           columnspacing=1.2, handles=_rank_change_handles(label_a, label_b))
        style.title(fig, f"Rank of the top {top_n} clusters: {label_a} vs {label_b}",
                    1 - 0.12 / height)
        style.footer_inches(fig, [source], bottom_in=0.1)


# ------------------------------------------------------------------ parameter sweep


def _cell_text(v: float, metric: str) -> str:
    """A heatmap cell's value as written in the cell."""
    if not np.isfinite(v):
        return "n/a"
    if metric == "n_clusters":
        return f"{v:.0f}"
    if metric == "spearman":
        return f"{v:.2f}"
    return f"{v:.1f}"


def _heatmap_panel(fig, ax, summary: pd.DataFrame, metric: str, eps: np.ndarray,
                   ms: np.ndarray, base: pd.DataFrame, title: str,
                   axes: tuple[str, str], axis_labels: tuple[str, str]) -> None:
    """One metric's heatmap: cells annotated, the baseline cells outlined, a colour bar."""
    row_key, col_key = axes
    grid = (
        summary.pivot_table(index=row_key, columns=col_key, values=metric, aggfunc="first")
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
            frac = (v - vmin) / (vmax - vmin) if np.isfinite(v) and vmax > vmin else 0
            ax.text(c, r, _cell_text(v, metric), ha="center", va="center", fontsize=7.5,
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
    ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)


def sweep_heatmap(
    summary: pd.DataFrame,
    out_png: str | Path,
    metric: str | list[str] = "n_clusters",
    title: str = "DBSCAN parameter sweep",
    top_n: int = 100,
    source: str = DEFAULT_SOURCE,
    titles: Mapping[str, str] | None = None,
    axes: tuple[str, str] = ("eps_km", "min_share"),
    axis_labels: tuple[str, str] = ("eps_km (radius)",
                                    "min_share (density, share of world output)"),
) -> None:
    """Heatmap(s) of a sweep summary (:func:`stclusters.sweep.sweep_summary`): rows
    ``axes[0]`` (default ``eps_km``), columns ``axes[1]`` (default ``min_share``; for an
    HDBSCAN summary ``min_samples_share`` by ``min_cluster_share``), one panel per metric (a name or a list, at most
    four; panel titles from ``titles``, e.g. :data:`stclusters.sweep.METRICS`, with
    ``{top_n}`` filled in; default the metric names), each cell annotated with its value
    and the baseline cell (``is_baseline``) outlined. Colour map: viridis (perceptually
    uniform, colour-blind safe). Size: 5.2 inches per panel column (two columns from two
    panels on) by 4.6 per panel row plus 0.9, at ``DPI``.
    """
    titles = titles or {}
    metrics = [metric] if isinstance(metric, str) else list(metric)
    if not 1 <= len(metrics) <= 4:
        raise ValueError("give one to four metrics")
    unknown = [m for m in metrics if m not in summary.columns]
    if unknown:
        raise ValueError(f"summary lacks metric column(s) {unknown}")
    eps = np.sort(summary[axes[0]].unique())
    ms = np.sort(summary[axes[1]].unique())
    ncol = 1 if len(metrics) == 1 else 2
    nrow = (len(metrics) + ncol - 1) // ncol
    width, height = 5.2 * ncol, 4.6 * nrow + 0.9
    if "is_baseline" in summary.columns:
        base = summary[summary["is_baseline"].astype(str).str.lower().isin(["true", "1"])]
    else:
        base = summary.iloc[0:0]
    with style.figure((width, height), out_png) as fig:
        for k, m in enumerate(metrics):
            ax = fig.add_subplot(nrow, ncol, k + 1)
            _heatmap_panel(fig, ax, summary, m, eps, ms, base,
                           titles.get(m, m).format(top_n=top_n), axes, axis_labels)
        style.title(fig, title, 1 - 0.12 / height)
        fig.subplots_adjust(left=0.08, right=0.92, bottom=0.55 / height + 0.08,
                            top=1 - 0.75 / height, wspace=0.32, hspace=0.42)
        style.footer(fig, ["Outlined: the variant's baseline point.", source])


# ------------------------------------------------------------------ rank uncertainty


def _uncertainty_rows(uncertainty: pd.DataFrame, top_n: int) -> tuple[pd.DataFrame, pd.Series]:
    """The nominal top ``top_n`` in rank order, and their share of runs in the top 100 as a
    percentage (empty when there are no rows)."""
    t = uncertainty.copy()
    t["rank"] = pd.to_numeric(t["rank"], errors="coerce")
    t = t[within_top(t["rank"], top_n)]
    t = t.sort_values(["rank", "cluster_id"], kind="mergesort").head(top_n)
    share = pd.to_numeric(t.get("share_top100"), errors="coerce") if len(t) else pd.Series([])
    if len(share) and share.max() <= 1.0 + 1e-9:
        share = share * 100
    return t, share


def _uncertainty_panel(ax, part: pd.DataFrame, pshare: pd.Series, rows: int) -> None:
    """One panel: interval bars, median and nominal ranks, row labels, share column."""
    y = np.arange(len(part))
    lo = pd.to_numeric(part["p05_rank"], errors="coerce").to_numpy(dtype=float)
    hi = pd.to_numeric(part["p95_rank"], errors="coerce").to_numpy(dtype=float)
    med = pd.to_numeric(part["median_rank"], errors="coerce").to_numpy(dtype=float)
    nom = part["rank"].to_numpy(dtype=float)
    ax.hlines(y, lo, hi, color=OKABE_ITO["blue"], lw=3.2, alpha=0.55, zorder=2)
    ax.scatter(med, y, s=16, c=OKABE_ITO["black"], zorder=3, linewidths=0)
    ax.scatter(nom, y, s=22, marker="D", facecolors="none", edgecolors=OKABE_ITO["vermillion"],
               linewidths=1.1, zorder=4)
    ax.set_yticks(y)
    ax.set_yticklabels([row_label(short(nm), e, r) for r, nm, e in
                        zip(part["rank"], part["name"], part["economy"], strict=True)],
                       fontsize=7.5)
    ax.set_ylim(rows - 0.5, -0.7)
    finite = np.concatenate([v[np.isfinite(v)] for v in (lo, hi, med, nom)] + [[1.0]])
    ax.set_xlim(0, float(finite.max()) * 1.05 + 1)
    ax.set_xlabel("Rank (1 = best)")
    tidy_axes(ax)
    if len(pshare):
        for yi, s in zip(y, pshare, strict=True):
            ax.text(1.02, yi, "n/a" if not np.isfinite(s) else f"{s:.0f}%",
                    transform=ax.get_yaxis_transform(), ha="left", va="center",
                    fontsize=7, color=style.FOOTER_COLOUR)
        ax.text(1.02, -0.9, "in top\n100", transform=ax.get_yaxis_transform(),
                ha="left", va="bottom", fontsize=7, color=style.FOOTER_COLOUR)
    if not len(part):
        style.no_data(ax, "No rank uncertainty to show")


def _uncertainty_handles() -> list[Line2D]:
    return [
        Line2D([], [], ls="", marker="D", ms=5, mfc="none", mec=OKABE_ITO["vermillion"],
               mew=1.1, label="Nominal rank"),
        Line2D([], [], ls="", marker="o", ms=4.5, color=OKABE_ITO["black"],
               label="Median rank over the runs"),
        Line2D([], [], color=OKABE_ITO["blue"], lw=3.2, alpha=0.55,
               label="5-95% interval of the rank"),
    ]


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
    are shortened with an ellipsis. Size: 7 inches per panel by 2.0 + 0.2 * rows (of the
    fullest panel) at ``DPI``.
    """
    t, share = _uncertainty_rows(uncertainty, top_n)
    npanel = max(1, int(np.ceil(len(t) / rows_per_panel)))
    rows = min(max(len(t), 1), rows_per_panel)
    pw, lab_w, plot_w = 7.0, 3.0, 3.35  # panel, row labels, plot (the rest: share column)
    width, height = pw * npanel, 2.0 + 0.2 * rows
    with style.figure((width, height), out_png) as fig:
        bottom, top_ = 0.9 / height, 1 - 1.15 / height
        for k in range(npanel):
            rows_k = slice(k * rows_per_panel, (k + 1) * rows_per_panel)
            x0 = (k * pw + lab_w) / width
            ax = fig.add_axes((x0, bottom, plot_w / width, top_ - bottom))
            _uncertainty_panel(ax, t.iloc[rows_k], share.iloc[rows_k] if len(share) else share,
                               rows)
        style.chart_legend(fig, (lab_w / width, top_ + 0.45 / height), ncol=3,
                           handlelength=1.6, columnspacing=1.4, handles=_uncertainty_handles())
        style.title(fig, title, 1 - 0.1 / height)
        style.footer_inches(fig, [note, source])


# ------------------------------------------------------------------ score composition


def _stack_sources(ax, t: pd.DataFrame, sources: list[str], w: dict[str, float]) -> np.ndarray:
    """One bar segment per source (``weight * share``) per row; returns the bar ends."""
    y = np.arange(len(t))
    start = np.zeros(len(t))
    for s in sources:
        seg = w[s] * pd.to_numeric(t[f"{s}_share"], errors="coerce").fillna(0).to_numpy()
        ax.barh(y, seg, left=start, height=0.72, color=SOURCE_COLOURS[s],
                edgecolor="white", linewidth=0.4, label=SOURCE_LABELS[s], zorder=2)
        start = start + seg
    return start


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
    Size: 10 x (1.8 + 0.26 * top_n) inches at ``DPI``.
    """
    sources = [s for s in SOURCE_LABELS if f"{s}_share" in ranking.columns]
    w = {s: float((weights or {}).get(s, 1.0)) for s in sources}
    t = top_ranked(ranking, top_n)
    height = 1.8 + 0.26 * top_n
    with style.figure((10.0, height), out_png) as fig:
        left, top_ = 3.1 / 10.0, 1 - 0.85 / height
        ax = style.chart_axes(fig, left, 0.95, 0.95 / height, top_)
        y = np.arange(len(t))
        start = _stack_sources(ax, t, sources, w)
        xmax = float(start.max()) if len(start) else 1.0
        for yi, tot in zip(y, start, strict=True):
            ax.text(tot + xmax * 0.01, yi, f"{tot:.2f}", va="center", ha="left", fontsize=7,
                    color="#333333")
        ax.set_yticks(y)
        ax.set_yticklabels([row_label(n, e, r) for r, n, e in
                            zip(t["rank"], t["name"], t["economy"], strict=True)], fontsize=8)
        ax.set_ylim(top_n - 0.5, -0.7)
        ax.set_xlim(0, xmax * 1.1 if xmax > 0 else 1.0)
        unit = "sum of shares of world output, %" if all(v == 1.0 for v in w.values()) \
            else "weighted sum of shares of world output, %"
        ax.set_xlabel(f"Score ({unit})")
        tidy_axes(ax)
        if not len(t):
            style.no_data(ax)
        handles = [Patch(facecolor=SOURCE_COLOURS[s], label=SOURCE_LABELS[s]
                         + ("" if w[s] == 1.0 else f" (x{w[s]:g})")) for s in sources]
        style.chart_legend(fig, (left, top_ + 0.12 / height), ncol=max(len(handles), 1),
                           handlelength=1.4, columnspacing=1.4, handles=handles)
        style.title(fig, title or f"Score composition of the top {top_n} clusters",
                    1 - 0.12 / height)
        style.footer_inches(fig, ["Each segment is the cluster's share of the world total of "
                                  "one source (percent); the bar is the score.", source])

