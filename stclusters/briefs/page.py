"""The brief's page: one A4 matplotlib figure, set up once and redrawn for every cluster.

:class:`BriefPage` builds the figure, its axes and the Natural Earth basemap once; each
:meth:`BriefPage.draw` removes the previous cluster's artists and draws the next one, so a
variant's hundred briefs cost one figure setup. The page is saved as a PDF (fixed
metadata: the same data gives the same bytes) and cropped to PNGs (map, charts) for the
HTML page.

Every text drawn from input data is passed with ``parse_math=False`` (a ``$`` in an
organisation name stays a dollar sign).
"""

from __future__ import annotations

import io
import sys
import textwrap
from collections.abc import Mapping

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # do not switch a notebook's backend
    matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import colormaps, patheffects  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import ListedColormap, LogNorm, to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from stclusters.briefs.basemap import BASEMAP_CREDIT, countries  # noqa: E402
from stclusters.briefs.data import ORG_HEADINGS, ClusterBrief, key_numbers  # noqa: E402
from stclusters.report.basemap import BORDER_COLOUR, LAND_COLOUR  # noqa: E402
from stclusters.report.charts import SOURCE_COLOURS, SOURCE_LABELS  # noqa: E402
from stclusters.report.style import OKABE_ITO  # noqa: E402

PAGE_IN = (8.27, 11.69)  # A4 portrait, inches
# Type 3 fonts: matplotlib writes the glyphs itself (Type 42 subsetting with fontTools takes
# seconds per page); text stays selectable
RC = {"font.family": "DejaVu Sans", "font.size": 8, "pdf.fonttype": 3,
      "svg.hashsalt": "stclusters", "path.simplify": True}
PDF_METADATA = {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None}
OCEAN = "#F3F7FA"
TEXT_GREY = "#444444"
#: crops of the page for the HTML brief, (x0, y0, x1, y1) in inches from the lower left
CROPS = {"map": (0.25, 5.75, 5.05, 10.65), "charts": (0.25, 3.45, 8.05, 5.75)}
SOURCE_NOTE = ("Source: stclusters rebuild of the GII S&T cluster ranking (fractional counts). "
               + BASEMAP_CREDIT)
#: footprint points: light (little output) to dark (much), colour-blind safe
POINT_CMAP = ListedColormap(colormaps["cividis_r"](np.linspace(0.12, 1.0, 256)))
MAX_LABELS = 6
#: label offsets (points) and alignment around a named place's dot, in order of preference
LABEL_SPOTS = [(4, 2, "left", "bottom"), (-4, 2, "right", "bottom"), (4, -2, "left", "top"),
               (-4, -2, "right", "top")]
SHORT_SOURCE = {"pct": "PCT", "pub": "Publications", "vc": "VC deals"}


def _country_paths() -> list[tuple[MplPath, tuple[float, float, float, float]]]:
    """Each country as a matplotlib path with its bounds (lon0, lon1, lat0, lat1)."""
    paths = []
    for _name, _iso, rings in countries():
        verts, codes = [], []
        for r in rings:
            verts.append(np.vstack([r, r[:1]]))
            c = np.full(len(r) + 1, MplPath.LINETO, dtype=MplPath.code_type)
            c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            codes.append(c)
        allv = np.concatenate(verts)
        bounds = (allv[:, 0].min(), allv[:, 0].max(), allv[:, 1].min(), allv[:, 1].max())
        paths.append((MplPath(allv, np.concatenate(codes)), tuple(map(float, bounds))))
    return paths


def map_extent(lat: np.ndarray, lon: np.ndarray, box_ratio: float,
               min_span_deg: float = 0.5) -> tuple[float, float, float, float]:
    """(lon0, lon1, lat0, lat1) around the points, padded by 12 %, at least
    ``min_span_deg`` tall, widened or heightened so that an equirectangular map with
    ``cos(latitude)`` scaling fills a box of width / height ``box_ratio``."""
    if len(lat) == 0:
        return -180.0, 180.0, -60.0, 80.0
    y0, y1 = float(np.min(lat)), float(np.max(lat))
    x0, x1 = float(np.min(lon)), float(np.max(lon))
    cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
    k = max(np.cos(np.radians(cy)), 0.2)
    h = max((y1 - y0) * 1.24, min_span_deg)
    w = max((x1 - x0) * 1.24, min_span_deg / k * 0.5)
    if w * k / h < box_ratio:
        w = h * box_ratio / k
    else:
        h = w * k / box_ratio
    return cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2


