"""Snakemake adapter: the top cluster briefs of one variant (HTML and PDF per cluster)."""

from pathlib import Path

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.briefs.build import write_briefs
from stclusters.briefs.data import load_variant
from stclusters.io import read_parquet
from stclusters.logs import logged_step

p = snakemake.params
inp = snakemake.input
with logged_step(snakemake.log[0], f"briefs {snakemake.wildcards.variant}") as log:
    variants = [
        load_variant(desc, getattr(inp, f"ranking_{v}"), getattr(inp, f"membership_{v}"),
                     getattr(inp, f"locations_{v}"),
                     getattr(inp, f"uncertainty_{v}", None) if v in p.sensitivity else None)
        for v, desc in p.variants.items()
    ]
    ref = next(v for v in variants if v.name == snakemake.wildcards.variant)
    write_briefs(
        Path(snakemake.output.index_html).parent,
        ref,
        variants,
        read_parquet(inp.organizations),
        read_parquet(inp.location_places),
        n_briefs=p.n_briefs,
        top_n=p.top_n,
        sens_top_n=p.sens_top_n,
        log=log,
    )
