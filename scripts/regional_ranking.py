"""Snakemake adapter: rank one region's S&T clusters with its own density."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet, write_csv, write_parquet
from stclusters.locations import window_sum
from stclusters.logs import logged_step
from stclusters.regional import regional_ranking

spec = snakemake.params.spec
variant = snakemake.params.variant
windows = variant["windows"]
current = {s: w["current"] for s, w in windows.items()}
previous = {s: w["previous"] for s, w in windows.items()}
with logged_step(snakemake.log[0], f"regional {snakemake.wildcards.region}") as log:
    locs = read_parquet(snakemake.input.locations)
    lp = read_parquet(snakemake.input.location_places)
    ranking, membership = regional_ranking(
        window_sum(locs, current, ["loc_id"]),
        window_sum(locs, previous, ["loc_id"]),
        lp,
        window_sum(lp, current, ["loc_id", "geonameid", "place_name", "admin1",
                                 "country_iso2"]),
        window_sum(read_parquet(snakemake.input.organizations), current,
                   ["loc_id", "organization"]),
        read_parquet(snakemake.input.places),
        variant,
        continent=spec["continent"],
        min_share=spec["min_share"],
        merge=snakemake.params.merge,
    )
    write_parquet(ranking, snakemake.output.parquet)
    write_csv(ranking, snakemake.output.csv)
    write_parquet(membership, snakemake.output.membership)
    log.info("%d clusters in %s; top 10:\n%s", len(ranking), spec["continent"],
             ranking.head(10)[["rank", "name", "economy", "score"]].to_string())
