"""Snakemake adapter: execute a report notebook and export it to HTML."""

import os

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.logs import logged_step
from stclusters.report.render import render_notebook

with logged_step(snakemake.log[0], f"report {snakemake.output.html}"):
    render_notebook(
        snakemake.input.notebook,
        snakemake.output.html,
        dict(snakemake.params.nb_params),
        executed_ipynb=snakemake.output.notebook,
        cwd=os.getcwd(),
    )
