"""Self-contained HTML for the briefs: one page per cluster and an index.

Figures are inline base64 PNGs, styles are inline; nothing is loaded from anywhere, so a
page opens offline from ``file://``. Every text that comes from the data (cluster,
organisation and place names, economy codes, variant labels) goes through
:func:`html.escape`.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence

import pandas as pd

from stclusters.briefs.data import ORG_HEADINGS, ClusterBrief, interval_text, key_numbers

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 margin:1.5rem auto;max-width:64rem;padding:0 1rem;color:#222;line-height:1.4}
h1{margin:.2rem 0;font-size:1.7rem} h2{font-size:1.15rem;margin:1.4rem 0 .4rem}
.sub{color:#555;margin:0 0 1rem} nav{font-size:.9rem;margin-bottom:.6rem}
nav a{margin-right:1rem} .grid{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.grid figure{margin:0;flex:1 1 28rem} .keys{flex:1 1 18rem} img{max-width:100%;height:auto}
dl{margin:0} dt{color:#666;font-size:.8rem;margin-top:.45rem} dd{margin:0;font-size:.98rem}
table{border-collapse:collapse;font-size:.88rem;margin:.3rem 0}
th,td{padding:.2rem .6rem;border-bottom:1px solid #e3e3e3;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.cols{display:flex;flex-wrap:wrap;gap:1.5rem} .cols>div{flex:1 1 18rem}
tr.own td{font-weight:600} footer{margin-top:2rem;color:#666;font-size:.8rem}
"""


