"""Snakemake adapter: heatmaps of one source's parameter sweep summary."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)
import pandas as pd

from stclusters.logs import logged_step
from stclusters.report.charts import sweep_heatmap
from stclusters.sweep import METRICS

# an HDBSCAN sweep names its grid axes; the DBSCAN sweep uses the defaults
axes = {k: tuple(snakemake.params[k]) for k in ("axes", "axis_labels")
        if k in snakemake.params.keys()}
with logged_step(snakemake.log[0], "sweep heatmap"):
    sweep_heatmap(
        pd.read_csv(snakemake.input[0]),
        snakemake.output[0],
        metric=["n_clusters", "top_share", "share_clustered", "spearman"],
        title=snakemake.params.title,
        top_n=snakemake.params.top_n,
        titles=METRICS,
        **axes,
    )
