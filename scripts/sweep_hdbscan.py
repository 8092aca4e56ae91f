"""Snakemake adapter: HDBSCAN labels of one source at one min_samples_share for every
min_cluster_share of the sweep grid (one hierarchy serves them all)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)
import numpy as np
import pandas as pd

from stclusters.cluster import hdbscan_sweep
from stclusters.io import read_parquet, write_parquet
from stclusters.locations import window_sum
from stclusters.logs import logged_step

wc = snakemake.wildcards
mss = float(wc.mss)
shares = [float(m) for m in snakemake.params.min_cluster_share]
step = (f"sweep hdbscan {wc.locspec} {wc.source} {wc.first}-{wc.last} "
        f"min_samples_share {mss} x {len(shares)}")
with logged_step(snakemake.log[0], step) as log:
    locs = read_parquet(snakemake.input[0])
    window = {wc.source: (int(wc.first), int(wc.last))}
    cur = window_sum(locs[locs["source"] == wc.source], window, ["loc_id"])
    # the same order and threshold arithmetic as stclusters.cluster.cluster_source, so a
    # grid point equal to the clustering parameters gives the labels of rules/cluster.smk
    cur = cur.sort_values("loc_id", kind="stable")
    w = cur["weight"].to_numpy(np.float64)
    total = float(w.sum())
    msw = mss * total
    mcws = [m * total for m in shares]
    labels = hdbscan_sweep(cur["lat"].to_numpy(np.float64), cur["lon"].to_numpy(np.float64),
                           w, [msw], mcws)
    loc_id = cur["loc_id"].to_numpy(np.int64)
    for mcs, mcw, out in zip(shares, mcws, snakemake.output, strict=True):
        lab = labels[(float(msw), float(mcw))]
        write_parquet(pd.DataFrame({"loc_id": loc_id, "label": lab}), out)
        log.info("min_cluster_share %g (min_cluster_weight %.3f, min_samples_weight %.3f): "
                 "%d clusters", mcs, mcw, msw, int(lab.max()) + 1)