def esc(value: object) -> str:
    """``value`` as HTML text (``<``, ``>``, ``&`` and quotes escaped)."""
    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n")


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
           row_class: Sequence[str] | None = None) -> str:
    """An HTML table; cells are already escaped HTML."""
    th = "".join(f'<th{" class=n" if n else ""}>{h}</th>' for h, n in
                 zip(head, numeric, strict=True))
    body = []
    for i, r in enumerate(rows):
        cls = f' class="{row_class[i]}"' if row_class and row_class[i] else ""
        tds = "".join(f'<td{" class=n" if n else ""}>{c}</td>' for c, n in
                      zip(r, numeric, strict=True))
        body.append(f"<tr{cls}>{tds}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _fmt(x: object, fmt: str) -> str:
    return "" if x is None or pd.isna(x) else format(float(x), fmt)


def _rank_rows(b: ClusterBrief) -> str:
    rows, cls = [], []
    for _, r in b.ranks.iterrows():
        missing = pd.isna(r["rank"])
        rows.append([
            esc(r["label"]),
            "<em>no matching cluster</em>" if missing else esc(r["name"]),
            "" if missing else str(int(r["rank"])),
            "" if missing else esc(interval_text(r, b.sens_top_n)),
        ])
        cls.append("own" if r["variant"] == b.variant else "")
    return _table(["Variant", "Cluster there", "Rank", "90 % interval"], rows,
                  [False, False, True, False], cls)


def _year_rows(b: ClusterBrief, source_labels: Mapping[str, str]) -> str:
    t = b.years.pivot_table(index="year", columns="source", values="weight", aggfunc="sum")
    srcs = [s for s in b.sources if s in t.columns]
    rows = [[str(int(y))] + [_fmt(t.at[y, s], ",.1f") for s in srcs] for y in t.index]
    head = ["Year"] + [esc(source_labels.get(s, s)) for s in srcs]
    windows = "; ".join(f"{esc(source_labels.get(s, s))} {b.windows[s]['current'][0]}–"
                        f"{b.windows[s]['current'][1]}" for s in b.sources)
    return (_table(head, rows, [False] + [True] * len(srcs))
            + f"<p class=sub>Current windows: {windows}. Counted on the cluster's current "
            "member locations.</p>")


def _org_lists(b: ClusterBrief) -> str:
    cols = []
    for src, heading in ORG_HEADINGS.items():
        rows = b.organizations[b.organizations["source"] == src]
        if src not in b.sources:
            inner = "<p><em>not a source of this variant</em></p>"
        elif rows.empty:
            inner = "<p><em>none</em></p>"
        else:
            inner = _table(["#", "Name", "Fractional count"],
                           [[str(int(o["position"])), esc(o["organization"]),
                             _fmt(o["weight"], ",.1f")] for _, o in rows.iterrows()],
                           [True, False, True])
        cols.append(f"<div><h3>{esc(heading)}</h3>{inner}</div>")
    return f'<div class="cols">{"".join(cols)}</div>'


def _place_rows(b: ClusterBrief, limit: int = 40, min_share: float = 0.005) -> str:
    p = b.places
    n = int(min(limit, max(1, (p["share"] >= min_share).sum()))) if len(p) else 0
    rows = [[esc(r["place"]), esc(r["country"]), _fmt(100 * r["share"], ".1f")]
            for _, r in p.head(n).iterrows()]
    rest = p.iloc[n:]
    if len(rest):
        rows.append([f"<em>{len(rest)} more places</em>", "",
                     _fmt(100 * rest["share"].sum(), ".1f")])
    return _table(["Place", "Economy", "Share of output (%)"], rows, [False, False, True])


def brief_html(
    b: ClusterBrief,
    images: Mapping[str, bytes],
    source_labels: Mapping[str, str],
    prev_stem: str | None = None,
    next_stem: str | None = None,
) -> str:
    """The HTML brief of ``b``; ``images``: PNG bytes of the ``map`` and the ``charts``."""
    name = str(b.row["name"])
    nav = ['<a href="../index.html">All briefs</a>', f'<a href="{esc(b.stem)}.pdf">PDF</a>']
    if prev_stem:
        nav.append(f'<a href="{esc(prev_stem)}.html">‹ previous</a>')
    if next_stem:
        nav.append(f'<a href="{esc(next_stem)}.html">next ›</a>')
    keys = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>"
                   for k, v in key_numbers(b, source_labels))
    body = f"""<nav>{' '.join(nav)}</nav>
<h1>{esc(b.title)}</h1>
<p class="sub">{esc(b.row['economy'])} · {esc(b.label)} · S&amp;T cluster brief</p>
<div class="grid">
<figure>{_img(images['map'], f'Footprint map of {name}')}</figure>
<section class="keys"><h2>Key numbers</h2><dl>{keys}</dl></section>
</div>
<h2>Rank under every variant</h2>
{_rank_rows(b)}
<figure>{_img(images['charts'], f'Rank under every variant and output per year of {name}')}
</figure>
<h2>Output per year and source</h2>
{_year_rows(b, source_labels)}
<h2>Leading organisations (fractional counts, current window)</h2>
{_org_lists(b)}
<h2>Places covered</h2>
{_place_rows(b)}
<footer>Source: stclusters rebuild of the GII S&amp;T cluster ranking (fractional counts).
Basemap: Natural Earth 1:110m (public domain); coastlines are approximate at city
scale.</footer>"""
    return _page(f"{b.title} · S&T cluster brief · {b.label}", body)


def index_html(label: str, briefs: Sequence[ClusterBrief], folder: str = "clusters") -> str:
    """The index of a variant's briefs: one row per cluster with links to HTML and PDF."""
    rows = []
    for b in briefs:
        own = b.own_interval
        link = f"{esc(folder)}/{esc(b.stem)}"
        rows.append([
            str(int(b.row["rank"])),
            f'<a href="{link}.html">{esc(b.row["name"])}</a>',
            esc(b.row["economy"]),
            _fmt(b.row["score"], ".2f"),
            "" if own is None or pd.isna(own["p05_rank"])
            else f"{int(own['p05_rank'])}–{int(own['p95_rank'])}",
            f'<a href="{link}.pdf">PDF</a>',
        ])
    table = _table(["Rank", "Cluster", "Economy", "Score", "90 % interval", ""], rows,
                   [True, False, False, True, True, False])
    body = (f"<h1>S&amp;T cluster briefs</h1><p class=sub>{esc(label)} · the top "
            f"{len(briefs)} clusters, one page each (HTML and PDF).</p>{table}")
    return _page(f"S&T cluster briefs · {label}", body)
