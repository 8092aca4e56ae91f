"""Snakemake adapter: execute a report notebook and export it to HTML.

The notebook receives its parameters and, as `inputs`, every named input of the rule
(name -> path, or list of paths), so it reads its files by name.
"""

import os

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.logs import logged_step
from stclusters.report.render import render_notebook

inputs = {
    name: (list(map(str, value)) if isinstance(value, list) else str(value))
    for name, value in snakemake.input.items()
    if name not in ("notebook", "code")
}

with logged_step(snakemake.log[0], f"report {snakemake.output.html}"):
    render_notebook(
        snakemake.input.notebook,
        snakemake.output.html,
        {**dict(snakemake.params.nb_params), "inputs": inputs},
        executed_ipynb=snakemake.output.notebook,
        cwd=os.getcwd(),
    )
