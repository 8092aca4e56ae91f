"""Snakemake adapter: score composition bars of a variant's top clusters."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet
from stclusters.logs import logged_step
from stclusters.report.charts import composition_bars

top_n = int(snakemake.wildcards.top_n)
with logged_step(snakemake.log[0], "composition bars"):
    composition_bars(
        read_parquet(snakemake.input.ranking),
        snakemake.output.png,
        top_n=top_n,
        weights=snakemake.params.weights,
        title=f"Score composition of the top {top_n} clusters: {snakemake.params.title}",
    )
