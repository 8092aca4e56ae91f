"""Snakemake adapter: reports/explorer.html, the offline explorer of every variant."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.briefs.data import load_variant
from stclusters.explorer import write_explorer
from stclusters.logs import logged_step

p = snakemake.params
inp = snakemake.input
with logged_step(snakemake.log[0], "explorer") as log:
    variants = [
        load_variant(desc, getattr(inp, f"ranking_{v}"), getattr(inp, f"membership_{v}"),
                     getattr(inp, f"locations_{v}"),
                     getattr(inp, f"uncertainty_{v}", None) if v in p.sensitivity else None)
        for v, desc in p.variants.items()
    ]
    size = write_explorer(
        snakemake.output[0],
        variants,
        brief_indexes=p.briefs,
        top_n=p.top_n,
        sens_top_n=p.sens_top_n,
        max_rank=p.max_rank,
        compare=p.compare,
    )
    log.info("explorer: %d variants, %.2f MB", len(variants), size / 1e6)
