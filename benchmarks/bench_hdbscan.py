"""Weighted HDBSCAN benchmark (issue "Exact weighted HDBSCAN"): a script, not a test.

Usage (from the repository root; fast_hdbscan comes with ``pip install -e '.[bench]'``)::

    .venv/bin/python benchmarks/bench_hdbscan.py                 # all parts
    .venv/bin/python benchmarks/bench_hdbscan.py --parts exact   # one part: exact | scale
    .venv/bin/python benchmarks/bench_hdbscan.py --sizes 1000000 2000000 --cap-gib 6

Every method runs in a fresh Python subprocess, so its wall time includes importing and
loading (or compiling) numba code, and its peak RSS (``ru_maxrss``) is its own. Thresholds
are the workflow's defaults: ``min_samples_weight = min_cluster_weight = 0.0004 x total``.

* ``exact``: integer weights (whole counting, ~200,000 unique locations); ours
  (:func:`stclusters.cluster.hdbscan_labels`) against ``hdbscan.HDBSCAN`` on the integer
  copies (``min_samples = min_samples_weight - 1``, ``min_cluster_size =
  min_cluster_weight``, exact MST) and ``fast_hdbscan`` with ``sample_weight``; the
  partitions are compared (adjusted Rand index and locations labelled differently, noise
  counted as its own class).
* ``scale``: fractional weights (fractional counting) on 1,000,000 and 2,000,000 unique
  locations; ours cold (an empty numba cache: compilation counted) and warm, against
  ``fast_hdbscan`` with ``sample_weight`` and ``hdbscan`` on copies under the previous
  stclusters budget of 200,000 copies (``unit = max(smallest weight, total / 200,000)``).
  A reference whose estimated memory exceeds ``--cap-gib`` is skipped and reported with
  its estimate (``fast_hdbscan``: a k-NN table of ``2 x min_samples / mean weight``
  neighbours per point; ``hdbscan``: ``min_samples + 1`` neighbours per copy).

Data: GeoNames cities of at least 15,000 inhabitants drawn by population and jittered
(sigma 5 km), plus 15 % diffuse points (sigma 60 km), each raw point weighing 1/k
(k = 1..6: fractional counting) or 1 (whole counting), rounded to 0.01 degree and summed
per unique location: heavy-tailed location weights and a diffuse background. Seeded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

GIB = 1024**3
SHARE = 0.0004  # min_samples_share = min_cluster_share (config defaults)


def synthetic_locations(n_raw: int, seed: int, whole: bool = False):
    """Unique rounded locations (lat, lon, weight) from ``n_raw`` raw points."""
    from bench_cluster import synthetic_points

    from stclusters.locations import grid_index, loc_ids

    rng = np.random.default_rng(seed)
    n_noise = int(0.15 * n_raw)
    lat1, lon1 = synthetic_points(n_raw - n_noise, seed)
    lat2, lon2 = synthetic_points(n_noise, seed + 1, sigma_km=60.0)
    lat, lon = np.concatenate([lat1, lat2]), np.concatenate([lon1, lon2])
    w = np.ones(len(lat)) if whole else 1.0 / rng.integers(1, 7, len(lat))
    ids = loc_ids(lat, lon, 0.01)
    _, first, inv = np.unique(ids, return_index=True, return_inverse=True)
    weight = np.bincount(inv.ravel(), weights=w)
    ilat, ilon = grid_index(lat[first], lon[first], 0.01)
    return np.round(ilat * 0.01, 6), np.round(ilon * 0.01, 6), weight


def locations_at_least(n_unique: int, seed: int, whole: bool = False):
    """About ``n_unique`` locations: enough raw points, then a seeded subset."""
    n_raw = int(n_unique * 1.55)
    while True:
        lat, lon, w = synthetic_locations(n_raw, seed, whole)
        if len(lat) >= n_unique:
            keep = np.sort(np.random.default_rng(seed).permutation(len(lat))[:n_unique])
            return lat[keep], lon[keep], w[keep]
        n_raw = int(n_raw * 1.2)


# ------------------------------------------------------------------ children


def _cpu_s() -> float:
    """CPU seconds (user + system, all threads) of this process so far."""
    t = os.times()
    return t.user + t.system


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB


def run_method(method: str, data: str, out: str, budget: int) -> dict:
    """One method on the saved data; labels to ``out`` (.npy); stats as a dict."""
    t_start = time.perf_counter()
    d = np.load(data)
    lat, lon, w = d["lat"], d["lon"], d["w"]
    total = float(w.sum())
    mcw = msw = SHARE * total
    t0 = time.perf_counter()
    c0 = _cpu_s()
    info: dict = {}
    if method == "ours":
        from stclusters.cluster import hdbscan_labels

        lab = hdbscan_labels(lat, lon, w, mcw, msw)
    elif method == "fast_hdbscan":
        import fast_hdbscan

        from stclusters.geo import to_xyz

        model = fast_hdbscan.HDBSCAN(min_cluster_size=max(2, round(mcw)),
                                     min_samples=max(1, round(msw)))
        lab = model.fit_predict(to_xyz(lat, lon), sample_weight=w)
    elif method in ("hdbscan_copies", "hdbscan_exact_copies"):
        import hdbscan

        from stclusters.geo import to_xyz

        if method == "hdbscan_exact_copies":  # integer weights: one copy per record
            unit, copies = 1.0, np.rint(w).astype(np.int64)
            mcs, ms = round(mcw), max(1, round(msw) - 1)
            kw = {"approx_min_span_tree": False}
        else:  # the previous stclusters.cluster.hdbscan_labels
            unit = max(float(w.min()), total / float(budget))
            copies = np.maximum(1, np.rint(w / unit)).astype(np.int64)
            mcs = max(2, int(np.ceil(mcw / unit - 1e-9)))
            ms = max(1, int(np.ceil(msw / unit - 1e-9)))
            kw = {}
        xyz = np.repeat(to_xyz(lat, lon), copies, axis=0)
        owner = np.repeat(np.arange(len(lat)), copies)
        cl = hdbscan.HDBSCAN(min_cluster_size=int(mcs), min_samples=int(ms), **kw).fit_predict(xyz)
        shift = cl + 1  # majority label of each location's copies
        k = int(shift.max()) + 1
        counts = np.bincount(owner * k + shift, minlength=len(lat) * k).reshape(len(lat), k)
        lab = counts.argmax(axis=1) - 1
        info = {"copies": int(copies.sum()), "unit": unit,
                "weight_seen_ratio": float((copies * unit).sum() / total)}
    else:
        raise ValueError(method)
    t_fit = time.perf_counter() - t0
    cpu_fit = _cpu_s() - c0
    lab = np.asarray(lab, dtype=np.int64)
    np.save(out, lab)
    pos = lab >= 0
    sizes = np.bincount(lab[pos], weights=w[pos]) if pos.any() else np.zeros(0)
    sizes = sizes[sizes > 0]
    return {"method": method, "n": len(lat), "t_fit_s": t_fit, "cpu_fit_s": cpu_fit,
            "t_process_s": time.perf_counter() - t_start, "cpu_process_s": _cpu_s(),
            "peak_rss_gib": _peak_gib(),
            "n_clusters": int(len(sizes)),
            "clusters_below_mcw": int((sizes < mcw * (1 - 1e-9)).sum()),
            "share_clustered": float(w[pos].sum() / total), **info}


def estimate_gib(method: str, lat_w: np.ndarray, budget: int) -> float:
    """Rough peak memory of a reference method (its neighbour tables dominate)."""
    w = lat_w
    total = float(w.sum())
    msw = SHARE * total
    n = len(w)
    if method == "fast_hdbscan":
        k = int(2 * msw / float(w.mean()))
        return n * k * 8 * 1.5 / GIB  # int32 indices + float32 distances, plus copies
    if method == "hdbscan_exact_copies":
        n_copies = float(np.rint(w).sum())
        return n_copies * (msw + 1) * 16 * 1.3 / GIB
    if method == "hdbscan_copies":
        unit = max(float(w.min()), total / float(budget))
        n_copies = float(np.maximum(1, np.rint(w / unit)).sum())
        return n_copies * (np.ceil(msw / unit) + 1) * 16 * 1.3 / GIB + 0.5
    return 0.0


def child(method: str, data: str, out: str, budget: int, env: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", method, "--data", data, "--out", out,
           "--budget", str(budget)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"method": method, "status": f"failed (exit {proc.returncode})",
                "stderr": proc.stderr[-1200:], "wall_s": time.perf_counter() - t0}
    res = json.loads(lines[-1])
    res["wall_s"] = time.perf_counter() - t0
    return res


# ------------------------------------------------------------------ parts


def agreement(a: np.ndarray, b: np.ndarray) -> dict:
    """Adjusted Rand index (noise as a class) and locations labelled differently."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score

    ari = float(adjusted_rand_score(a, b))
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    cont = np.zeros((len(ua), len(ub)), dtype=np.int64)
    np.add.at(cont, (ia.ravel(), ib.ravel()), 1)
    r, c = linear_sum_assignment(-cont)
    return {"ari": ari, "differ": int(len(a) - cont[r, c].sum())}


