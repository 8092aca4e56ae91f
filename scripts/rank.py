"""Snakemake adapter: rank a variant's S&T clusters."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet, write_csv, write_parquet
from stclusters.logs import logged_step
from stclusters.rank import rank_variant

with logged_step(snakemake.log[0], f"rank {snakemake.wildcards.variant}") as log:
    ranking = rank_variant(
        read_parquet(snakemake.input.locations),
        read_parquet(snakemake.input.membership),
        read_parquet(snakemake.input.clusters),
        read_parquet(snakemake.input.organizations),
        source_weights=snakemake.params.sources,
        attach_km=snakemake.params.attach_km,
    )
    write_parquet(ranking, snakemake.output.parquet)
    write_csv(ranking, snakemake.output.csv)
    log.info("top 10:\n%s", ranking.head(10)[["rank", "name", "economy", "score"]].to_string())
