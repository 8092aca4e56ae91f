# Shared helpers: paths and config lookups used by the stage rules.
from pathlib import Path

from stclusters.params import params_string

SOURCES = ["pct", "pub", "vc"]
VARIANTS = list(config["variants"])
COMPARE = [tuple(pair) for pair in config["compare"]]
ENV = "../envs/stclusters.yaml"
# stage files add their own default targets here (e.g. EXTRA_TARGETS.extend([...]))
EXTRA_TARGETS = []
# files shipped with the workflow, found from any working directory (--directory)
NOTEBOOKS = Path(workflow.basedir) / "notebooks"


wildcard_constraints:
    source="pct|pub|vc",
    variant="|".join(VARIANTS),
    algorithm="dbscan|hdbscan",


def demo_mode():
    """No inputs named in config: run on the embedded demo world."""
    return not config["inputs"]


def extract_inputs():
    """The raw extract entries ({path, source}) the extract stage reads."""
    if demo_mode():
        return [{"path": "results/demo/raw_extract.parquet"}]
    return [dict(e) for e in config["inputs"]]


def variant_sources(variant):
    return config["variants"][variant]["sources"]


def cluster_params(source):
    """Algorithm and parameters clustering one source, from config."""
    algorithm = config["clustering"]["algorithm"]
    return algorithm, dict(config["clustering"][algorithm][source])


def labels_path(source):
    algorithm, params = cluster_params(source)
    return (
        f"results/cluster/sources/{source}/{algorithm}/"
        f"{params_string(algorithm, params)}/labels.parquet"
    )


def variant_labels(wildcards):
    """Per-source cluster labels a variant merges, keyed by source."""
    return {s: labels_path(s) for s in variant_sources(wildcards.variant)}


def final_targets():
    targets = [
        "results/extract/accounting.csv",
        "results/geocode/accounting.csv",
        "results/locations/accounting.csv",
        "reports/appendix.html",
    ]
    for v in VARIANTS:
        targets += [
            f"results/ranking/{v}/clusters.csv",
            f"results/tables/{v}/top{config['top_n']}.md",
            f"results/figures/{v}/map_top{config['top_n']}.png",
        ]
    for a, b in COMPARE:
        targets += [
            f"results/compare/{a}_vs_{b}.csv",
            f"results/figures/rank_change_{a}_vs_{b}.png",
        ]
    return targets + EXTRA_TARGETS
