"""Snakemake adapter: rank-uncertainty chart of a variant's top clusters."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)
import pandas as pd

from stclusters.logs import logged_step
from stclusters.report.charts import rank_uncertainty_chart

top_n = int(snakemake.params.top_n)
with logged_step(snakemake.log[0], "rank uncertainty chart"):
    rank_uncertainty_chart(
        pd.read_csv(snakemake.input.uncertainty),
        snakemake.output.png,
        top_n=top_n,
        title=f"Rank uncertainty of the top {top_n} clusters: {snakemake.params.title}",
        note="Intervals over the sensitivity runs (perturbed parameters); "
        "results/sensitivity/ holds the runs.",
    )
