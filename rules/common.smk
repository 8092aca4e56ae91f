# Shared helpers: paths and config lookups used by the stage rules.
from pathlib import Path

from stclusters.variants import labels_path, locations_spec, resolve_variant

SOURCES = ["pct", "pub", "vc"]
VARIANTS = list(config["variants"])
# every variant fully resolved (its own windows, counting, rounding, clustering or the
# top-level defaults): the single description every stage reads
VARIANT = {v: resolve_variant(config, v) for v in VARIANTS}
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


def package_code(*modules):
    """Package modules as inputs, so that editing one reruns exactly the steps using it.

    Snakemake tracks the scripts/ adapter itself, not the package code it calls.
    """
    pkg = Path(workflow.basedir) / "stclusters"
    return [str(pkg / f"{m}.py") for m in ("__init__", "io", "logs", *modules)]


def demo_mode():
    """No inputs named in config: run on the embedded demo world."""
    return not config["inputs"]


def extract_inputs():
    """The raw extract entries ({path, source}) the extract stage reads."""
    if demo_mode():
        return [{"path": "results/demo/raw_extract.parquet"}]
    return [dict(e) for e in config["inputs"]]


def variant_sources(variant):
    return VARIANT[variant]["sources"]


def locations_dir(variant):
    """Folder of the per-year location tables a variant reads."""
    v = VARIANT[variant]
    return f"results/locations/{locations_spec(v['counting'], v['round_deg'])}"


def variant_tables(*names):
    """Input function: the variant's location tables ``names`` (e.g. locations)."""

    def inputs(wildcards):
        return {n: f"{locations_dir(wildcards.variant)}/{n}.parquet" for n in names}

    return inputs


def variant_labels(wildcards):
    """Per-source cluster labels a variant merges, keyed by source."""
    v = VARIANT[wildcards.variant]
    return {s: labels_path(v, s) for s in v["sources"]}


def population_raster():
    """The population grid for S&T intensity: the configured one or the generated one."""
    return config["intensity"]["raster"] or "results/intensity/population.tif"


def accounting_files():
    """(title, path) of every row-accounting table, in pipeline order."""
    files = [
        ["Extract", "results/extract/accounting.csv"],
        ["Geocoding", "results/geocode/accounting.csv"],
    ]
    for spec in sorted({locations_dir(v) for v in VARIANTS}):
        files.append([f"Locations ({spec.removeprefix('results/locations/')})",
                      f"{spec}/accounting.csv"])
    files += [[f"Time windows, {v}", f"results/ranking/{v}/accounting.csv"] for v in VARIANTS]
    return files


def appendix_extras(wildcards):
    """Stage targets the appendix shows: maps, charts, tables, regional and extended runs."""
    keep = ("results/figures/", "results/tables/", "results/regional/", "results/briefs/")
    skip = ("sweep", "uncertainty", "rank_change", "geocode_qa")
    return [t for t in EXTRA_TARGETS if t.startswith(keep) and not any(k in t for k in skip)]


def methodology_extras(wildcards):
    """Stage targets the methodology report shows: sweeps and rank uncertainty."""
    return [t for t in EXTRA_TARGETS if "sweep" in t or "sensitivity" in t or "uncertainty" in t]


def final_targets():
    targets = [
        "results/extract/accounting.csv",
        "results/geocode/accounting.csv",
        "results/figures/geocode_qa.png",
        "reports/appendix.html",
        "reports/methodology_comparison.html",
    ]
    for v in VARIANTS:
        targets += [
            f"{locations_dir(v)}/accounting.csv",
            f"results/ranking/{v}/accounting.csv",
            f"results/ranking/{v}/clusters.csv",
            f"results/tables/{v}/top100.md",
            f"results/fidelity/{v}/summary.json",
            f"results/figures/{v}/map_top{config['top_n']}.png",
        ]
    for a, b in COMPARE:
        targets += [
            f"results/compare/{a}_vs_{b}.csv",
            f"results/figures/rank_change_{a}_vs_{b}.png",
        ]
    return targets + EXTRA_TARGETS
