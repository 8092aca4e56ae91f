"""Outputs are safe whatever the input names hold, and written atomically (issue 10).

Unit level: the CSV formula neutralisation, the Markdown / HTML / LaTeX escaping, literal
figure text, the atomic writers and the stale-lock helper. The whole DAG on hostile
input is tests/test_hostile_inputs.py.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from nbconvert.filters.markdown import markdown2html

from stclusters import io, runlock
from stclusters.io import (
    atomic_path,
    neutralise_cell,
    neutralise_formulas,
    read_parquet,
    write_bytes,
    write_csv,
    write_json,
    write_parquet,
    write_text,
)
from stclusters.report import style
from stclusters.tables import Link, latex_escape, md_escape, to_html, to_latex, to_markdown

HOSTILE = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","Click me")',
    "+cmd|' /C calc'!A0",
    "$\\frac{1}{2}$",
    "|pipe|",
    "\\input{/etc/passwd}",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "&lt;b&gt;entity&lt;/b&gt;",
    "[click](javascript:alert(1))",
    "`code` *em* _em_ ~~del~~",
]


class Tags(HTMLParser):
    """Collects the start tags (with attributes) of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(html_text: str) -> Tags:
    p = Tags()
    p.feed(html_text)
    p.close()
    return p


# ------------------------------------------------------------------ CSV formula injection


def test_neutralise_cell_prefixes_formulas_and_keeps_numbers():
    assert neutralise_cell('=HYPERLINK("http://x","Click me")') == '\'=HYPERLINK("http://x","Click me")'
    for bad in ("+cmd", "-2+3+cmd", "@SUM(1)", "\t=1", "\r=1"):
        assert neutralise_cell(bad) == "'" + bad
    for fine in ("-3", "+1.5", "-1e-05", "Munich", "", "'=already", "a=b"):
        assert neutralise_cell(fine) == fine
    assert neutralise_cell(-3) == -3 and neutralise_cell(None) is None


def test_neutralise_formulas_touches_text_columns_only():
    df = pd.DataFrame(
        {
            "name": pd.Series(["=1+1", "Paris", None], dtype="str"),
            "obj": pd.Series(["@x", 5, "-7"], dtype=object),
            "rank_change": [-3, 2, -1],
            "score": [-0.5, 1.25, 0.0],
            "cat": pd.Categorical(["+a", "b", "+a"]),
        }
    ).rename(columns={"score": "=score"})
    out = neutralise_formulas(df)
    assert out["name"].tolist()[:2] == ["'=1+1", "Paris"] and pd.isna(out["name"].iloc[2])
    assert out["obj"].tolist() == ["'@x", 5, "-7"]
    assert out["rank_change"].tolist() == [-3, 2, -1]  # numbers stay numbers
    assert out["'=score"].tolist() == [-0.5, 1.25, 0.0]  # the header too
    assert out["cat"].tolist() == ["'+a", "b", "'+a"]
    assert df["name"].iloc[0] == "=1+1"  # the input is not modified
    safe = pd.DataFrame({"a": ["x", "y"], "b": [-1.0, 2.0]})
    assert neutralise_formulas(safe) is safe  # nothing to do: same frame


def test_write_csv_has_no_live_formula_cell(tmp_path):
    df = pd.DataFrame({"name": HOSTILE, "rank_change": range(-6, len(HOSTILE) - 6),
                       "share": [-1.5] * len(HOSTILE)})
    write_csv(df, tmp_path / "t.csv")
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    names = [r[0] for r in rows[1:]]
    for cell, original in zip(names, HOSTILE, strict=True):
        assert not cell.startswith(io.FORMULA_START)
        assert cell in (original, "'" + original)
    assert [r[1] for r in rows[1:4]] == ["-6", "-5", "-4"]  # numbers written as numbers
    assert {r[2] for r in rows[1:]} == {"-1.5"}


# ------------------------------------------------------------------ Markdown, HTML, LaTeX


@pytest.mark.parametrize("text", HOSTILE)
def test_md_escape_renders_as_literal_text(text):
    html_text = markdown2html(f"| a |\n|:---|\n| {md_escape(text)} |\n")
    tags = parse(html_text)
    assert {t for t, _ in tags.tags} <= {"table", "thead", "tbody", "tr", "th", "td"}, html_text
    assert md_escape(text).count("|") == md_escape(text).count("\\|")
    assert "".join(tags.text).strip().endswith(text.strip().replace("\t", "").strip())


