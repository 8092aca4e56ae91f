"""Snakemake adapter: rank-change chart between two variants (PNG and PDF)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)
import pandas as pd

from stclusters.logs import logged_step
from stclusters.report.charts import rank_change_chart

with logged_step(snakemake.log[0], "rank change figure"):
    rank_change_chart(
        pd.read_csv(snakemake.input[0]),
        snakemake.output.png,
        label_a=snakemake.params.label_a,
        label_b=snakemake.params.label_b,
    )