def _trim(text: object, n: int) -> str:
    s = str(text)
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _halo(lw: float = 2.2) -> list:
    return [patheffects.withStroke(linewidth=lw, foreground="white")]


class BriefPage:
    """One A4 page figure, reused for every brief of a variant."""

    def __init__(self, variant_labels: Mapping[str, str], context: pd.DataFrame | None = None,
                 dpi: int = 110):
        """``context``: lat, lon of every location of the variant (drawn in light grey
        behind a cluster's own locations, so the map shows the settled area around it)."""
        self.labels = dict(variant_labels)
        self.dpi = dpi
        ctx = context if context is not None else pd.DataFrame({"lat": [], "lon": []})
        self._ctx = (ctx["lon"].to_numpy(np.float64), ctx["lat"].to_numpy(np.float64))
        with matplotlib.rc_context(RC):
            self.fig = Figure(figsize=PAGE_IN, dpi=dpi, facecolor="white")
            FigureCanvasAgg(self.fig)
            self.ax_map = self._axes(0.45, 6.45, 4.5, 4.0)
            self.ax_cbar = self._axes(0.9, 6.12, 3.6, 0.1)
            self.ax_rank = self._axes(1.55, 3.95, 2.55, 1.6)
            self.ax_year = self._axes(4.85, 3.95, 3.0, 1.6)
            self.ax_map.set_facecolor(OCEAN)
            self._countries = _country_paths()
            self._land = PathCollection([], facecolors=LAND_COLOUR, edgecolors=BORDER_COLOUR,
                                        linewidths=0.5, zorder=0.2)
            self.ax_map.add_collection(self._land, autolim=False)
            self.ax_map.set_xticks([])
            self.ax_map.set_yticks([])
        self._dynamic: list = []

    def _axes(self, x: float, y: float, w: float, h: float):
        W, H = PAGE_IN
        return self.fig.add_axes((x / W, y / H, w / W, h / H))

    def _text(self, x: float, y: float, s: object, **kw):
        """Text at (x, y) inches from the lower left; removed at the next draw."""
        kw.setdefault("color", "#222222")
        t = self.fig.text(x / PAGE_IN[0], y / PAGE_IN[1], str(s), parse_math=False, **kw)
        self._dynamic.append(t)
        return t

    # -------------------------------------------------------------- drawing

    def draw(self, b: ClusterBrief) -> None:
        """Draw brief ``b`` on the page (replacing the previous one)."""
        with matplotlib.rc_context(RC):
            for a in self._dynamic:
                a.remove()
            self._dynamic = []
            self._header(b)
            self._map(b)
            self._key_numbers(b)
            self._ranks(b)
            self._years(b)
            self._organizations(b)
            self._places(b)
            self._text(0.45, 0.3, SOURCE_NOTE, fontsize=6.5, color=TEXT_GREY)

    def _header(self, b: ClusterBrief) -> None:
        self._text(0.45, 11.1, _trim(b.title, 60), fontsize=17, weight="bold")
        self._text(0.45, 10.8, f"{b.row['economy']}  ·  {b.label}  ·  S&T cluster brief",
                   fontsize=9.5, color=TEXT_GREY)

    def _map(self, b: ClusterBrief) -> None:
        ax = self.ax_map
        pts = b.points
        x0, x1, y0, y1 = map_extent(pts["lat"].to_numpy(), pts["lon"].to_numpy(), 4.5 / 4.0)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        self._land.set_paths([p for p, (a0, a1, b0, b1) in self._countries
                              if a0 <= x1 and a1 >= x0 and b0 <= y1 and b1 >= y0])
        cx, cy = self._ctx
        near = (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1)
        self._dynamic.append(ax.scatter(cx[near], cy[near], s=2, color="#C8C8C8",
                                        linewidths=0, zorder=1))
        ax.set_title("Footprint: member locations shaded by output (grey: other locations)",
                     fontsize=9, loc="left")
        out = pts["output"].to_numpy(np.float64)
        pos = out > 0
        norm = LogNorm(vmin=float(out[pos].min()) if pos.any() else 1e-3,
                       vmax=float(out[pos].max()) if pos.any() else 1.0)
        if norm.vmin >= norm.vmax:
            norm = LogNorm(vmin=norm.vmin / 10, vmax=norm.vmax)
        sc = ax.scatter(pts["lon"][pos], pts["lat"][pos], c=out[pos], cmap=POINT_CMAP,
                        norm=norm, s=9, linewidths=0, zorder=2)
        self._dynamic.append(sc)
        self.ax_cbar.cla()
        cb = self.fig.colorbar(sc, cax=self.ax_cbar, orientation="horizontal")
        cb.set_label("score contribution of the location (% points, log scale)", fontsize=7)
        self.ax_cbar.tick_params(labelsize=6.5)
        self._place_labels(b)

    def _place_labels(self, b: ClusterBrief) -> None:
        ax = self.ax_map
        pl = b.places.dropna(subset=["lat", "lon"])
        pl = pl[pl["share"] >= 0.03].head(MAX_LABELS)
        if pl.empty:
            pl = b.places.dropna(subset=["lat", "lon"]).head(1)
        dot = ax.scatter(pl["lon"], pl["lat"], s=14, facecolor="white",
                         edgecolor="black", linewidths=0.8, zorder=3)
        self._dynamic.append(dot)
        renderer = self.fig.canvas.get_renderer()
        placed: list[Bbox] = []
        for _, p in pl.iterrows():
            # first of four spots around the dot where the label overlaps no earlier one
            for dx, dy, ha, va in LABEL_SPOTS:
                t = ax.annotate(str(p["place"]), (p["lon"], p["lat"]), xytext=(dx, dy),
                                textcoords="offset points", ha=ha, va=va, fontsize=7.5,
                                zorder=4, annotation_clip=True, path_effects=_halo(),
                                parse_math=False)
                box = t.get_window_extent(renderer)
                if not any(box.overlaps(q) for q in placed):
                    placed.append(box)
                    self._dynamic.append(t)
                    break
                t.remove()

    def _key_numbers(self, b: ClusterBrief) -> None:
        y = 10.35
        self._text(5.25, y, "Key numbers", fontsize=10, weight="bold")
        for label, value in key_numbers(b, SOURCE_LABELS):
            y -= 0.2
            self._text(5.25, y, label, fontsize=7, color=TEXT_GREY)
            for line in textwrap.wrap(value, 44) or [""]:
                y -= 0.17
                self._text(5.25, y, line, fontsize=8.5)
            y -= 0.05

    def _ranks(self, b: ClusterBrief) -> None:
        ax = self.ax_rank
        ax.cla()
        r = b.ranks.reset_index(drop=True)
        ypos = np.arange(len(r))[::-1]
        hi = np.nanmax(np.r_[r["rank"].astype("float64"), r["p95_rank"].astype("float64"), 1])
        for y, (_, row) in zip(ypos, r.iterrows(), strict=True):
            own = row["variant"] == b.variant
            colour = OKABE_ITO["vermillion"] if own else OKABE_ITO["blue"]
            if not pd.isna(row["p05_rank"]):
                ax.plot([row["p05_rank"], row["p95_rank"]], [y, y], color=colour, lw=3,
                        alpha=0.45, solid_capstyle="butt")
            if pd.isna(row["rank"]):
                ax.text(1, y, "no matching cluster", va="center", fontsize=7, color=TEXT_GREY)
                continue
            ax.plot([row["rank"]], [y], "o", color=colour, ms=5)
            ax.annotate(f"{int(row['rank'])}", (row["rank"], y), xytext=(0, 5),
                        textcoords="offset points", ha="center", fontsize=7)
        ax.set_yticks(ypos, [_trim(v, 20) for v in r["variant"]], fontsize=7.5)
        ax.set_ylim(-0.7, len(r) - 0.3)
        ax.set_xlim(hi * 1.12 + 1, 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=2))
        ax.set_xlabel("rank (bar: 90 % interval of the sensitivity runs)", fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", color="#E5E5E5", lw=0.5)
        ax.set_axisbelow(True)
        ax.set_title("Rank under every variant", fontsize=9, loc="left")
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)

    def _years(self, b: ClusterBrief) -> None:
        ax = self.ax_year
        ax.cla()
        t = b.years
        years = np.arange(int(t["year"].min()), int(t["year"].max()) + 1) if len(t) else []
        srcs = [s for s in b.sources if s in set(t["source"])] or list(b.sources)
        width = 0.8 / max(len(srcs), 1)
        for i, s in enumerate(srcs):
            g = t[t["source"] == s].set_index("year")["weight"].reindex(years, fill_value=0)
            lo, hi = b.windows[s]["current"]
            inside = (g.index >= lo) & (g.index <= hi)
            x = np.asarray(years, dtype=float) - 0.4 + width * (i + 0.5)
            base = SOURCE_COLOURS.get(s, "grey")
            ax.bar(x, g.to_numpy(), width, label=SHORT_SOURCE.get(s, s), color=[
                to_rgba(base, 1.0 if k else 0.35) for k in inside])
        ax.set_xticks(list(years), [str(y) for y in years], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel("fractional count", fontsize=7)
        ax.set_title("Output per year and source", fontsize=9, loc="left")
        ax.legend(fontsize=6.5, frameon=False, loc="upper left", ncols=len(srcs),
                  title="pale: outside the current window", title_fontsize=6.5,
                  alignment="left")
        ax.margins(y=0.25)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)

    def _organizations(self, b: ClusterBrief) -> None:
        xs = [0.45, 3.05, 5.65]
        for x, (src, heading) in zip(xs, ORG_HEADINGS.items(), strict=True):
            y = 3.3
            self._text(x, y, heading, fontsize=8.5, weight="bold")
            rows = b.organizations[b.organizations["source"] == src]
            if src not in b.sources:
                self._text(x, y - 0.2, "not a source of this variant", fontsize=7.5,
                           color=TEXT_GREY, style="italic")
                continue
            if rows.empty:
                self._text(x, y - 0.2, "none", fontsize=7.5, color=TEXT_GREY)
            for _, o in rows.iterrows():
                y -= 0.19
                self._text(x, y, f"{int(o['position'])}. {_trim(o['organization'], 30)}",
                           fontsize=7.5)
                self._text(x + 2.45, y, f"{o['weight']:,.1f}", fontsize=7.5, ha="right")

    def _places(self, b: ClusterBrief) -> None:
        self._text(0.45, 1.95, "Places covered (share of the cluster's output)",
                   fontsize=8.5, weight="bold")
        self._text(0.45, 1.8, places_text(b.places), fontsize=7, va="top", linespacing=1.5)

    # -------------------------------------------------------------- output

    def pdf_bytes(self) -> bytes:
        """The page as a one-page PDF, byte-deterministic."""
        buf = io.BytesIO()
        with matplotlib.rc_context(RC):
            self.fig.savefig(buf, format="pdf", metadata=PDF_METADATA)
        return buf.getvalue()

    def png_crop(self, which: str, dpi: int | None = None) -> bytes:
        """A part of the page (:data:`CROPS`) as PNG bytes, without time stamps.

        Only that part's axes are drawn (the page's texts and other axes are hidden
        meanwhile), so a crop costs a fraction of the page."""
        keep = {"map": (self.ax_map, self.ax_cbar), "charts": (self.ax_rank, self.ax_year)}
        hidden = [a for a in (*self.fig.texts, *self.fig.axes)
                  if a.get_visible() and a not in keep[which]]
        for a in hidden:
            a.set_visible(False)
        buf = io.BytesIO()
        try:
            with matplotlib.rc_context(RC):
                self.fig.savefig(buf, format="png", dpi=dpi or self.dpi,
                                 bbox_inches=Bbox.from_extents(*CROPS[which]),
                                 metadata={"Software": None})
        finally:
            for a in hidden:
                a.set_visible(True)
        return buf.getvalue()


def places_text(places: pd.DataFrame, limit: int = 40, min_share: float = 0.005,
                width: int = 128) -> str:
    """``Shenzhen (CN) 31.7 %; Hong Kong (HK) 22.6 %; …`` wrapped to ``width`` characters:
    the places holding at least ``min_share`` of the output (at most ``limit``, at least
    one), then how many more and their share."""
    n = int(min(limit, max(1, (places["share"] >= min_share).sum())))
    head = places.head(n)
    items = [f"{p} ({c}) {100 * s:.1f} %" for p, c, s in
             zip(head["place"], head["country"], head["share"], strict=True)]
    text = "; ".join(items)
    rest = places.iloc[n:]
    if len(rest):
        text += (f"; and {len(rest)} more places ({100 * rest['share'].sum():.1f} % of "
                 "the output)")
    return "\n".join(textwrap.wrap(text, width)[:9]) if text else "none"
