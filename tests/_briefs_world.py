"""A small synthetic world for the briefs and explorer tests: a dozen separated clusters
with per-year locations, organisations and places, ranked by the real
:func:`stclusters.rank.rank_variant`, written to disk and read back with
:func:`stclusters.briefs.data.load_variant`.

Three variants: ``v1`` (PCT + publications), ``v2`` (+ VC, which puts another cluster
first) and ``v3`` (as ``v2`` on a 0.02-degree grid: its location ids differ). ``v1`` and
``v2`` have sensitivity intervals. One organisation name carries markup, to test escaping.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.briefs.data import Variant, load_variant
from stclusters.io import write_parquet
from stclusters.locations import loc_ids, window_sum
from stclusters.rank import rank_variant

NASTY = '<script>alert("x")</script> & Sons </script><!--'
CENTRES = [  # name, economy, lat, lon
    ("Tokyo–Yokohama", "JP", 35.65, 139.70), ("Shenzhen–Hong Kong", "CN/HK", 22.6, 114.1),
    ("San Jose–San Francisco, CA", "US", 37.5, -122.1), ("Beijing", "CN", 39.9, 116.4),
    ("Seoul", "KR", 37.55, 126.98), ("Paris", "FR", 48.85, 2.35),
    ("Boston–Cambridge, MA", "US", 42.36, -71.06), ("London", "GB", 51.5, -0.12),
    ("München", "DE", 48.14, 11.58), ("Bengaluru", "IN", 12.97, 77.59),
    ("Nairobi", "KE", -1.29, 36.82), ("東京", "JP", 35.0, 135.8),
]
WINDOWS = {s: {"current": [2019, 2023], "previous": [2018, 2022]} for s in ("pct", "pub", "vc")}
YEARS = range(2018, 2024)


def _desc(name: str, sources: dict[str, float], round_deg: float = 0.01) -> dict:
    return {"name": name, "label": f"Variant {name}", "sources": sources,
            "windows": {s: WINDOWS[s] for s in sources}, "round_deg": round_deg,
            "counting": "fractional"}


def _raw(seed: int = 7) -> pd.DataFrame:
    """Weighted points per cluster, source and year (before rounding)."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, (_name, eco, lat, lon) in enumerate(CENTRES):
        size = 40.0 / (k + 1)
        for j in range(16):
            plat = lat + rng.normal(0, 0.05)
            plon = lon + rng.normal(0, 0.05)
            for s in ("pct", "pub", "vc"):
                boost = 12.0 if (s == "vc" and k == 2) else 1.0
                for y in YEARS:
                    w = float(rng.gamma(2.0, size * boost / 16))
                    rows.append((k, j, s, y, plat, plon, w, eco.split("/")[j % len(eco.split("/"))]))
    return pd.DataFrame(rows, columns=["k", "j", "source", "year", "lat", "lon", "weight",
                                       "country"])


def _tables(raw: pd.DataFrame, round_deg: float) -> dict[str, pd.DataFrame]:
    """Locations, organisations, places and membership on a ``round_deg`` grid."""
    r = raw.copy()
    r["lat"] = np.round(r["lat"] / round_deg) * round_deg
    r["lon"] = np.round(r["lon"] / round_deg) * round_deg
    r["loc_id"] = loc_ids(r["lat"].to_numpy(), r["lon"].to_numpy(), round_deg)
    keys = ["source", "year", "loc_id"]
    locs = r.groupby(keys, as_index=False).agg(lat=("lat", "first"), lon=("lon", "first"),
                                               weight=("weight", "sum"))
    locs["n_records"] = 1
    locs["n_docs"] = 1
    r["organization"] = [NASTY if (k == 0 and j % 7 < 2) else f"Org {k}-{j % 7}"
                         for k, j in zip(r["k"], r["j"], strict=True)]
    orgs = r.groupby([*keys, "organization"], as_index=False)["weight"].sum()
    r["place_name"] = [CENTRES[k][0].split("–")[0] if j < 10 else f"Suburb {k}-{j % 3}"
                       for k, j in zip(r["k"], r["j"], strict=True)]
    places = r.groupby([*keys, "place_name", "country"], as_index=False)["weight"].sum()
    places = places.rename(columns={"country": "country_iso2"})
    places["geonameid"] = 1
    places["admin1"] = "01"
    member = r.drop_duplicates(["source", "loc_id"])[["source", "loc_id", "k"]]
    member = member.rename(columns={"k": "cluster_id"}).assign(how="member")
    return {"locations": locs, "organizations": orgs, "location_places": places,
            "membership": member.reset_index(drop=True)}


def build_world(folder: Path) -> dict:
    """Write the world under ``folder``; returns ``variants`` (loaded), ``organizations``,
    ``location_places`` (per variant) and the file paths."""
    raw = _raw()
    descs = [_desc("v1", {"pct": 1.0, "pub": 1.0}),
             _desc("v2", {"pct": 1.0, "pub": 1.0, "vc": 1.0}),
             _desc("v3", {"pct": 1.0, "pub": 1.0, "vc": 1.0}, round_deg=0.02)]
    clusters = pd.DataFrame({"cluster_id": range(len(CENTRES)),
                             "name": [c[0] for c in CENTRES], "economy": [c[1] for c in CENTRES],
                             "lat": [c[2] for c in CENTRES], "lon": [c[3] for c in CENTRES]})
    out: dict = {"variants": [], "organizations": {}, "location_places": {}, "paths": {}}
    for d in descs:
        t = _tables(raw, d["round_deg"])
        cur = {s: w["current"] for s, w in d["windows"].items()}
        prev = {s: w["previous"] for s, w in d["windows"].items()}
        locs = t["locations"]
        mem = t["membership"][t["membership"]["source"].isin(d["sources"])]
        ranking = rank_variant(
            window_sum(locs, cur, ["loc_id"]), window_sum(locs, prev, ["loc_id"]), mem, clusters,
            window_sum(t["organizations"], cur, ["loc_id", "organization"]), d["sources"])
        base = folder / d["name"]
        paths = {"ranking": base / "clusters.parquet", "membership": base / "membership.parquet",
                 "locations": base / "locations.parquet", "uncertainty": None}
        write_parquet(ranking, paths["ranking"])
        write_parquet(mem, paths["membership"])
        write_parquet(locs, paths["locations"])
        if d["name"] != "v3":
            rk = ranking["rank"].to_numpy()
            unc = pd.DataFrame({"cluster_id": ranking["cluster_id"], "rank": rk,
                                "median_rank": rk, "p05_rank": np.maximum(1, rk - 1),
                                "p95_rank": rk + 2, "share_top100": 1.0})
            paths["uncertainty"] = base / "rank_uncertainty.csv"
            unc.to_csv(paths["uncertainty"], index=False)
        v = load_variant(d, str(paths["ranking"]), str(paths["membership"]),
                         str(paths["locations"]),
                         str(paths["uncertainty"]) if paths["uncertainty"] else None)
        out["variants"].append(v)
        out["organizations"][d["name"]] = t["organizations"]
        out["location_places"][d["name"]] = t["location_places"]
        out["paths"][d["name"]] = paths
    return out


def variant(world: dict, name: str) -> Variant:
    """The loaded variant ``name``."""
    return next(v for v in world["variants"] if v.name == name)
