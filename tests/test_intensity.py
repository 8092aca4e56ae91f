"""Tests for stclusters.intensity: raster generation, footprints, zonal sums, intensity."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import rasterio.io
from rasterio.transform import Affine
from rasterio.windows import Window

from stclusters.intensity import (
    KM_PER_DEG,
    footprints,
    intensity,
    member_locations,
    population_raster_from_places,
    zonal_population,
)

GPW = Path(__file__).resolve().parents[2] / "shared/realdata/gpw_v4_population_count_2020_1deg.asc"


def _haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def _write_tif(path, data, transform, nodata=None, crs="EPSG:4326"):
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)


# ----------------------------------------------------------------- default raster


def _places():
    return pd.DataFrame(
        {
            "geonameid": [1, 2, 3, 4, 5],
            "lat": [45.0 - 1 / 120, 45.0, 47.0, 43.0, 10.0],
            "lon": [5.0 + 1 / 120, 5.0, 3.0, 8.0, 5.0],
            # a city, one of its districts (1 km away, 50x smaller), two towns, one outside
            "population": [1_000_000, 20_000, 50_000, 3_000, 99_999],
        }
    )


def test_raster_from_places_is_valid_geotiff_and_keeps_population(tmp_path):
    out = tmp_path / "pop.tif"
    bounds = (0.0, 40.0, 10.0, 50.0)
    st = population_raster_from_places(_places(), out, res_deg=1 / 60, bounds=bounds)
    assert st["width"] == 600 and st["height"] == 600
    assert st["places_nested"] == 1  # the district within one sigma of the city
    with rasterio.open(out) as src:
        assert src.driver == "GTiff"
        assert src.crs.to_epsg() == 4326
        assert src.dtypes[0] == "float32"
        assert src.transform.almost_equals(Affine(1 / 60, 0, 0.0, 0, -1 / 60, 50.0))
        assert src.block_shapes[0] == (512, 512)
        assert src.compression.name.lower() == "deflate"
        data = src.read(1)
    expected = 1_000_000 + 50_000 + 3_000  # within bounds, district dropped
    assert data.sum(dtype="float64") == pytest.approx(expected, rel=1e-5)
    assert st["population_raster"] == pytest.approx(expected, rel=1e-5)
    assert (data >= 0).all()
    # the densest cell is at the city, near the documented peak density
    r, c = np.unravel_index(np.argmax(data), data.shape)
    assert (r, c) == (300, 300)
    cell_km2 = (KM_PER_DEG / 60) ** 2 * math.cos(math.radians(45.0))
    assert data[r, c] / cell_km2 == pytest.approx(5000.0, rel=0.1)


def test_raster_from_places_nested_off_and_deterministic(tmp_path):
    bounds = (0.0, 40.0, 10.0, 50.0)
    a, b = tmp_path / "a.tif", tmp_path / "b.tif"
    st = population_raster_from_places(
        _places(), a, res_deg=1 / 30, bounds=bounds, nested_ratio=None
    )
    population_raster_from_places(_places(), b, res_deg=1 / 30, bounds=bounds, nested_ratio=None)
    assert st["places_nested"] == 0
    assert st["population_raster"] == pytest.approx(1_073_000, rel=1e-5)
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)]
    assert digest[0] == digest[1]


# ----------------------------------------------------------------- footprints


def test_member_locations_joins_and_ignores_window_or_year():
    membership = pd.DataFrame(
        {
            "source": ["pct", "pub", "pub", "pct"],
            "loc_id": [1, 1, 2, 3],
            "cluster_id": [0, 0, 1, -1],
        }
    )
    for extra in ("window", "year"):
        locations = pd.DataFrame(
            {
                "source": ["pct", "pub", "pub", "pct"],
                extra: ["a", "b", "b", "a"],
                "loc_id": [1, 1, 2, 3],
                "lat": [1.0, 1.0, 2.0, 3.0],
                "lon": [4.0, 4.0, 5.0, 6.0],
            }
        )
        m = member_locations(membership, locations)
        assert m.to_dict("list") == {"cluster_id": [0, 1], "lat": [1.0, 2.0], "lon": [4.0, 5.0]}


def test_footprint_areas_and_no_double_counting():
    r = 5.0
    disc = math.pi * r**2
    one = footprints(pd.DataFrame({"cluster_id": [7], "lat": [45.0], "lon": [7.0]}), r)
    assert one["area_km2"].iloc[0] == pytest.approx(disc, rel=0.02)
    assert one["n_locations"].iloc[0] == 1
    assert one["south"].iloc[0] == pytest.approx(45.0 - r / KM_PER_DEG)
    # two far members of one cluster: two discs
    two = footprints(pd.DataFrame({"cluster_id": [1, 1], "lat": [0.0, 1.0], "lon": [0.0, 0.0]}), r)
    assert two["area_km2"].iloc[0] == pytest.approx(2 * disc, rel=0.02)
    # two clusters with overlapping discs (members 4 km apart): areas add up to the union
    d = 4.0 / KM_PER_DEG
    both = footprints(pd.DataFrame({"cluster_id": [1, 2], "lat": [0.0, 0.0], "lon": [0.0, d]}), r)
    # union of two discs of radius r at distance 4: 2 pi r^2 - lens
    lens = 2 * r**2 * math.acos(4 / (2 * r)) - 2 * math.sqrt(4 * r**2 - 16)
    assert both["area_km2"].sum() == pytest.approx(2 * disc - lens, rel=0.02)
    assert both["area_km2"].iloc[0] == pytest.approx(both["area_km2"].iloc[1], rel=0.02)


# ----------------------------------------------------------------- zonal sums


def test_zonal_sum_fine_raster_known_by_hand(tmp_path):
    # 0.01 degree cells at the equator (1.11 km): cell-centre rule (k = 1)
    res = 0.01
    data = np.zeros((200, 200), dtype="float32")
    tr = Affine(res, 0, 0.0, 0, -res, 1.0)  # lon 0..2, lat -1..1

    def cell(lat, lon):
        return int((1.0 - lat) / res), int(lon / res)

    a = (0.005, 0.505)  # cluster A member, the centre of a cell
    b = (0.005, 0.605)  # cluster B member, 11.1 km east
    data[cell(*a)] = 100  # A's own cell
    data[cell(0.035, 0.505)] = 7  # 3.3 km north of A: A's
    data[cell(0.005, 0.575)] = 11  # 7.8 km from A, 3.3 km from B: B's
    data[cell(0.005, 0.555)] = 13  # 5.6 km from both A and B: nobody's
    data[cell(0.205, 0.505)] = 1000  # 22 km from A: outside
    path = tmp_path / "fine.tif"
    _write_tif(path, data, tr)
    members = pd.DataFrame({"cluster_id": [1, 2], "lat": [a[0], b[0]], "lon": [a[1], b[1]]})
    z = zonal_population(path, members, buffer_km=5.0).set_index("cluster_id")
    assert z.loc[1, "population"] == pytest.approx(107.0)
    assert z.loc[2, "population"] == pytest.approx(11.0)
    # cells whose centre is within 5 km of A and nearer to A than to B
    rows, cols = np.mgrid[0:200, 0:200]
    clat, clon = 1.0 - (rows + 0.5) * res, (cols + 0.5) * res
    da = _haversine_km(a[0], a[1], clat, clon)
    db = _haversine_km(b[0], b[1], clat, clon)
    assert z.loc[1, "n_cells"] == int(((da <= 5.0) & (da <= db)).sum())


def test_zonal_sum_coarse_raster_area_weighted(tmp_path):
    # 1-degree cells holding a uniform 100 inhabitants per km2: population = 100 x area
    lat_edges = np.arange(60, 29, -1.0)  # 60N .. 30N
    rows = len(lat_edges) - 1
    area = np.array(
        [
            (KM_PER_DEG**2)
            * (math.sin(math.radians(hi)) - math.sin(math.radians(lo)))
            * 180
            / math.pi
            for hi, lo in zip(lat_edges[:-1], lat_edges[1:], strict=True)
        ]
    )
    data = np.repeat((100.0 * area)[:, None], 20, axis=1).astype("float32")
    path = tmp_path / "coarse.tif"
    _write_tif(path, data, Affine(1.0, 0, 0.0, 0, -1.0, 60.0))
    assert rows == 30
    members = pd.DataFrame(
        {"cluster_id": [3, 3, 4], "lat": [45.5, 45.52, 40.0], "lon": [10.5, 10.55, 12.0]}
    )
    z = zonal_population(path, members, buffer_km=5.0).set_index("cluster_id")
    fp = footprints(members, 5.0).set_index("cluster_id")
    for cid in (3, 4):
        assert z.loc[cid, "population"] == pytest.approx(100 * fp.loc[cid, "area_km2"], rel=0.05)
    # cluster 4 sits on a cell corner: four cells share it
    assert z.loc[4, "n_cells"] == 4
    assert z.loc[4, "population"] == pytest.approx(100 * math.pi * 25, rel=0.05)


def test_zonal_honours_nodata_in_esri_ascii_grid(tmp_path):
    asc = tmp_path / "grid.asc"
    body = [
        "500 500 500 500",
        "500 -9999 500 500",
        "500 500 500 -9999",
    ]
    header = "ncols 4\nnrows 3\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999\n"
    asc.write_text(header + "\n".join(body) + "\n")
    with rasterio.open(asc) as src:
        assert src.nodata == -9999
        assert src.crs is None  # no .prj: taken as degrees
    members = pd.DataFrame(
        {"cluster_id": [1, 2, 3], "lat": [1.5, 2.5, 0.5], "lon": [1.5, 0.5, 3.5]}
    )
    z = zonal_population(asc, members, buffer_km=5.0).set_index("cluster_id")
    assert z.loc[1, "population"] == 0.0  # inside a NODATA cell
    assert z.loc[3, "population"] == 0.0
    cell_km2 = (
        KM_PER_DEG**2 * (math.sin(math.radians(3)) - math.sin(math.radians(2))) * 180 / math.pi
    )
    assert z.loc[2, "population"] == pytest.approx(500 * math.pi * 25 / cell_km2, rel=0.05)


def test_zonal_reads_only_windows_of_a_global_30_arcsecond_raster(tmp_path, monkeypatch):
    # a sparse global 30-arc-second GeoTIFF: 43200 x 21600 cells (3.7 GB as float32)
    res = 1 / 120
    path = tmp_path / "global.tif"
    profile = dict(
        driver="GTiff",
        width=43200,
        height=21600,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(res, 0, -180.0, 0, -res, 90.0),
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress="deflate",
        sparse_ok=True,
    )
    lat, lon = 48.137, 11.575  # Munich
    row, col = int((90 - lat) / res), int((lon + 180) / res)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(
            np.full((256, 256), 10.0, dtype="float32"),
            1,
            window=Window(col - 128, row - 128, 256, 256),
        )
    assert path.stat().st_size < 5_000_000

    windows = []
    original = rasterio.io.DatasetReader.read

    def spy(self, *args, **kwargs):
        window = kwargs.get("window")
        assert window is not None, "the whole raster was read"
        windows.append(window)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    members = pd.DataFrame(
        {"cluster_id": [0, 0, 1], "lat": [lat, lat + 0.01, -33.9], "lon": [lon, lon, 151.2]}
    )
    z = zonal_population(path, members, buffer_km=5.0).set_index("cluster_id")
    assert len(windows) == 2
    assert all(w.width * w.height < 20_000 for w in windows)
    # every cell within the footprint holds 10 (the footprint fits in the written block)
    cells = z.loc[0, "n_cells"]
    assert z.loc[0, "population"] == pytest.approx(10.0 * cells)
    assert 100 < cells < 400  # (5 km disc + 1.1 km) / ~0.6 km2 per cell
    assert z.loc[1, "population"] == 0.0


@pytest.mark.skipif(not GPW.exists(), reason="../shared/realdata GPW grid not present")
def test_gpw_grid_tokyo_population_of_the_right_order():
    lats = np.arange(35.30, 35.95, 0.05)
    lons = np.arange(139.35, 140.15, 0.05)
    la, lo = np.meshgrid(lats, lons, indexing="ij")
    members = pd.DataFrame({"cluster_id": 0, "lat": la.ravel(), "lon": lo.ravel()})
    ocean = pd.DataFrame({"cluster_id": [1], "lat": [0.0], "lon": [-140.0]})
    z = zonal_population(GPW, pd.concat([members, ocean]), buffer_km=5.0)
    z = z.set_index("cluster_id")
    assert 3e6 < z.loc[0, "population"] < 5e7
    assert z.loc[1, "population"] == 0.0  # NODATA ocean, not -9999 x share


# ----------------------------------------------------------------- intensity


def test_intensity_columns_units_and_ranks():
    ranking = pd.DataFrame(
        {
            "rank": [1, 2, 3, 4],
            "cluster_id": [10, 11, 12, 13],
            "name": ["Big", "Small", "Empty", "Beyond"],
            "pct_count": [1000.0, 300.0, 50.0, 80.0],
            "pct_share": [10.0, 3.0, 0.5, 0.8],
            "pub_count": [2000.0, 100.0, 10.0, 10.0],
            "pub_share": [5.0, 1.0, 0.1, 0.1],
            "score": [15.0, 4.0, 0.6, 0.9],
        }
    )
    pop = pd.DataFrame(
        {
            "cluster_id": [10, 11, 12, 13],
            "population": [10e6, 0.5e6, 0.0, 1e5],
            "area_km2": [1000.0, 50.0, 10.0, 5.0],
        }
    )
    out = intensity(ranking, pop, top_n=3)
    assert out["intensity"].tolist()[:2] == pytest.approx([1.5, 8.0])
    assert math.isnan(out["intensity"].iloc[2])  # nobody lives there
    assert out["pct_per_million"].tolist()[:2] == pytest.approx([100.0, 600.0])
    assert out["pub_per_million"].tolist()[:2] == pytest.approx([200.0, 200.0])
    assert out["intensity_rank"].tolist()[:2] == [2, 1]
    assert out["intensity_rank"].isna().tolist() == [False, False, True, True]
    assert out["area_km2"].tolist() == [1000.0, 50.0, 10.0, 5.0]
    # idempotent: applying it again replaces the columns
    again = intensity(out, pop, top_n=3)
    assert list(again.columns) == list(out.columns)


def test_zonal_on_a_projected_raster(tmp_path):
    # Web Mercator 500 m cells holding 1 each: at 45N a cell is 0.5 x 0.5 / 2 true km2, so a
    # 5 km disc (78.5 km2) covers about 78.5 * 2 / 0.25 = 628 cells
    from rasterio.warp import transform as warp_transform

    xs, ys = warp_transform("EPSG:4326", "EPSG:3857", [7.0], [45.0])
    x0, y0 = xs[0] - 20_000, ys[0] + 20_000
    path = tmp_path / "merc.tif"
    _write_tif(
        path,
        np.ones((80, 80), dtype="float32"),
        Affine(500.0, 0, x0, 0, -500.0, y0),
        crs="EPSG:3857",
    )
    z = zonal_population(path, pd.DataFrame({"cluster_id": [0], "lat": [45.0], "lon": [7.0]}))
    assert z["population"].iloc[0] == pytest.approx(math.pi * 25 * 2 / 0.25, rel=0.03)
