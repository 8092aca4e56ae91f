"""The explorer and a brief in a real browser: headless Chromium with the network cut.

Skips when no Chromium is installed (CI installs it: .ci/install-chromium.sh). Asserts that
the pages raise no console error and request nothing from the network, that the explorer
draws the map and the table, that switching the variant changes what is shown, that the
diff view and the cluster details work, and that a brief's map image loads.
Set ``STCLUSTERS_SCREENSHOTS`` to a folder to keep the screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _briefs_world import build_world, variant
from _chromium import Browser, find_chromium

from stclusters.briefs.build import write_briefs
from stclusters.explorer import write_explorer

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    world = build_world(root / "world")
    v2 = variant(world, "v2")
    briefs = root / "results" / "briefs" / "v2"
    table = write_briefs(briefs, v2, world["variants"], world["organizations"]["v2"],
                         world["location_places"]["v2"], n_briefs=2)
    write_explorer(root / "reports" / "explorer.html", world["variants"],
                   brief_indexes={"v2": briefs / "index.csv"}, top_n=10,
                   compare=[["v1", "v2"]])
    return {"explorer": root / "reports" / "explorer.html",
            "brief": briefs / table.loc[0, "html"]}


@pytest.fixture()
def browser():
    with Browser(CHROMIUM, 1400, 1000) as b:
        yield b


def _shot(b: Browser, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("STCLUSTERS_SCREENSHOTS") or tmp_path)
    out = folder / name
    data = b.screenshot(out)
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
    return out


def _state(b: Browser) -> dict:
    return b.evaluate("""({
        ready: document.body.dataset.ready,
        counter: document.getElementById('counter').textContent,
        first: [...document.querySelectorAll('#table tbody tr:first-child td')]
                 .map(td => td.textContent),
        rows: document.querySelectorAll('#table tbody tr').length,
        circles: document.querySelectorAll('#map circle').length,
        land: document.querySelectorAll('#map .land path').length,
        mapWidth: document.getElementById('map').getBoundingClientRect().width,
        diff: !document.getElementById('diffsummary').hidden,
        summary: document.getElementById('diffsummary').textContent,
    })""")


def _choose(b: Browser, select_id: str, value: str) -> None:
    b.evaluate(f"""(() => {{ const s = document.getElementById('{select_id}');
        s.value = '{value}'; s.dispatchEvent(new Event('change')); }})()""")
    b.settle(0.2)


def test_explorer_renders_offline_and_switches_variants(site, browser, tmp_path):
    b = browser
    b.open(site["explorer"])
    b.settle(0.5)
    s1 = _state(b)
    assert s1["ready"] == "1"
    assert s1["land"] > 150 and s1["mapWidth"] > 500  # the basemap is drawn
    assert s1["circles"] == s1["rows"] == 10  # top 10 of v1 on the map and in the table
    assert s1["first"][:2] == ["1", "Tokyo–Yokohama"]
    assert "Variant v1" in s1["counter"]
    _shot(b, "explorer.png", tmp_path)

    _choose(b, "variant", "v2")  # VC puts San Jose first
    s2 = _state(b)
    assert s2["first"][:2] == ["1", "San Jose–San Francisco, CA"]
    assert "Variant v2" in s2["counter"] and s2["counter"] != s1["counter"]

    # hover and click a cluster: tooltip, details with the rank under every variant
    b.evaluate("""(() => { const c = document.querySelector('#map circle[data-id="2"]');
        c.dispatchEvent(new MouseEvent('mouseenter', {clientX: 50, clientY: 50}));
        c.dispatchEvent(new MouseEvent('click', {bubbles: true})); })()""")
    b.settle(0.2)
    tip = b.evaluate("document.getElementById('tooltip').textContent")
    assert "San Jose" in tip and "90 % interval 1–3" in tip
    detail = b.evaluate("document.getElementById('detail').textContent")
    assert "Rank under every variant" in detail and "Open the cluster brief" in detail
    assert b.evaluate("document.querySelectorAll('#detail svg circle').length") == 3

    # filters: rank range and region
    b.evaluate("""(() => { const r = document.getElementById('rmax'); r.value = '3';
        r.dispatchEvent(new Event('input')); })()""")
    b.settle(0.2)
    assert _state(b)["rows"] == 3
    _choose(b, "region", "Europe")
    b.evaluate("""(() => { const r = document.getElementById('rmax'); r.value = '12';
        r.dispatchEvent(new Event('input')); })()""")
    b.settle(0.2)
    names = b.evaluate("[...document.querySelectorAll('#table tbody tr td:nth-child(2)')]"
                       ".map(t => t.textContent)")
    assert sorted(names) == ["London", "München", "Paris"]

    # the diff view: v1 -> v2 over the top 10
    b.evaluate("document.getElementById('reset').click()")
    _choose(b, "variant", "v1")
    _choose(b, "view", "diff")
    s3 = _state(b)
    assert s3["diff"] and "v1 → v2" in s3["summary"]
    assert s3["first"][:1] == ["San Jose–San Francisco, CA"] and s3["first"][5] == "+2"
    _shot(b, "explorer_diff.png", tmp_path)

    assert b.console_errors() == []
    assert b.network_requests() == []


def test_brief_renders_its_map_offline(site, browser, tmp_path):
    b = browser
    b.open(site["brief"])
    b.settle(0.3)
    imgs = b.evaluate("[...document.images].map(i => [i.alt, i.complete, i.naturalWidth])")
    assert len(imgs) == 2
    alt, complete, width = imgs[0]
    assert alt.startswith("Footprint map of") and complete and width > 400
    assert b.evaluate("document.querySelector('h1').textContent") == (
        "1. San Jose–San Francisco, CA")
    _shot(b, "brief.png", tmp_path)
    assert b.console_errors() == []
    assert b.network_requests() == []
