"""Snakemake adapter: rank uncertainty and variance-based indices of one variant."""

import time

import _bootstrap  # noqa: F401  (makes the stclusters package importable)
import numpy as np

from stclusters.io import read_parquet, write_csv, write_json, write_parquet
from stclusters.locations import window_sum
from stclusters.logs import logged_step
from stclusters.sensitivity.documents import source_data
from stclusters.sensitivity.engine import Engine
from stclusters.sensitivity.runs import Point, Settings
from stclusters.sensitivity.stage import sensitivity

inp = snakemake.input
full = snakemake.params.variant  # resolved, VC included (for the vc component)
weights = snakemake.params.source_weights  # the variant's own sources and weights
counting = snakemake.params.counting
countings = snakemake.params.countings
merge = snakemake.params.merge
st = Settings(**snakemake.params.settings)
name = snakemake.wildcards.variant
with logged_step(snakemake.log[0], f"sensitivity {name}") as log:
    t0 = time.perf_counter()
    current = {s: w["current"] for s, w in full["windows"].items()}
    locs = {c: window_sum(read_parquet(inp[f"locations_{c}"]), current, ["loc_id"])
            for c in countings}
    docs = {c: inp[f"docs_{c}"] for c in countings}  # read source by source
    sources = {}
    for s in full["sources"]:
        hdb = {c: read_parquet(inp[f"hdbscan_{s}_{c}"]) for c in countings
               if f"hdbscan_{s}_{c}" in inp.keys()}
        sources[s] = source_data(s, locs, docs, window=current[s], params=full["params"][s],
                                 hdbscan=hdb)
    del locs, docs
    engine = Engine(sources, merge["link_km"], merge["attach_km"], seed=st.seed)
    log.info("engine: %d locations, %d link pairs, %d attach candidates (%.1f s)", engine.n,
             engine.pairs.n_link_pairs, engine.pairs.n_attach_candidates, time.perf_counter() - t0)
    # the in-process DBSCAN must give the workflow's own labels at the nominal point
    for s in full["sources"]:
        cached = read_parquet(inp[f"labels_{s}"]).set_index("loc_id")["label"]
        mine = engine.labels(s, Point("nominal"), counting, -1)
        if not np.array_equal(cached.reindex(sources[s].loc_id).to_numpy(), mine):
            raise RuntimeError(f"{s}: in-process DBSCAN differs from {inp[f'labels_{s}']}")
    out = sensitivity(
        engine,
        read_parquet(inp.membership),
        read_parquet(inp.ranking),
        variant_weights=weights,
        counting=counting,
        settings=st,
        vc_weight=full["sources"].get("vc", 1.0),
        logger=log,
        ranking_label=str(inp.ranking),
    )
    write_csv(out["uncertainty"], snakemake.output.uncertainty)
    write_csv(out["by_component"], snakemake.output.by_component)
    write_csv(out["indices"], snakemake.output.indices)
    write_csv(out["runs"], snakemake.output.runs)
    write_parquet(out["ranks"], snakemake.output.ranks)
    u = out["uncertainty"]
    top = u[u["rank"] <= st.top_n]
    summary = {
        "variant": name,
        "settings": snakemake.params.settings,
        "runs_per_component": out["runs"]["component"].value_counts().sort_index().to_dict(),
        "nominal_check": out["checks"].iloc[0].to_dict(),
        "mean_interval_width_top5": float(top.head(5)["interval_width"].mean()),
        "mean_interval_width_near_cutoff": float(
            top[top["rank"] > st.top_n - 10]["interval_width"].mean()),
    }
    write_json(snakemake.output.summary, summary, default=int)
    log.info("neighbour graphs built: %d", engine.graphs_built)
    log.info("indices:\n%s", out["indices"].to_string())
    log.info("top 10:\n%s", u.head(10).to_string())
