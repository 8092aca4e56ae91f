"""Snakemake adapter: compare the rankings of two variants."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.compare import compare_rankings, match_clusters
from stclusters.io import read_parquet, write_csv, write_json
from stclusters.locations import window_sum
from stclusters.logs import logged_step

wc = snakemake.wildcards
with logged_step(snakemake.log[0], f"compare {wc.a} vs {wc.b}") as log:
    variant_a = snakemake.params.variant_a
    current = {s: w["current"] for s, w in variant_a["windows"].items()}
    locs = window_sum(read_parquet(snakemake.input.locations), current, ["loc_id"])
    matches = match_clusters(
        read_parquet(snakemake.input.membership_a),
        read_parquet(snakemake.input.membership_b),
        locs,
    )
    table, summary = compare_rankings(
        read_parquet(snakemake.input.rank_a),
        read_parquet(snakemake.input.rank_b),
        matches,
        top_n=snakemake.params.top_n,
    )
    write_csv(table, snakemake.output.table)
    write_json(snakemake.output.summary, summary)
    log.info("summary: %s", summary)