def test_md_escape_keeps_plain_text_and_ampersands():
    assert md_escape("Procter & Gamble") == "Procter & Gamble"
    assert md_escape("Cincinnati, OH (US)") == "Cincinnati, OH (US)"
    assert md_escape("a&lt;b") == "a&amp;lt;b"
    assert md_escape("<b>") == "&lt;b&gt;"
    assert md_escape("line\nbreak") == "line break"


def test_markdown_table_escapes_every_hostile_cell():
    df = pd.DataFrame({"Cluster name": HOSTILE, "Total": 1.0})
    md = to_markdown(df)
    assert "<img" not in md and "<script" not in md
    for line in md.splitlines()[2:]:
        assert len(re.split(r"(?<!\\)\|", line)) == 4  # 2 columns: no cell broke out
    tags = parse(markdown2html(md))
    assert not {t for t, _ in tags.tags} - {"table", "thead", "tbody", "tr", "th", "td"}


def test_to_html_escapes_every_cell_and_header():
    df = pd.DataFrame({"<th>": HOSTILE, "Total": [12.345] * len(HOSTILE)})
    tags = parse(to_html(df))
    assert {t for t, _ in tags.tags} == {"table", "thead", "tbody", "tr", "th", "td"}
    assert all(a == [("style", "text-align: left")] or a == [("style", "text-align: right")]
               for t, a in tags.tags if t in ("th", "td"))
    assert "<th>" in tags.text and "12.35" in tags.text
    assert [x for x in tags.text if x in HOSTILE] == HOSTILE  # each cell reads as written


def test_link_cells_link_only_to_relative_or_http_targets():
    df = pd.DataFrame({"Brief": [Link("brief", "../briefs/001 a(1).html"),
                                 Link(IMG := HOSTILE[0], "javascript:alert(1)"),
                                 Link("site", "https://example.org/?a=1&b=<2>"), ""]})
    tags = parse(to_html(df))
    links = [dict(a)["href"] for t, a in tags.tags if t == "a"]
    assert links == ["../briefs/001 a(1).html", "https://example.org/?a=1&b=<2>"]
    assert IMG in tags.text and "img" not in {t for t, _ in tags.tags}
    md = to_markdown(df)
    assert "[brief](../briefs/001%20a%281%29.html)" in md and "javascript" not in md
    rendered = parse(markdown2html(md))
    assert [dict(a)["href"] for t, a in rendered.tags if t == "a"][0] == (
        "../briefs/001%20a%281%29.html")


def test_latex_escapes_hostile_text():
    assert latex_escape("\\input{/etc/passwd}") == "\\textbackslash{}input\\{/etc/passwd\\}"
    assert latex_escape("$\\frac{1}{2}$") == "\\$\\textbackslash{}frac\\{1\\}\\{2\\}\\$"
    tex = to_latex(pd.DataFrame({"name": HOSTILE}))
    body = tex.split("\\midrule\n")[1].split("\\bottomrule")[0]
    # every backslash starts one of the escapes, every special is escaped
    body = body.replace(" \\\\\n", "\n")  # the row ends
    escapes = r"textbackslash\{\}|textasciitilde\{\}|textasciicircum\{\}|[&%$#_{}]"
    assert not re.search(rf"\\(?!{escapes})", body)
    assert not re.search(r"(?<!\\)[&%$#_^~]", body)


# ------------------------------------------------------------------ figures


def test_figure_text_is_literal(tmp_path):
    """A name with "$" does not start mathtext: bad TeX would otherwise fail the figure."""
    bad = "$\\frac{1}{$ Corp"
    with style.figure((4.0, 2.0), tmp_path / "f.png") as fig:
        ax = fig.add_axes((0.3, 0.2, 0.6, 0.7))
        ax.barh([0, 1], [1, 2])
        ax.set_yticks([0, 1], [bad, "$x^2$"])
        style.title(fig, bad, 0.98)
    assert (tmp_path / "f.png").stat().st_size > 0 and (tmp_path / "f.pdf").stat().st_size > 0
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": True}), pytest.raises(ValueError):
        matplotlib.mathtext.MathTextParser("agg").parse(bad)


# ------------------------------------------------------------------ atomic writes


