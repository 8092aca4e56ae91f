"""Snakemake adapter: DBSCAN labels of one source at one eps for every sweep density."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)
import numpy as np
import pandas as pd

from stclusters.cluster import dbscan_sweep, min_weight_for
from stclusters.io import read_parquet, write_parquet
from stclusters.locations import window_sum
from stclusters.logs import logged_step

wc = snakemake.wildcards
eps = float(wc.eps)
shares = [float(m) for m in snakemake.params.min_share]
step = f"sweep {wc.locspec} {wc.source} {wc.first}-{wc.last} eps {eps} km x {len(shares)}"
with logged_step(snakemake.log[0], step) as log:
    locs = read_parquet(snakemake.input[0])
    window = {wc.source: (int(wc.first), int(wc.last))}
    cur = window_sum(locs[locs["source"] == wc.source], window, ["loc_id"])
    # the same order and threshold arithmetic as stclusters.cluster.cluster_source, so the
    # baseline point's labels equal those of rules/cluster.smk
    cur = cur.sort_values("loc_id", kind="stable")
    w = cur["weight"].to_numpy(np.float64)
    total = float(w.sum())
    mws = [min_weight_for(total, min_share=m) for m in shares]
    labels = dbscan_sweep(cur["lat"].to_numpy(np.float64), cur["lon"].to_numpy(np.float64), w,
                          [eps], mws)
    loc_id = cur["loc_id"].to_numpy(np.int64)
    for ms, mw, out in zip(shares, mws, snakemake.output, strict=True):
        lab = labels[(eps, float(mw))]
        write_parquet(pd.DataFrame({"loc_id": loc_id, "label": lab}), out)
        log.info("min_share %g (min_weight %.3f): %d clusters", ms, mw, int(lab.max()) + 1)