def run_part(name: str, n: int, whole: bool, methods: list[str], args, tmp: Path) -> list[dict]:
    lat, lon, w = locations_at_least(n, args.seed, whole)
    data = tmp / f"{name}_{n}.npz"
    np.savez(data, lat=lat, lon=lon, w=w)
    rows = []
    labels = {}
    if args.methods:
        methods = [m for m in methods if m in args.methods]
    for m in methods:
        env = None
        tag = m
        if m.startswith("ours"):
            env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp / f"numba_{name}"))
            tag = "ours_cold" if m == "ours_cold" else "ours"
            m = "ours"
        est = estimate_gib(m, w, args.budget)
        if est > args.cap_gib:
            rows.append({"part": name, "method": tag, "n": len(lat),
                         "status": f"skipped: estimated {est:.1f} GiB > cap {args.cap_gib} GiB"})
            print(json.dumps(rows[-1]), flush=True)
            continue
        out = tmp / f"{name}_{n}_{tag}.npy"
        res = child(m, str(data), str(out), args.budget, env)
        res.update(part=name, method=tag, total_weight=float(w.sum()),
                   msw=SHARE * float(w.sum()))
        if out.exists():
            labels[tag] = np.load(out)
            if "ours" in labels and tag != "ours":
                res.update(agreement(labels["ours"], labels[tag]))
        rows.append(res)
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parts", nargs="+", default=["exact", "scale"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[1_000_000, 2_000_000])
    ap.add_argument("--exact-size", type=int, default=200_000)
    ap.add_argument("--cap-gib", type=float, default=6.0)
    ap.add_argument("--budget", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=20240926)
    ap.add_argument("--methods", nargs="+", default=None,
                    help="only these (ours_cold ours hdbscan_exact_copies fast_hdbscan "
                         "hdbscan_copies)")
    ap.add_argument("--child")
    ap.add_argument("--data")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_method(args.child, args.data, args.out, args.budget)))
        return
    print(json.dumps({"uptime": os.getloadavg(), "cpus": os.cpu_count()}), flush=True)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = []
        if "exact" in args.parts:
            rows += run_part("exact", args.exact_size, True,
                             ["ours_cold", "ours", "hdbscan_exact_copies", "fast_hdbscan"],
                             args, tmp)
        if "scale" in args.parts:
            for n in args.sizes:
                methods = ["ours", "fast_hdbscan", "hdbscan_copies"]
                if n == args.sizes[0]:
                    methods = ["ours_cold", *methods]
                rows += run_part("scale", n, False, methods, args, tmp)
    print(json.dumps({"uptime_end": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
