# stclusters: the GII science-and-technology cluster ranking, end to end.
# Stages live in rules/*.smk; logic lives in the stclusters package; scripts/ adapts.

import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from stclusters.preflight import schema_error_line

min_version("9.0")


configfile: "config.yaml"


# a value the schema rejects stops the run with one line naming the key; the checks the
# schema cannot make follow in rules/common.smk (stclusters/preflight.py)
try:
    validate(config, "schemas/config.schema.yaml")
except WorkflowError as _exc:
    if schema_error_line(_exc) is None:
        raise
    print(f"stclusters: config error: {schema_error_line(_exc)}", file=sys.stderr)
    sys.exit(1)


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
