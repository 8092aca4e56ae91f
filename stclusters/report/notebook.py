"""Helpers used inside the report notebooks (notebooks/*.ipynb): ``from
stclusters.report.notebook import Kit``.

Every optional input is read defensively: a missing or unreadable file becomes a visible
note in the report instead of an error, so a report always renders.

Text from the data (organisation, place and cluster names) never reaches the page as
Markdown or HTML: tables are shown as HTML with every cell escaped (:meth:`Kit.show_table`),
and data interpolated into Markdown goes through :meth:`Kit.esc` (or :meth:`Kit.code`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from stclusters import tables

#: readable name of each source (the count headers of the GII tables)
SOURCE_NAMES = {s: headers[0] for s, headers in tables.SOURCE_HEADERS.items()}


class Kit:
    """Display helpers bound to a results folder and the variants' readable labels."""

    def __init__(self, results_dir: str | Path, variant_labels: Mapping[str, str] | None = None):
        self.results = Path(results_dir)
        self.labels = dict(variant_labels or {})

    def md(self, text: str) -> None:
        """Show Markdown written by the notebook (escape data in it with :meth:`esc`)."""
        display(Markdown(text))

    @staticmethod
    def esc(text: object) -> str:
        """``text`` (from the data) as literal Markdown: no HTML, no formatting."""
        return tables.md_escape(text)

    @staticmethod
    def link(text: object, href: object) -> tables.Link:
        """A table cell linking ``text`` to ``href`` (relative or http(s)), for
        :meth:`show_table`."""
        return tables.Link(str(text), str(href))

    @staticmethod
    def code(text: object) -> str:
        """``text`` as an inline code span (paths); escaped text when it holds a backtick."""
        text = str(text)
        return tables.md_escape(text) if "`" in text else f"`{text}`"

    def note(self, text: str) -> None:
        """Show a visible note (used for anything missing)."""
        self.md(f"> *Note: {text}*")

    def label(self, variant: str) -> str:
        """The readable label of a variant."""
        return self.labels.get(variant, variant)

    def read_csv(self, path: str | Path, quiet: bool = False) -> pd.DataFrame | None:
        """The CSV at ``path``, or None (with a note unless ``quiet``) when unavailable."""
        path = Path(path)
        if not path.is_file():
            if not quiet:
                self.note(f"{self.code(path)} is not available.")
            return None
        try:
            return pd.read_csv(path)
        except Exception as exc:  # an unreadable optional file must not stop the report
            self.note(f"{self.code(path)} could not be read "
                      f"({type(exc).__name__}: {self.esc(exc)}).")
            return None

    def read_json(self, path: str | Path) -> dict[str, Any] | None:
        """The JSON object at ``path`` or None."""
        path = Path(path)
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def show_image(self, candidates: Iterable[str | Path], width: int | None = None) -> bool:
        """Embed the first existing figure of ``candidates``; a note when none exists."""
        candidates = [Path(c) for c in candidates]
        for path in candidates:
            if path.is_file():
                display(Image(filename=str(path), width=width))
                return True
        self.note(f"figure {self.code(candidates[0])} is not available.")
        return False

    def show_glob(self, pattern: str, what: str) -> int:
        """Embed every PNG under the results folder matching ``pattern``, sorted."""
        found = sorted(self.results.glob(pattern))
        for path in found:
            display(Image(filename=str(path)))
        if not found:
            self.note(f"no {self.esc(what)} figure ({self.code(self.results / pattern)}).")
        return len(found)

    def show_table(self, df: pd.DataFrame) -> None:
        """A DataFrame as an HTML table, every cell escaped (numbers formatted as in the GII
        tables)."""
        display(HTML(tables.to_html(df)))

    def ranking(self, variant: str) -> pd.DataFrame | None:
        """A variant's ranking sorted by rank, or None."""
        r = self.read_csv(self.results / "ranking" / variant / "clusters.csv", quiet=True)
        return None if r is None else r.sort_values("rank", kind="mergesort").reset_index(
            drop=True
        )

    def output_shares(self, r: pd.DataFrame, top_n: int) -> pd.DataFrame:
        """Share of each source's world output held by all clusters, the top n, the top 10."""
        rows = []
        for s in tables.sources_in(r):
            share = r[f"{s}_share"]
            rows.append(
                {
                    "Source": SOURCE_NAMES.get(s, s),
                    "World total held by all clusters (%)": share.sum(),
                    f"Top {top_n} (%)": share[r["rank"] <= top_n].sum(),
                    "Top 10 (%)": share[r["rank"] <= 10].sum(),
                }
            )
        return pd.DataFrame(rows)
