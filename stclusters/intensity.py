"""S&T intensity: cluster output per inhabitant of the cluster's footprint.

Three steps (docs/methodology.md, "S&T intensity"):

1. **Population raster.** Any raster of population *counts* per cell that rasterio reads:
   a GHS-POP or GPW GeoTIFF, an ESRI ASCII grid (NODATA honoured), ... By default the
   workflow writes one from the GeoNames populations of the gazetteer
   (:func:`population_raster_from_places`).
2. **Footprint.** A cluster's footprint is the union of discs of radius ``buffer_km``
   around its member locations (:func:`footprints`). Where the discs of two clusters
   overlap, a point belongs to the cluster of its nearest member location, so no
   inhabitant is counted twice.
3. **Zonal sum** (:func:`zonal_population`): the raster is read with rasterio only in
   windows around each cluster (never whole), and each cell contributes its count times
   the share of the cell that lies in the footprint (see the function for the rule).

:func:`intensity` then adds population, intensity and output per million inhabitants to
a ranking.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from rasterio.errors import WindowError
from rasterio.transform import Affine
from rasterio.warp import transform as warp_transform
from rasterio.windows import Window
from scipy.spatial import cKDTree
from scipy.special import ndtr

from stclusters.geo import EARTH_RADIUS_KM, chord, to_xyz
from stclusters.io import atomic_path
from stclusters.tables import sources_in

__all__ = [
    "EARTH_RADIUS_KM",
    "KM_PER_DEG",
    "DEFAULT_BOUNDS",
    "DEFAULT_RES_DEG",
    "DEFAULT_PEAK_DENSITY",
    "population_raster_from_places",
    "member_locations",
    "footprints",
    "zonal_population",
    "intensity",
]

#: km per degree of latitude (and of longitude at the equator)
KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180.0

#: default raster extent (west, south, east, north): every inhabited latitude
DEFAULT_BOUNDS = (-180.0, -60.0, 180.0, 84.0)
#: default raster resolution: 1 arc-minute (about 1.85 km at the equator)
DEFAULT_RES_DEG = 1.0 / 60.0
#: central density (inhabitants per km^2) of each place's Gaussian: sets its width
DEFAULT_PEAK_DENSITY = 5000.0
#: smallest Gaussian sigma (km): villages are spread over about a 1 km disc at least
DEFAULT_MIN_SIGMA_KM = 0.5
#: a place lying within one sigma of a place this many times larger is taken for a section
#: of it (GeoNames lists city districts such as Tokyo's wards beside the city itself)
DEFAULT_NESTED_RATIO = 10.0
#: kernels are cut at this many sigmas (and renormalised to keep the place's population)
KERNEL_SIGMAS = 4.0

_BLOCK = 512
_CHORD_PER_KM = 1.0 / EARTH_RADIUS_KM


# ----------------------------------------------------------------- geometry helpers


def _sigma_km(pop: np.ndarray, peak_density: float, min_sigma_km: float) -> np.ndarray:
    return np.maximum(min_sigma_km, np.sqrt(np.maximum(pop, 0.0) / (2 * math.pi * peak_density)))


def _nested(places: pd.DataFrame, sigma_km: np.ndarray, ratio: float) -> np.ndarray:
    """Boolean mask: place lies within one sigma of a place ``ratio`` times as populous."""
    pop = places["population"].to_numpy(dtype="float64")
    out = np.zeros(len(places), dtype=bool)
    if not ratio or len(places) == 0:
        return out
    xyz = to_xyz(places["lat"].to_numpy(), places["lon"].to_numpy())
    tree = cKDTree(xyz)
    big = np.nonzero(pop >= ratio * max(pop[pop > 0].min(initial=1.0), 1.0))[0]
    for i in big:
        for j in tree.query_ball_point(xyz[i], chord(float(sigma_km[i]))):
            if j != i and pop[j] * ratio <= pop[i]:
                out[j] = True
    return out


# ----------------------------------------------------------------- the default raster


def population_raster_from_places(
    places: pd.DataFrame,
    out_tif: str | Path,
    res_deg: float = DEFAULT_RES_DEG,
    peak_density: float = DEFAULT_PEAK_DENSITY,
    min_sigma_km: float = DEFAULT_MIN_SIGMA_KM,
    nested_ratio: float | None = DEFAULT_NESTED_RATIO,
    bounds: tuple[float, float, float, float] = DEFAULT_BOUNDS,
) -> dict:
    """Write a population-count GeoTIFF generated from GeoNames place populations.

    The embedded default population raster (used when the config names none).

    Method
    ------
    Each place of ``places`` (``lat``, ``lon``, ``population``: the gazetteer
    ``results/gazetteer/places.parquet``) spreads its population over an isotropic
    Gaussian whose central density is ``peak_density`` inhabitants per km^2, i.e.
    ``sigma_km = sqrt(population / (2 pi peak_density))``, at least ``min_sigma_km``:
    a town of 10,000 gets sigma 0.5 km, a city of 1 million 5.6 km, one of 8 million
    16 km, so the built-up area grows in proportion to population as urban areas do. The
    Gaussian is integrated exactly over each cell (differences of the normal CDF along
    latitude and longitude, longitude distances scaled by cos(latitude)), cut at 4 sigma
    and renormalised, so the raster holds each place's population exactly (less what falls
    outside ``bounds``; the antimeridian is not wrapped). GeoNames lists city districts
    (Tokyo's wards, Paris's arrondissements) beside the city whose population already
    includes them: a place within one sigma of a place at least ``nested_ratio`` times as
    populous is taken for such a section and not added (``None`` or 0 keeps every place).
    Rural population outside GeoNames places (under the gazetteer's population cut) is
    absent, so footprints around small towns are undercounted.

    File
    ----
    Float32 GeoTIFF, EPSG:4326, cells of ``res_deg`` degrees aligned on ``bounds``
    (default 1 arc-minute over 180W-180E, 60S-84N: 21,600 x 8,640 cells), 512 x 512
    tiles, DEFLATE with the floating-point predictor, no nodata value (0 = nobody). It is
    written band by band (512 rows at a time) and only tiles holding population are
    written (a sparse GeoTIFF: absent tiles read as 0), so memory stays at one band
    (about 90 MB at the default resolution). No timestamp is written: the same places
    give the same bytes.

    Returns
    -------
    dict with ``path``, ``width``, ``height``, ``res_deg``, ``places_used``,
    ``places_nested`` (dropped as sections), ``population_places`` (population of the
    places used), ``population_raster`` (sum written), ``tiles_written`` and ``seconds``.
    """
    t0 = time.perf_counter()
    west, south, east, north = (float(b) for b in bounds)
    width = int(round((east - west) / res_deg))
    height = int(round((north - south) / res_deg))
    transform = Affine(res_deg, 0.0, west, 0.0, -res_deg, north)

    p = places[["lat", "lon", "population"]].copy()
    p = p[np.isfinite(p["lat"]) & np.isfinite(p["lon"]) & (p["population"] > 0)]
    p = p.reset_index(drop=True)
    pop = p["population"].to_numpy(dtype="float64")
    sigma = _sigma_km(pop, peak_density, min_sigma_km)
    nested = _nested(p, sigma, nested_ratio or 0.0)
    keep = ~nested
    lat = p["lat"].to_numpy(dtype="float64")[keep]
    lon = p["lon"].to_numpy(dtype="float64")[keep]
    pop, sigma = pop[keep], sigma[keep]

    sy = sigma / KM_PER_DEG  # sigma in degrees of latitude
    sx = sigma / (KM_PER_DEG * np.maximum(np.cos(np.radians(lat)), 0.01))
    # kernel extent in global row/col indices (end exclusive), unclipped
    r0 = np.floor((north - (lat + KERNEL_SIGMAS * sy)) / res_deg).astype(np.int64)
    r1 = np.floor((north - (lat - KERNEL_SIGMAS * sy)) / res_deg).astype(np.int64) + 1
    c0 = np.floor((lon - KERNEL_SIGMAS * sx - west) / res_deg).astype(np.int64)
    c1 = np.floor((lon + KERNEL_SIGMAS * sx - west) / res_deg).astype(np.int64) + 1
    inside = (r1 > 0) & (r0 < height) & (c1 > 0) & (c0 < width)
    order = np.argsort(r0, kind="stable")

    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": transform,
        "tiled": True,
        "blockxsize": _BLOCK,
        "blockysize": _BLOCK,
        "compress": "deflate",
        "predictor": 3,
        "zlevel": 6,
        "bigtiff": "IF_SAFER",
        "sparse_ok": True,
        "interleave": "band",
    }
    out_tif = Path(out_tif)
    total = 0.0
    tiles = 0
    # written under a temporary name and moved into place once complete
    with atomic_path(out_tif) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        for b0 in range(0, height, _BLOCK):
            b1 = min(b0 + _BLOCK, height)
            sel = order[(r0[order] < b1) & (r1[order] > b0) & inside[order]]
            if len(sel) == 0:
                continue
            band = np.zeros((b1 - b0, width), dtype="float64")
            for i in sel:
                rows = np.arange(r0[i], r1[i] + 1)
                cdf_y = ndtr((north - rows * res_deg - lat[i]) / sy[i])
                wy = cdf_y[:-1] - cdf_y[1:]
                cols = np.arange(c0[i], c1[i] + 1)
                cdf_x = ndtr((west + cols * res_deg - lon[i]) / sx[i])
                wx = cdf_x[1:] - cdf_x[:-1]
                sy_sum, sx_sum = wy.sum(), wx.sum()
                if sy_sum <= 0 or sx_sum <= 0:
                    continue
                ra, rb = max(r0[i], b0), min(r1[i], b1)
                ca, cb = max(c0[i], 0), min(c1[i], width)
                wy = wy[ra - r0[i] : rb - r0[i]] * (pop[i] / (sy_sum * sx_sum))
                wx = wx[ca - c0[i] : cb - c0[i]]
                band[ra - b0 : rb - b0, ca:cb] += np.outer(wy, wx)
            out = band.astype("float32")
            total += float(out.sum(dtype="float64"))
            for cs in range(0, width, _BLOCK):
                ce = min(cs + _BLOCK, width)
                tile = out[:, cs:ce]
                if tile.any():
                    dst.write(tile, 1, window=Window(cs, b0, ce - cs, b1 - b0))
                    tiles += 1
    return {
        "path": str(out_tif),
        "width": width,
        "height": height,
        "res_deg": float(res_deg),
        "places_used": int(keep.sum()),
        "places_nested": int(nested.sum()),
        "population_places": float(pop.sum()),
        "population_raster": total,
        "tiles_written": tiles,
        "seconds": round(time.perf_counter() - t0, 3),
    }


# ----------------------------------------------------------------- footprints


def member_locations(membership: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """Member locations of every S&T cluster: ``cluster_id``, ``lat``, ``lon``.

    ``membership`` is ``results/cluster/{variant}/membership.parquet`` (``source``,
    ``loc_id``, ``cluster_id``; -1 = not in a cluster); ``locations`` is any table with
    ``loc_id``, ``lat``, ``lon`` (``results/locations/locations.parquet``: a rounded point
    has the same ``loc_id`` in every source and window/year, so other columns are
    ignored). One row per distinct (cluster, location), sorted.
    """
    m = membership.loc[membership["cluster_id"].astype("int64") >= 0, ["loc_id", "cluster_id"]]
    xy = locations[["loc_id", "lat", "lon"]].drop_duplicates("loc_id")
    out = (
        m.astype({"loc_id": "int64", "cluster_id": "int64"})
        .drop_duplicates()
        .merge(xy.astype({"loc_id": "int64"}), on="loc_id", how="inner")
    )
    out = out.sort_values(["cluster_id", "loc_id"], kind="mergesort")
    return out[["cluster_id", "lat", "lon"]].reset_index(drop=True)


def _clean_members(members: pd.DataFrame) -> pd.DataFrame:
    m = members[["cluster_id", "lat", "lon"]].copy()
    m["cluster_id"] = m["cluster_id"].astype("int64")
    m = m[(m["cluster_id"] >= 0) & np.isfinite(m["lat"]) & np.isfinite(m["lon"])]
    return m.drop_duplicates().sort_values(["cluster_id", "lat", "lon"]).reset_index(drop=True)


class _Assigner:
    """Nearest member location within ``buffer_km`` -> its cluster (-1 when none)."""

    def __init__(self, members: pd.DataFrame, buffer_km: float):
        self.cluster = members["cluster_id"].to_numpy(dtype="int64")
        self.tree = cKDTree(to_xyz(members["lat"].to_numpy(), members["lon"].to_numpy()))
        self.chord = chord(buffer_km) * (1 + 1e-12)

    def __call__(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        out = np.full(len(lat), -1, dtype="int64")
        if len(lat) == 0:
            return out
        dist, idx = self.tree.query(to_xyz(lat, lon), k=1, distance_upper_bound=self.chord)
        hit = np.isfinite(dist)
        out[hit] = self.cluster[idx[hit]]
        return out


def _bboxes(members: pd.DataFrame, buffer_km: float) -> pd.DataFrame:
    g = members.groupby("cluster_id", sort=True)
    box = pd.DataFrame(
        {
            "n_locations": g.size(),
            "south": g["lat"].min(),
            "north": g["lat"].max(),
            "west": g["lon"].min(),
            "east": g["lon"].max(),
        }
    )
    dlat = buffer_km / KM_PER_DEG
    max_abs = np.maximum(box["south"].abs(), box["north"].abs()) + dlat
    dlon = buffer_km / (
        KM_PER_DEG * np.maximum(np.cos(np.radians(np.minimum(max_abs, 89.0))), 0.01)
    )
    box["south"] = np.maximum(box["south"] - dlat, -90.0)
    box["north"] = np.minimum(box["north"] + dlat, 90.0)
    box["west"] = box["west"] - dlon
    box["east"] = box["east"] + dlon
    return box.reset_index()


def footprints(
    members: pd.DataFrame, buffer_km: float = 5.0, step_km: float | None = None
) -> pd.DataFrame:
    """Footprint of each cluster: the union of discs of radius ``buffer_km`` (great-circle)
    around its member locations (``members``: ``cluster_id``, ``lat``, ``lon``;
    ``cluster_id`` < 0 ignored).

    A point within ``buffer_km`` of member locations of several clusters belongs to the
    cluster of the nearest one, so footprints never overlap. The footprint is not built as
    a polygon: it is evaluated on points, which is all a zonal sum needs.

    Returns one row per cluster: ``cluster_id``, ``n_locations``, the bounding box of the
    footprint ``west``, ``south``, ``east``, ``north`` (degrees; it holds every disc) and
    ``area_km2``, the footprint's area measured by counting the points of a global
    latitude/longitude lattice of spacing ``step_km`` (default ``buffer_km / 10``) that
    fall in it, each weighted by its cell area (accurate to about 1 %).
    """
    m = _clean_members(members)
    box = _bboxes(m, buffer_km)
    if m.empty:
        box["area_km2"] = pd.Series(dtype="float64")
        return box
    step_km = step_km or buffer_km / 10.0
    step = step_km / KM_PER_DEG
    assign = _Assigner(m, buffer_km)
    areas = []
    for cid, w, s, e, n in box[["cluster_id", "west", "south", "east", "north"]].itertuples(
        index=False
    ):
        lats = (np.arange(math.floor(s / step), math.ceil(n / step) + 1) + 0.5) * step
        lons = (np.arange(math.floor(w / step), math.ceil(e / step) + 1) + 0.5) * step
        la, lo = np.meshgrid(lats, lons, indexing="ij")
        la, lo = la.ravel(), lo.ravel()
        hit = assign(la, lo) == cid
        cell = (step * KM_PER_DEG) ** 2 * np.cos(np.radians(la[hit]))
        areas.append(float(cell.sum()))
    box["area_km2"] = areas
    return box[["cluster_id", "n_locations", "west", "south", "east", "north", "area_km2"]]


# ----------------------------------------------------------------- zonal sums


def _is_geographic(src) -> bool:
    if src.crs is None:
        b = src.bounds
        return -181 <= b.left and b.right <= 361 and -91 <= b.bottom and b.top <= 91
    return bool(src.crs.is_geographic)


def _cell_km(src, geographic: bool) -> float:
    a, e = abs(src.transform.a), abs(src.transform.e)
    if geographic:
        return max(a, e) * KM_PER_DEG
    factor = src.crs.linear_units_factor[1] if src.crs is not None else 1.0
    return max(a, e) * factor / 1000.0


def zonal_population(
    raster_path: str | Path,
    members: pd.DataFrame,
    buffer_km: float = 5.0,
    subcell_km: float | None = None,
    band: int = 1,
) -> pd.DataFrame:
    """Population of each cluster's footprint (:func:`footprints`) from a count raster.

    ``raster_path`` is anything rasterio opens holding population *counts* per cell: the
    default GeoTIFF, GHS-POP (EPSG:4326 or Mollweide), or an ESRI ASCII grid such as
    GPW's (a grid without CRS is taken as longitude/latitude degrees).

    Reading: for each cluster only the window of cells covering its footprint's bounding
    box is read (``DatasetReader.read(window=...)``), so a global 30-arc-second raster is
    never loaded whole. Cells equal to the raster's nodata value (GPW: -9999), masked or
    NaN count as 0.

    Rule: each cell contributes ``count x f``, where ``f`` is the share of the cell that
    lies in the footprint, measured on ``k x k`` equally spaced sample points per cell
    (each weighted by cos(latitude) on geographic rasters, i.e. by its true area).

    * Fine rasters, cells no larger than ``buffer_km / 2`` (the 1-arc-minute default,
      30-arc-second GHS-POP, with the 5 km buffer): ``k = 1``, so a cell counts whole when
      its centre lies in the footprint and not at all otherwise.
    * Coarse rasters (the 1-degree GPW grid, 111 km cells): ``k = ceil(cell size /
      subcell_km)``, ``subcell_km`` defaulting to ``buffer_km / 10`` (capped at
      ``k = 256``), so the cell's count is shared in proportion to the footprint area
      within it: population is assumed uniform within a cell.

    ``k`` is fixed per raster and sample points lie on one global lattice, so each sample
    point, like each footprint point, belongs to at most one cluster.

    Returns ``cluster_id``, ``population`` (float), ``area_km2`` (footprint area, from
    :func:`footprints`), ``n_cells`` (raster cells with a part in the footprint), one row
    per cluster of ``members``, sorted by ``cluster_id``.
    """
    m = _clean_members(members)
    fp = footprints(m, buffer_km)
    if m.empty:
        return pd.DataFrame(
            {
                "cluster_id": pd.Series(dtype="int64"),
                "population": pd.Series(dtype="float64"),
                "area_km2": pd.Series(dtype="float64"),
                "n_cells": pd.Series(dtype="int64"),
            }
        )
    assign = _Assigner(m, buffer_km)
    subcell_km = subcell_km or buffer_km / 10.0
    pops, ncells = [], []
    with rasterio.open(raster_path) as src:
        t = src.transform
        if t.b != 0 or t.d != 0:
            raise ValueError(f"{raster_path}: rotated rasters are not supported")
        geographic = _is_geographic(src)
        cell_km = _cell_km(src, geographic)
        k = 1
        if cell_km > buffer_km / 2.0:
            k = int(min(256, max(1, math.ceil(cell_km / subcell_km - 1e-9))))
        full = Window(0, 0, src.width, src.height)
        offs = (np.arange(k) + 0.5) / k
        for cid, w, s, e, n in fp[["cluster_id", "west", "south", "east", "north"]].itertuples(
            index=False
        ):
            if geographic:
                xs, ys = np.array([w, e, w, e]), np.array([s, s, n, n])
            else:
                gx = np.concatenate(
                    [np.linspace(w, e, 9), np.linspace(w, e, 9), np.full(9, w), np.full(9, e)]
                )
                gy = np.concatenate(
                    [np.full(9, s), np.full(9, n), np.linspace(s, n, 9), np.linspace(s, n, 9)]
                )
                xs, ys = (np.asarray(v) for v in warp_transform("EPSG:4326", src.crs, gx, gy))
            cols, rows = (xs - t.c) / t.a, (ys - t.f) / t.e
            c0, c1 = math.floor(np.min(cols)), math.ceil(np.max(cols))
            r0, r1 = math.floor(np.min(rows)), math.ceil(np.max(rows))
            try:
                win = Window(c0, r0, c1 - c0, r1 - r0).intersection(full)
            except WindowError:  # no overlap with the raster
                pops.append(0.0)
                ncells.append(0)
                continue
            win = Window(int(win.col_off), int(win.row_off), int(win.width), int(win.height))
            if win.width <= 0 or win.height <= 0:
                pops.append(0.0)
                ncells.append(0)
                continue
            data = src.read(band, window=win, masked=True).astype("float64")
            vals = np.where(np.ma.getmaskarray(data), 0.0, np.ma.getdata(data))
            vals = np.where(np.isfinite(vals), vals, 0.0)
            # sample points on a global lattice: cell index + (u + 0.5) / k, row chunks
            hit = np.zeros((win.height, win.width))
            tot = np.zeros((win.height, win.width))
            cx = win.col_off + np.arange(win.width)[:, None] + offs[None, :]  # (w, k)
            x_all = (t.c + t.a * cx).ravel()
            step = max(1, 2_000_000 // max(1, win.width * k * k))
            for ra in range(0, win.height, step):
                rb = min(ra + step, win.height)
                ry = win.row_off + np.arange(ra, rb)[:, None] + offs[None, :]  # (h', k)
                y = np.repeat((t.f + t.e * ry).ravel(), len(x_all))
                x = np.tile(x_all, (rb - ra) * k)
                if geographic:
                    lon, lat = x, y
                else:
                    lon, lat = (np.asarray(v) for v in warp_transform(src.crs, "EPSG:4326", x, y))
                lon = (lon + 180.0) % 360.0 - 180.0
                inside = (assign(lat, lon) == cid).astype("float64")
                wt = np.cos(np.radians(lat)) if geographic else np.ones_like(lat)
                shape = (rb - ra, k, win.width, k)
                hit[ra:rb] = (inside * wt).reshape(shape).sum(axis=(1, 3))
                tot[ra:rb] = wt.reshape(shape).sum(axis=(1, 3))
            frac = np.divide(hit, tot, out=np.zeros_like(hit), where=tot > 0)
            pops.append(float((vals * frac).sum()))
            ncells.append(int((frac > 0).sum()))
    return pd.DataFrame(
        {
            "cluster_id": fp["cluster_id"].to_numpy(dtype="int64"),
            "population": np.asarray(pops, dtype="float64"),
            "area_km2": fp["area_km2"].to_numpy(dtype="float64"),
            "n_cells": np.asarray(ncells, dtype="int64"),
        }
    )


# ----------------------------------------------------------------- intensity


def intensity(ranking: pd.DataFrame, population: pd.DataFrame, top_n: int = 100) -> pd.DataFrame:
    """Add S&T intensity to a ranking (``results/ranking/{variant}/clusters.csv``).

    ``population`` is :func:`zonal_population`'s output (``cluster_id``, ``population``,
    optionally ``area_km2``). Added columns:

    * ``population``: inhabitants of the footprint (NaN when the cluster has none);
    * ``area_km2`` when given;
    * ``intensity``: the sum of the cluster's ``{s}_share`` columns (percent of the world
      total of each source of the variant) per million inhabitants, i.e. percentage
      points of world output per million people (the GII's "sum of patent and publication
      shares divided by population", scaled to millions);
    * ``{s}_per_million`` for each source (``pct_per_million``, ``pub_per_million``,
      ``vc_per_million``): fractional counts over the window per million inhabitants;
    * ``intensity_rank``: rank by intensity (1 = highest) among the clusters ranked
      ``<= top_n`` by size, as GII Table 9 ranks the top 100; ties by size rank; missing
      for clusters beyond the top n or without population.

    Row order and the other columns are kept.
    """
    pop = population[["cluster_id", "population"]].copy()
    if "area_km2" in population.columns:
        pop["area_km2"] = population["area_km2"]
    pop["cluster_id"] = pop["cluster_id"].astype("int64")
    drop = [c for c in ("population", "area_km2", "intensity", "intensity_rank") if c in ranking]
    srcs = sources_in(ranking)
    drop += [f"{s}_per_million" for s in srcs if f"{s}_per_million" in ranking.columns]
    out = ranking.drop(columns=drop).copy()
    idx = out.index
    out = out.merge(pop, on="cluster_id", how="left")
    out.index = idx
    p = out["population"].astype("float64")
    per_m = (p / 1e6).where(p > 0)
    shares = sum((out[f"{s}_share"].astype("float64") for s in srcs), 0.0)
    out["intensity"] = shares / per_m
    for s in srcs:
        out[f"{s}_per_million"] = out[f"{s}_count"].astype("float64") / per_m
    eligible = (out["rank"] <= top_n) & np.isfinite(out["intensity"])
    el = out.loc[eligible, ["intensity", "rank"]].sort_values(
        ["intensity", "rank"], ascending=[False, True], kind="mergesort"
    )
    ranks = pd.Series(np.arange(1, len(el) + 1), index=el.index)
    out["intensity_rank"] = pd.array(ranks.reindex(out.index).to_numpy(), dtype="Int64")
    return out
