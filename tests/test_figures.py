"""Tests for the figures of stclusters.report (maps, charts, basemap): files, pixel sizes, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from stclusters.report import basemap, charts, data, maps, regions, style


def _ranking(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    # a pile-up of big clusters in East Asia, as in the real ranking
    lat = np.r_[[35.6, 22.6, 39.9, 37.5, 31.2, 34.7, 32.1], rng.uniform(-40, 65, n - 7)]
    lon = np.r_[[139.7, 114.0, 116.4, 127.0, 121.4, 135.5, 118.8], rng.uniform(-125, 150, n - 7)]
    score = np.sort(rng.uniform(0.1, 12, n))[::-1]
    return pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "cluster_id": np.arange(n),
            "name": ["Tokyo–Yokohama", "Shenzhen–Hong Kong–Guangzhou"]
            + [f"Cluster {i}" for i in range(2, n)],
            "economy": ["JP", "CN/HK", "CN", "KR", "CN", "JP", "CN"]
            + ["US", "DE", "BR", "ZA"] * ((n - 7) // 4)
            + ["XX"] * ((n - 7) % 4),
            "score": score,
            "lat": lat,
            "lon": lon,
        }
    )


def _noise(n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "lat": rng.uniform(-55, 75, n),
            "lon": rng.uniform(-175, 175, n),
            "n_records": rng.integers(5, 100, n),
        }
    )


def _size(path) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def test_map_size_and_determinism(tmp_path):
    r, nz = _ranking(), _noise()
    a, b = tmp_path / "a" / "map.png", tmp_path / "b.png"
    maps.map_top_clusters(r, nz, a, "Top clusters", top_n=30)
    maps.map_top_clusters(r, nz, b, "Top clusters", top_n=30)
    assert a.stat().st_size > 10_000
    assert _size(a) == (1800, 840)
    assert a.read_bytes() == b.read_bytes()
    assert b"Software" not in a.read_bytes()[:200]


def test_map_empty_noise_regional_extent_and_basemap(tmp_path):
    calls = []
    out = tmp_path / "m.png"
    maps.map_top_clusters(
        _ranking(),
        _noise().iloc[:0],
        out,
        "East Asia",
        top_n=10,
        extent=(95, 150, 15, 50),
        basemap=lambda ax: calls.append(ax),
    )
    assert len(calls) == 1
    assert _size(out) == (1800, 840)
    # an empty ranking still draws the noise
    maps.map_top_clusters(_ranking().iloc[:0], _noise(), tmp_path / "e.png", "Nothing")
    assert (tmp_path / "e.png").stat().st_size > 5_000


def test_economy_group():
    assert regions.economy_group("CN/HK") == regions.economy_group("CN")
    assert regions.economy_group("US") == "Northern America"
    assert regions.economy_group(None) == regions.OTHER_GROUP
    assert len(set(maps.GROUP_COLOURS.values())) == len(maps.GROUP_COLOURS)


def _compare_table() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 35
    rank_b = np.arange(1, n + 1)
    rank_a = pd.array(rng.permutation(n) + 1, dtype="Int64")
    rank_a[3] = pd.NA  # a newcomer
    return pd.DataFrame(
        {
            "name": [f"Cluster {i}–Somewhere" for i in range(n)],
            "economy": ["US"] * n,
            "rank_a": rank_a,
            "rank_b": pd.array(rank_b, dtype="Int64"),
            "rank_change": rank_a - pd.array(rank_b, dtype="Int64"),
            "status": ["both"] * n,
        }
    )


def test_rank_change_chart(tmp_path):
    t = _compare_table()
    a, b = tmp_path / "rc.png", tmp_path / "rc2.png"
    charts.rank_change_chart(t, a, "GII 2024", "GII 2025", top_n=30)
    charts.rank_change_chart(
        t.sample(frac=1.0, random_state=1), b, "GII 2024", "GII 2025", top_n=30
    )
    assert _size(a) == (1500, int(round((1.6 + 0.26 * 30) * style.DPI)))
    assert a.read_bytes() == b.read_bytes()  # row order of the input does not matter
    charts.rank_change_chart(t.iloc[:0], tmp_path / "empty.png", "a", "b", top_n=5)
    assert (tmp_path / "empty.png").stat().st_size > 1_000




# ------------------------------------------------------------------ basemap, PDFs, new figures


def _pdf_ok(png) -> bytes:
    pdf = style.pdf_path(png)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"CreationDate" not in data
    return data


def test_basemap_resource_loads_with_sensible_bounds():
    countries = basemap.load_basemap()
    assert 150 <= len(countries) <= 260
    assert basemap.BASEMAP_FILE.stat().st_size < 1_000_000
    lon0 = min(c["bounds"][0] for c in countries)
    lon1 = max(c["bounds"][1] for c in countries)
    lat0 = min(c["bounds"][2] for c in countries)
    lat1 = max(c["bounds"][3] for c in countries)
    assert -180.001 <= lon0 < -170 and 170 < lon1 <= 180.001
    assert -90.001 <= lat0 < -80 and 80 < lat1 <= 90
    by_iso = {c["iso_a3"]: c for c in countries}
    fr = by_iso["FRA"]["bounds"]  # includes French Guiana
    assert fr[0] < 0 < fr[1] and fr[2] < 10 and 45 < fr[3] < 52
    jp = by_iso["JPN"]["bounds"]
    assert 128 < jp[0] < 132 and 144 < jp[1] < 147
    assert (basemap.BASEMAP_FILE.parent / "README.md").exists()


def test_world_basemap_draws_only_countries_in_view():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.set_xlim(-11, 40)
    ax.set_ylim(35, 61)
    basemap.world_basemap(ax)
    (coll,) = ax.collections
    assert 20 < len(coll.get_paths()) < 80
    assert coll.get_zorder() < 1
    ax2 = Figure().add_subplot()
    basemap.world_basemap(ax2, extent=(-179, -178, -1, 1))  # open Pacific: nothing
    assert not ax2.collections


def test_map_writes_deterministic_pdf(tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    maps.map_top_clusters(_ranking(), _noise(), a, "Top clusters", top_n=30)
    maps.map_top_clusters(_ranking(), _noise(), b, "Top clusters", top_n=30)
    assert _pdf_ok(a) == _pdf_ok(b)


def test_regional_map_windows(tmp_path):
    r = _ranking()
    for region in ("east_asia", "europe", "north_america"):
        out = tmp_path / f"{region}.png"
        maps.regional_map(r, _noise(), out, region, top_n=40)
        figsize, _, aspect = maps.regional_layout(regions.REGIONS[region]["extent"], 10.0)
        w, h = _size(out)
        assert w == 1500 and abs(h - figsize[1] * style.DPI) <= 1
        assert aspect >= 1.0
        _pdf_ok(out)
    again = tmp_path / "again.png"
    maps.regional_map(r, _noise(), again, "east_asia", top_n=40)
    assert again.read_bytes() == (tmp_path / "east_asia.png").read_bytes()
    # empty ranking and no noise
    maps.regional_map(r.iloc[:0], None, tmp_path / "empty.png", "europe")
    assert (tmp_path / "empty.png").stat().st_size > 5_000
    try:
        maps.regional_map(r, None, tmp_path / "x.png", "atlantis")
    except ValueError as exc:
        assert "atlantis" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("unknown region accepted")


def test_region_noise_and_africa_map(tmp_path):
    noise = pd.DataFrame({"loc_id": [1, 2, 3, 4], "lat": [6.5, 30.0, -26.2, 48.0],
                          "lon": [3.4, 31.2, 28.0, 2.0], "n_records": [5, 6, 7, 8]})
    membership = pd.DataFrame({"source": ["pct"], "loc_id": [2], "cluster_id": [0],
                               "how": ["member"]})
    out = data.region_noise(noise, membership, loc_ids=np.array([1, 2, 3]))
    assert out["loc_id"].tolist() == [1, 3]
    assert data.region_noise(noise)["loc_id"].tolist() == [1, 2, 3, 4]
    rng = np.random.default_rng(3)
    af = pd.DataFrame({
        "rank": np.arange(1, 21), "cluster_id": np.arange(20),
        "name": [f"Town {i}" for i in range(20)], "economy": ["ZA", "EG", "NG", "KE"] * 5,
        "score": np.sort(rng.uniform(0.2, 12, 20))[::-1],
        "lat": rng.uniform(-34, 35, 20), "lon": rng.uniform(-15, 50, 20),
    })
    png = tmp_path / "africa.png"
    maps.africa_map(af, out, png, top_n=20)
    figsize, _, _ = maps.regional_layout(regions.REGIONS["africa"]["extent"], 9.0)
    w, h = _size(png)
    assert w == 1350 and abs(h - figsize[1] * style.DPI) <= 1
    _pdf_ok(png)
    maps.africa_map(af.iloc[:0], out.iloc[:0], tmp_path / "none.png")
    assert (tmp_path / "none.png").exists() and style.pdf_path(tmp_path / "none.png").exists()


def test_intensity_map(tmp_path):
    r = _ranking()
    rng = np.random.default_rng(4)
    r["intensity"] = rng.uniform(0.01, 2.0, len(r))
    r.loc[5, "intensity"] = np.nan  # no population: left out
    a, b = tmp_path / "i.png", tmp_path / "j.png"
    maps.intensity_map(r, a, top_n=30)
    maps.intensity_map(r, b, top_n=30)
    assert _size(a) == (1800, 840)
    assert a.read_bytes() == b.read_bytes()
    assert _pdf_ok(a) == _pdf_ok(b)
    maps.intensity_map(r.drop(columns="intensity"), tmp_path / "none.png")
    assert (tmp_path / "none.png").stat().st_size > 5_000


def _uncertainty(n: int = 70) -> pd.DataFrame:
    rng = np.random.default_rng(8)
    rank = np.arange(1, n + 1)
    med = rank + rng.integers(-2, 3, n)
    return pd.DataFrame({
        "cluster_id": np.arange(n), "name": [f"Cluster {i}–A very long second place name"
                                             for i in range(n)],
        "economy": ["US"] * n, "rank": rank, "median_rank": med,
        "p05_rank": np.maximum(1, med - rng.integers(0, 10, n)),
        "p95_rank": med + rng.integers(0, 20, n),
        "share_top100": rng.uniform(0.3, 1.0, n),
    })


def test_rank_uncertainty_chart(tmp_path):
    u = _uncertainty()
    a, b = tmp_path / "u.png", tmp_path / "v.png"
    charts.rank_uncertainty_chart(u, a, top_n=60)
    charts.rank_uncertainty_chart(u.sample(frac=1.0, random_state=2), b, top_n=60)
    # 60 rows: two panels of 50 and 10
    assert _size(a) == (2100, int(round((2.0 + 0.2 * 50) * style.DPI)))
    assert a.read_bytes() == b.read_bytes()
    _pdf_ok(a)
    charts.rank_uncertainty_chart(u, tmp_path / "small.png", top_n=10)
    assert _size(tmp_path / "small.png") == (1050, int(round((2.0 + 0.2 * 10) * style.DPI)))
    charts.rank_uncertainty_chart(u.iloc[:0], tmp_path / "empty.png")
    assert (tmp_path / "empty.png").stat().st_size > 1_000


def test_composition_bars(tmp_path):
    r = _ranking()
    r["pct_share"] = r["score"] * 0.5
    r["pub_share"] = r["score"] * 0.3
    r["vc_share"] = r["score"] * 0.2
    a, b = tmp_path / "c.png", tmp_path / "d.png"
    charts.composition_bars(r, a, top_n=20)
    charts.composition_bars(r.sample(frac=1.0, random_state=3), b, top_n=20)
    assert _size(a) == (1500, int(round((1.8 + 0.26 * 20) * style.DPI)))
    assert a.read_bytes() == b.read_bytes()
    _pdf_ok(a)
    # a two-source ranking with weights, and an empty one
    charts.composition_bars(r.drop(columns="vc_share"), tmp_path / "w.png", top_n=5,
                             weights={"pct": 1.0, "pub": 0.5})
    charts.composition_bars(r.iloc[:0], tmp_path / "e.png", top_n=5)
    assert (tmp_path / "e.png").stat().st_size > 1_000


def test_short_names():
    assert style.short("Tokyo") == "Tokyo"
    s = style.short("Frankfurt am Main–Heidelberg–Mannheim", 20)
    assert len(s) <= 20 and s.endswith("…")


def test_row_labels():
    assert style.row_label("Tokyo", "JP", 3.0) == "3 Tokyo (JP)"
    assert style.row_label("Tokyo", np.nan, 3) == "3 Tokyo"
    assert style.row_label("Tokyo", "") == "Tokyo"
    assert style.row_label("Seoul", "KR") == "Seoul (KR)"


def test_data_filters():
    r = pd.DataFrame({"rank": [3, 1, 2, 2, 5], "name": list("abcde")})
    assert data.top_ranked(r, 2)["name"].tolist() == ["b", "c"]  # stable among equal ranks
    assert data.top_ranked(r, 10)["name"].tolist() == ["b", "c", "d", "a", "e"]
    mask = data.within_top(pd.Series(["1", None, "30", 31.0, "x"]), 30)
    assert mask.tolist() == [True, False, True, False, False]


def test_continent_windows_are_known():
    from stclusters.countries import continent_codes

    assert set(regions.CONTINENT_REGION) <= set(continent_codes().values())
    assert set(regions.CONTINENT_REGION.values()) <= set(regions.REGIONS)


def test_place_labels_strict_leaves_out_what_does_not_fit():
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from stclusters.report.labels import place_labels

    fig = Figure(figsize=(3, 2), dpi=style.DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    crowd = [(5.0, 5.0, f"Cluster number {i}", 3.0) for i in range(30)]
    assert place_labels(fig, ax, crowd) == 30  # drawn anyway, at the marker if need be
    fig2 = Figure(figsize=(3, 2), dpi=style.DPI)
    FigureCanvasAgg(fig2)
    ax2 = fig2.add_axes((0, 0, 1, 1))
    ax2.set_xlim(0, 10)
    ax2.set_ylim(0, 10)
    n = place_labels(fig2, ax2, crowd, strict=True)
    assert 1 <= n < 30
    renderer = fig2.canvas.get_renderer()
    boxes = [Text.get_window_extent(t, renderer) for t in ax2.texts]  # text, not the leader
    assert len(boxes) == n
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