def test_atomic_path_failure_leaves_no_partial_file(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a fi", encoding="utf-8")
        raise RuntimeError("killed mid-write")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no temporary left either
    # a previous complete version survives a failed rewrite
    write_text(target, "complete\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("trunc", encoding="utf-8")
        raise RuntimeError("killed mid-write")
    assert target.read_text(encoding="utf-8") == "complete\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.csv"]


def test_failing_writers_leave_nothing(tmp_path, monkeypatch):
    df = pd.DataFrame({"a": [1, 2, 3]})

    def half_csv(self, path, **kw):
        Path(path).write_text("a\n1\n", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_csv)
    with pytest.raises(OSError):
        write_csv(df, tmp_path / "x.csv")
    monkeypatch.undo()

    def half_parquet(table, where, **kw):
        Path(where).write_bytes(b"PAR1\x00")
        raise OSError("disk full")

    monkeypatch.setattr(io.pq, "write_table", half_parquet)
    with pytest.raises(OSError):
        write_parquet(df, tmp_path / "x.parquet")
    monkeypatch.undo()
    with pytest.raises(TypeError):
        write_json(tmp_path / "x.json", {"a": object()})
    with pytest.raises(ZeroDivisionError), style.figure((2.0, 2.0), tmp_path / "f.png"):
        1 / 0  # noqa: B018  (a figure that fails while drawn is not saved)
    assert list(tmp_path.iterdir()) == []


def test_atomic_writers_write_the_same_bytes(tmp_path):
    df = pd.DataFrame({"a": [3, 1, 2], "b": ["x", None, "z"]})
    write_parquet(df, tmp_path / "1.parquet")
    write_parquet(df, tmp_path / "2.parquet")
    assert (tmp_path / "1.parquet").read_bytes() == (tmp_path / "2.parquet").read_bytes()
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "1.parquet"), df, check_dtype=False)
    write_json(tmp_path / "s.json", {"b": 1, "a": "é"}, ensure_ascii=False)
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == '{\n  "a": "é",\n  "b": 1\n}\n'
    write_bytes(tmp_path / "b.pdf", b"%PDF-1.4\n")
    assert (tmp_path / "b.pdf").read_bytes() == b"%PDF-1.4\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.parquet", "2.parquet", "b.pdf",
                                                          "s.json"]


# ------------------------------------------------------------------ stale locks


def _lock(workdir: Path) -> Path:
    lock = workdir / ".snakemake" / "locks" / "0.input.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("/x/results/a.csv\n", encoding="utf-8")
    return lock


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_runlock_removes_a_stale_lock_only(tmp_path):
    assert runlock.unlock_if_stale(tmp_path) == ""  # no lock: nothing to say
    lock = _lock(tmp_path)
    # a process of snakemake's running in the directory: the lock is kept
    live = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "snakemake", "--cores", "1"],
        cwd=tmp_path,
    )
    try:
        for _ in range(50):  # until its command line is visible
            if live.pid in (runlock.snakemake_processes(tmp_path) or []):
                break
            time.sleep(0.1)
        message = runlock.unlock_if_stale(tmp_path)
        assert f"pid {live.pid}" in message and "kept" in message and lock.exists()
    finally:
        live.kill()
        live.wait()
    # it is gone (killed): the lock is stale and removed
    message = runlock.unlock_if_stale(tmp_path)
    assert "removed" in message and not lock.exists()


def test_runlock_keeps_the_lock_when_processes_cannot_be_listed(tmp_path):
    lock = _lock(tmp_path)
    message = runlock.unlock_if_stale(tmp_path, proc=tmp_path / "no-proc")
    assert "snakemake --unlock" in message and lock.exists()


def test_runlock_command_line(tmp_path):
    lock = _lock(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.run([sys.executable, "-m", "stclusters.runlock", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0
    if Path("/proc/self").exists():
        assert "removed" in proc.stderr and not lock.exists()


def test_temporaries_of_killed_writers_are_cleared(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a writer that was killed: its process no longer exists
    stale = tmp_path / f".out.tmp-{gone.pid}-0123abcd.csv"
    live = tmp_path / f".out.tmp-{os.getppid()}-0123abcd.csv"  # a writer still running
    other = tmp_path / f".other.tmp-{gone.pid}-0123abcd.csv"  # another target's
    for p in (stale, live, other):
        p.write_text("a\n1\n", encoding="utf-8")
    write_csv(pd.DataFrame({"a": [1, 2]}), tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "a\n1\n2\n"
    assert not stale.exists() and live.exists() and other.exists()
