"""Tests for stclusters.report.render and the appendix notebook (two kernel runs in all)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from stclusters.compare import compare_rankings
from stclusters.report import charts, maps
from stclusters.report.render import (
    INJECTED_TAG,
    inject_parameters,
    remote_scripts,
    render_notebook,
)

REPO = Path(__file__).resolve().parents[1]


def _template(path: Path) -> Path:
    params = new_code_cell('greeting = "default"\nn = 1')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Tiny report"),
            params,
            new_code_cell('print(f"{greeting} x{n * 2}")\nimport os\nprint("cwd=" + os.getcwd())'),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(path))
    return path


def test_inject_parameters_after_parameters_cell(tmp_path):
    nb = nbformat.read(str(_template(tmp_path / "t.ipynb")), as_version=4)
    out = inject_parameters(nb, {"greeting": "it's", "n": [1, 2]})
    assert INJECTED_TAG in out.cells[2].metadata["tags"]
    assert 'greeting = "it\'s"' in out.cells[2].source
    assert "n = [1, 2]" in out.cells[2].source
    # re-injecting replaces, does not stack
    again = inject_parameters(out, {"n": 3})
    tagged = [c for c in again.cells if INJECTED_TAG in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].source.endswith("n = 3")
    assert len(nb.cells) == 3  # the input is not modified


def test_render_notebook_executes_and_hides_code(tmp_path):
    (tmp_path / "nb").mkdir()
    tpl = _template(tmp_path / "nb" / "tiny.ipynb")
    out_html = tmp_path / "out" / "tiny.html"
    executed = tmp_path / "out" / "tiny.ipynb"
    render_notebook(
        str(tpl),
        str(out_html),
        {"greeting": "hello-from-test", "n": 21},
        executed_ipynb=str(executed),
        timeout=120,
    )
    html = out_html.read_text(encoding="utf-8")
    assert "hello-from-test x42" in html  # the injected value reached the executed cell
    assert "print(f" not in html  # code hidden
    assert "<title>Tiny report</title>" in html
    nb = nbformat.read(str(executed), as_version=4)
    outputs = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    assert "hello-from-test x42" in outputs
    assert f"cwd={tmp_path.resolve()}" in outputs  # template's parent's parent
    assert all("execution" not in c.metadata for c in nb.cells)


def test_render_notebook_failure_keeps_executed_notebook(tmp_path):
    tpl = _template(tmp_path / "tiny.ipynb")
    nb = nbformat.read(str(tpl), as_version=4)
    nb.cells.append(new_code_cell('raise RuntimeError("boom-" + greeting)'))
    nbformat.write(nb, str(tpl))
    executed = tmp_path / "out" / "tiny.ipynb"
    with pytest.raises(CellExecutionError):
        render_notebook(str(tpl), str(tmp_path / "out" / "tiny.html"), {"greeting": "x1"},
                        executed_ipynb=str(executed), timeout=120)
    assert not (tmp_path / "out" / "tiny.html").exists()
    failed = nbformat.read(str(executed), as_version=4)
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert len(errors) == 1 and errors[0]["evalue"] == "boom-x1"
    assert all("execution" not in c.metadata for c in failed.cells)


# ------------------------------------------------------------------ appendix end to end


def _ranking(sources: tuple[str, ...], n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = [
        "Tokyo–Yokohama",
        "Shenzhen–Hong Kong–Guangzhou",
        "Beijing",
        "Seoul",
        "Shanghai–Suzhou",
        "San Jose–San Francisco, CA",
    ]
    econ = ["JP", "CN/HK", "CN", "KR", "CN", "US"]
    df = pd.DataFrame(
        {
            "cluster_id": np.arange(n) + seed * 100,
            "name": names + [f"Town {i}" for i in range(len(names), n)],
            "economy": econ + ["DE"] * (n - len(names)),
        }
    )
    for s in sources:
        df[f"{s}_count"] = np.round(rng.uniform(10, 1000, n), 2)
        df[f"{s}_share"] = df[f"{s}_count"] / df[f"{s}_count"].sum() * 80
    df["score"] = df[[f"{s}_share" for s in sources]].sum(axis=1)
    df = df.sort_values("score", ascending=False).reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, n + 1))
    df["prev_rank"] = df["rank"]
    df["rank_change"] = 0
    df["lat"] = rng.uniform(-30, 60, n)
    df["lon"] = rng.uniform(-120, 140, n)
    return df


def make_fake_results(root: Path, top_n: int = 8) -> None:
    """A tiny results folder in the layout the appendix notebook reads."""
    ra = _ranking(("pct", "pub"), 12, 1)
    rb = _ranking(("pct", "pub", "vc"), 12, 2)
    for v, r in (("gii2024", ra), ("gii2025", rb)):
        (root / "ranking" / v).mkdir(parents=True)
        r.to_csv(root / "ranking" / v / "clusters.csv", index=False)
        noise = pd.DataFrame({"lat": [10.0, 20.0], "lon": [5.0, 50.0], "n_records": [5, 6]})
        maps.map_top_clusters(
            r, noise, root / "figures" / v / f"map_top{top_n}.png", f"Top clusters {v}", top_n=top_n
        )
    # match by name (ids differ between the fake variants)
    m = ra[["cluster_id", "name"]].merge(rb[["cluster_id", "name"]], on="name")
    m = m.rename(columns={"cluster_id_x": "cluster_id_a", "cluster_id_y": "cluster_id_b"})
    table, _ = compare_rankings(ra, rb, m.iloc[:-1], top_n=top_n)
    (root / "compare").mkdir()
    table.to_csv(root / "compare" / "gii2024_vs_gii2025.csv", index=False)
    charts.rank_change_chart(
        table,
        root / "figures" / "rank_change_gii2024_vs_gii2025.png",
        "gii2024",
        "gii2025",
        top_n=top_n,
    )
    (root / "extract").mkdir()
    pd.DataFrame(
        {
            "input_file": ["demo.csv"],
            "source": ["pct"],
            "rows_in": [10],
            "rows_used": [9],
            "rows_rejected": [1],
        }
    ).to_csv(root / "extract" / "accounting.csv", index=False)
    # geocode/ and locations/ accounting deliberately missing


def test_remote_scripts_finds_src_and_imports():
    page = (
        '<script src="https://cdn.x/require.js"></script><p>https://example.org</p>'
        '<script type="module">const m = (await import("https://cdnjs.y/m.mjs")).default;'
        "</script><script>var a = 1;</script>"
    )
    assert remote_scripts(page) == ["https://cdn.x/require.js", "https://cdnjs.y/m.mjs"]
    assert remote_scripts("<p>no script</p>") == []


def test_appendix_notebook_end_to_end(tmp_path):
    results = tmp_path / "results"
    make_fake_results(results)
    out_html = tmp_path / "appendix.html"
    render_notebook(
        str(REPO / "notebooks" / "appendix.ipynb"),
        str(out_html),
        {
            "results_dir": str(results),
            "top_n": 8,
            "variant_labels": {"gii2024": "GII 2024 (PCT + publications)"},
        },
        timeout=300,
    )
    html = out_html.read_text(encoding="utf-8")
    assert "GII 2024 (PCT + publications)" in html
    assert "Tokyo–Yokohama" in html and "<table" in html  # the ranking table
    assert html.count("data:image/png;base64") >= 2  # the two maps
    assert "no east asia map figure" in html  # missing optional figure -> a note
    assert "import warnings" not in html  # code hidden
    assert "Traceback" not in html
    assert not re.search(r"<script[^>]*src=\"https?://", html)  # nothing loaded from the network
    # no script at all: no require.js, MathJax or mermaid import from a CDN either
    assert "<script" not in html and remote_scripts(html) == [] and "cdnjs" not in html


def test_methodology_notebook_end_to_end(tmp_path):
    results = tmp_path / "results"
    make_fake_results(results)
    (results / "fidelity" / "gii2024").mkdir(parents=True)
    (results / "fidelity" / "gii2024" / "summary.json").write_text(
        '{"available": true, "edition": "2024", "ranks": {"n_matched": 3, "n_published": 4,'
        ' "spearman": 0.5, "kendall": 0.33}, "top_overlap": [{"k": 10, "overlap": 2, "known": 3}]}'
    )
    out_html = tmp_path / "methodology.html"
    render_notebook(
        str(REPO / "notebooks" / "methodology_comparison.ipynb"),
        str(out_html),
        {
            "results_dir": str(results),
            "top_n": 8,
            "variant_labels": {"gii2024": "GII 2024 (PCT + publications)"},
            "accounting_files": [
                ["Extract", str(results / "extract" / "accounting.csv")],
                ["Geocoding", str(results / "geocode" / "accounting.csv")],
            ],
        },
        timeout=300,
    )
    html = out_html.read_text(encoding="utf-8")
    assert "Spearman" in html and "Kendall" in html
    assert "data:image/png;base64" in html  # rank-change figure embedded
    assert f"{results}/geocode/accounting.csv" in html  # missing optional file -> a note
    assert "2/3" in html  # top-10 overlap from the fidelity summary
    assert "no sensitivity results" in html
    assert "Traceback" not in html
