"""Tests for stclusters.figures: files, pixel sizes, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image

from stclusters import figures


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
    figures.map_top_clusters(r, nz, a, "Top clusters", top_n=30)
    figures.map_top_clusters(r, nz, b, "Top clusters", top_n=30)
    assert a.stat().st_size > 10_000
    assert _size(a) == (1800, 840)
    assert a.read_bytes() == b.read_bytes()
    assert b"Software" not in a.read_bytes()[:200]


def test_map_empty_noise_regional_extent_and_basemap(tmp_path):
    calls = []
    out = tmp_path / "m.png"
    figures.map_top_clusters(
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
    figures.map_top_clusters(_ranking().iloc[:0], _noise(), tmp_path / "e.png", "Nothing")
    assert (tmp_path / "e.png").stat().st_size > 5_000


def test_economy_group():
    assert figures.economy_group("CN/HK") == figures.economy_group("CN")
    assert figures.economy_group("US") == "Northern America"
    assert figures.economy_group(None) == figures.OTHER_GROUP
    assert len(set(figures.GROUP_COLOURS.values())) == len(figures.GROUP_COLOURS)


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
    figures.rank_change_chart(t, a, "GII 2024", "GII 2025", top_n=30)
    figures.rank_change_chart(
        t.sample(frac=1.0, random_state=1), b, "GII 2024", "GII 2025", top_n=30
    )
    assert _size(a) == (1500, int(round((1.6 + 0.26 * 30) * figures.DPI)))
    assert a.read_bytes() == b.read_bytes()  # row order of the input does not matter
    figures.rank_change_chart(t.iloc[:0], tmp_path / "empty.png", "a", "b", top_n=5)
    assert (tmp_path / "empty.png").stat().st_size > 1_000


