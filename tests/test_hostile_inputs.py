"""Hostile names through the whole DAG: nothing from the data runs in a reader's browser,
spreadsheet, Markdown viewer or LaTeX (issue 10, output side).

A small demo-world extract (5%) is written as CSV with every organisation name replaced by
a script, formula or markup payload and a block of unplaceable rows whose city is one; the
workflow runs on it (config/test/hostile.yaml) in a temporary directory, to the reports.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from stclusters.demo import generate
from stclusters.io import FORMULA_START

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config" / "test" / "hostile.yaml"

# the whole DAG on 15,000 rows: a few minutes
pytestmark = pytest.mark.slow

IMG = '<img src=x onerror="alert(1)">'
SCRIPT = "<script>alert(1)</script>"
HYPERLINK = '=HYPERLINK("http://x","Click me")'
HOSTILE = [
    IMG,
    SCRIPT,
    HYPERLINK,
    "+cmd|' /C calc'!A0",
    "$\\frac{1}{2}$",
    "|pipe|",
    "\\input{/etc/passwd}",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
]
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf|nan")


def hostile_extract(path: Path) -> None:
    """The demo world at 5%, organisations replaced by :data:`HOSTILE` (round robin over
    the sorted names) and, for 280 publication rows without coordinates, city, region and
    postal code cleared and replaced by a payload in an unknown country (unplaceable)."""
    df = generate(scale=0.05)
    orgs = sorted(df["organization"].dropna().unique())
    df["organization"] = df["organization"].map(
        {o: HOSTILE[i % len(HOSTILE)] for i, o in enumerate(orgs)}
    )
    rows = df.index[(df["source"] == "pub") & df["lat"].isna()][:280]
    df.loc[rows, "city"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(rows))]
    df.loc[rows, ["region", "postal_code"]] = np.nan
    df.loc[rows, "country"] = "ZZ"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hostile")
    (workdir / "config.yaml").write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    hostile_extract(workdir / "data" / "hostile_extract.csv")
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--cores", "2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return workdir


class Page(HTMLParser):
    """Every element and attribute of a page, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def page(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p


def test_the_payloads_reached_the_outputs(run):
    """The run is a real test: the payloads are the top organisations of the clusters and
    the most frequent unmatched addresses."""
    with open(run / "results/tables/gii2025/table5_top_per_economy.csv", encoding="utf-8") as fh:
        orgs = {r["Top applicant"] for r in csv.DictReader(fh)}
    assert IMG in orgs and "'" + HYPERLINK in orgs
    with open(run / "results/geocode/qa/top_unmatched.csv", encoding="utf-8") as fh:
        cities = [r["city"] for r in csv.DictReader(fh)][:len(HOSTILE)]
    assert {IMG, SCRIPT, "'" + HYPERLINK} <= set(cities)


@pytest.mark.parametrize("report", ["appendix.html", "methodology_comparison.html"])
def test_reports_show_payloads_as_text_only(run, report):
    p = page(run / "reports" / report)
    tags = {t for t, _ in p.elements}
    assert "script" not in tags  # not one script on the page, from the data or the template
    for tag, attrs in p.elements:
        assert not [a for a in attrs if a.lower().startswith("on")], (tag, attrs)
        if tag == "img":  # the embedded figures only
            assert attrs["src"].startswith("data:image/png;base64,"), attrs
        if tag == "a":  # no link made of a name
            assert not attrs.get("href", "").startswith(("http://x", "javascript")), attrs
    text = "".join(p.text)
    # the payloads are there, as the text a reader sees
    assert IMG in text and SCRIPT in text
    if report == "appendix.html":
        assert "|pipe|" in text and "$\\frac{1}{2}$" in text and "\\input{/etc/passwd}" in text


def test_briefs_show_payloads_as_text_only(run):
    pages = sorted((run / "results/briefs/gii2025/clusters").glob("*.html"))
    assert len(pages) == 3
    text = ""
    for path in pages:
        p = page(path)
        assert "script" not in {t for t, _ in p.elements}, path
        for tag, attrs in p.elements:
            assert not [a for a in attrs if a.lower().startswith("on")], (path, tag, attrs)
            if tag == "img":
                assert attrs["src"].startswith("data:image/png;base64,"), attrs
            if tag == "a":
                assert not attrs.get("href", "").startswith(("http://x", "javascript")), attrs
        text += "".join(p.text)
    # the top organisations of the top clusters are payloads: shown as text
    assert sum(h in text for h in HOSTILE) >= 2


def test_no_csv_cell_is_a_live_formula(run):
    files = sorted((run / "results").rglob("*.csv"))
    assert len(files) > 20
    neutralised = 0
    for path in files:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.startswith(FORMULA_START):
                        assert NUMBER.fullmatch(cell), f"{path}: {cell!r}"
                    neutralised += cell.startswith(("'=", "'+", "'-", "'@"))
    assert neutralised > 10


def test_markdown_tables_are_escaped(run):
    files = sorted((run / "results").rglob("*.md"))
    assert files
    seen = ""
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "<img" not in text and "<script" not in text and "http://" not in text, path
        lines = text.splitlines()
        rows = [x for x in lines if x.startswith("|")]
        n = len(re.split(r"(?<!\\)\|", rows[0]))
        assert all(len(re.split(r"(?<!\\)\|", x)) == n for x in rows), path  # no cell broke out
        seen += text
    assert "&lt;img src=x onerror=\"alert(1)\"&gt;" in seen
    assert "\\|pipe\\|" in seen and "\\$\\\\frac{1}{2}\\$" in seen


def test_latex_tables_are_escaped(run):
    files = sorted((run / "results").rglob("*.tex"))
    assert files
    seen = ""
    for path in files:
        text = path.read_text(encoding="utf-8")
        body = "\n".join(x for x in text.splitlines() if not x.startswith(("\\", "%")))
        body = body.replace(" \\\\\n", "\n").removesuffix(" \\\\")
        assert "\\input" not in body and "\\frac" not in body, path
        assert not re.search(r"(?<!\\)[$#_^~%]", body), path
        seen += text
    assert "\\textbackslash{}input\\{/etc/passwd\\}" in seen
    assert "\\$\\textbackslash{}frac\\{1\\}\\{2\\}\\$" in seen
