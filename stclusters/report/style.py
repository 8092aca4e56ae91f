"""House style of every figure: palette, fonts, size, and the deterministic PNG + PDF save.

Design rules for every figure: colour-blind-safe Okabe-Ito palette (viridis/cividis for
continuous scales), a legend, a source line, fixed size and DPI (so the pixel size is known
in advance), and deterministic bytes (Agg backend, no pyplot state, fixed ``svg.hashsalt``,
PNG written without the ``Software`` metadata key, PDF without ``CreationDate``), text
drawn literally (no mathtext, no TeX: labels are names from the input data). Every
figure is written as PNG and, beside it, as PDF (same basename). Figures are built on
:class:`matplotlib.figure.Figure` directly (:func:`figure`), so importing this module does
not touch a notebook's pyplot backend.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # do not switch a notebook's backend
    matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from stclusters.io import atomic_path  # noqa: E402

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
FOOTER_COLOUR = "#444444"
DEFAULT_SOURCE = "Source: stclusters rebuild of the GII S&T cluster ranking (fractional counts)."


def rc() -> dict:
    """Matplotlib settings of every figure (used as ``matplotlib.rc_context(rc())``)."""
    return {
        "svg.hashsalt": "stclusters",
        "path.simplify": True,
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.titlesize": 12,
        "pdf.fonttype": 42,  # embedded TrueType: text stays selectable and editable
        # names come from the input data: a "$" in one must print as a dollar, not start
        # mathtext (which renders "$\\frac{1}{2}$" as a fraction or fails on bad TeX)
        "text.parse_math": False,
        "text.usetex": False,
    }


def pdf_path(out_png: str | Path) -> Path:
    """The PDF written beside a figure's PNG: same basename, ``.pdf``."""
    return Path(out_png).with_suffix(".pdf")


def save(fig: Figure, out_png: str | Path, pdf: bool = True) -> None:
    """Write ``out_png`` and (``pdf``) the PDF beside it, both byte-deterministic and
    atomic (each written under a temporary name, then moved into place)."""
    out_png = Path(out_png)
    FigureCanvasAgg(fig)
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=DPI, format="png", metadata={"Software": None})
    if pdf:
        with atomic_path(pdf_path(out_png)) as tmp:
            fig.savefig(tmp, dpi=DPI, format="pdf",
                        metadata={"CreationDate": None, "Creator": None, "Producer": None})


@contextmanager
def figure(size: tuple[float, float], out_png: str | Path) -> Iterator[Figure]:
    """A new figure of ``size`` inches at :data:`DPI` under the house settings; on leaving
    the block (without an error) it is saved to ``out_png`` and the PDF beside it."""
    with matplotlib.rc_context(rc()):
        fig = Figure(figsize=size, dpi=DPI)
        FigureCanvasAgg(fig)
        yield fig
        save(fig, out_png)


def title(fig: Figure, text: str, y: float, fontsize: float = 11) -> None:
    """The figure title, bold, top-left, its top at ``y`` (figure fraction)."""
    fig.suptitle(text, x=0.01, y=y, ha="left", va="top", fontsize=fontsize, fontweight="bold")


def footer(fig: Figure, lines: list[str]) -> None:
    """Footer lines (notes, source) at the bottom left; empty lines are skipped."""
    y = 0.012
    for text in reversed([t for t in lines if t]):
        fig.text(0.008, y, text, fontsize=7, color=FOOTER_COLOUR, ha="left", va="bottom")
        y += 0.028 * (5.6 / fig.get_size_inches()[1])


def footer_inches(fig: Figure, lines: list[str], bottom_in: float = 0.08) -> None:
    """Footer lines at fixed inch offsets (figures whose height varies)."""
    h = fig.get_size_inches()[1]
    y = bottom_in
    for text in reversed([t for t in lines if t]):
        fig.text(0.008, y / h, text, fontsize=7, color=FOOTER_COLOUR, ha="left", va="bottom")
        y += 0.16


def chart_axes(fig: Figure, left: float, right: float, bottom: float, top: float):
    """Axes spanning figure fractions ``left``..``right`` and ``bottom``..``top``."""
    return fig.add_axes((left, bottom, right - left, top - bottom))


def chart_legend(fig: Figure, anchor: tuple[float, float], ncol: int, handlelength: float,
                 columnspacing: float, handles: list | None = None) -> None:
    """A frameless one-row legend above a chart, its lower left corner at ``anchor``
    (figure fraction); ``handles`` None: the labelled artists of the figure."""
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=anchor, ncol=ncol,
               fontsize=7.5, frameon=False, borderaxespad=0, handlelength=handlelength,
               columnspacing=columnspacing)


def tidy_axes(ax) -> None:
    """Chart axes: vertical grid lines behind the data, no top or right spine."""
    ax.grid(axis="x", color=GRID_COLOUR, lw=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def no_data(ax, text: str = "No clusters to show") -> None:
    """A grey note in the middle of empty axes."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=11, color="#777777")


def short(name: object, n: int = 32) -> str:
    """``name`` cut to ``n`` characters with an ellipsis."""
    text = str(name)
    return text if len(text) <= n else text[: n - 1].rstrip("–- ") + "…"


def row_label(name: object, economy: object, rank: object = None) -> str:
    """A chart row's label: "rank name (economy)"; rank and a blank economy left out."""
    text = str(name) if rank is None else f"{int(rank)} {name}"
    return f"{text} ({economy})" if isinstance(economy, str) and economy else text
