# stclusters: the GII science-and-technology cluster ranking, end to end.
# Stages live in rules/*.smk; logic lives in the stclusters package; scripts/ adapts.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "schemas/config.schema.yaml")


include: "rules/common.smk"
include: "rules/resources.smk"
include: "rules/demo.smk"
include: "rules/extract.smk"
include: "rules/geocode.smk"
include: "rules/locations.smk"
include: "rules/cluster.smk"
include: "rules/rank.smk"
include: "rules/intensity.smk"
include: "rules/figures.smk"
include: "rules/tables.smk"
include: "rules/report.smk"
include: "rules/sweep.smk"
include: "rules/regional.smk"
include: "rules/sensitivity.smk"
include: "rules/briefs.smk"


rule all:
    input:
        final_targets(),
    default_target: True
