"""Snakemake adapter: geocoded records -> weighted unique rounded locations."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet, write_csv, write_parquet
from stclusters.locations import build_locations
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "locations") as log:
    placed = read_parquet(snakemake.input[0])
    out = build_locations(
        placed,
        windows=snakemake.params.windows,
        round_deg=snakemake.params.round_deg,
        exclude_methods=snakemake.params.exclude_methods,
        renormalize=snakemake.params.renormalize,
    )
    write_parquet(out["locations"], snakemake.output.locations)
    write_parquet(out["location_places"], snakemake.output.places)
    write_parquet(out["organizations"], snakemake.output.organizations)
    write_csv(out["accounting"], snakemake.output.accounting)
    log.info("%d locations\n%s", len(out["locations"]), out["accounting"].to_string())
