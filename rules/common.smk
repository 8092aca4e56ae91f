# Shared helpers: paths and config lookups used by the stage rules.
import sys
from pathlib import Path

from stclusters.codedeps import code_files
from stclusters.errors import ConfigError
from stclusters.preflight import preflight

# the checks the schema cannot make (stclusters/preflight.py), before anything is built:
# a problem stops the run here with one line naming the config key
try:
    preflight(config, workflow.overwrite_configfiles, workflow.config_settings.overwrite_config)
except ConfigError as _exc:
    print(f"stclusters: config error: {_exc}", file=sys.stderr)
    sys.exit(1)
from stclusters.report.regions import CONTINENT_REGION as CONTINENT_WINDOW
from stclusters.variants import labels_path, locations_spec, resolve_variant

SOURCES = ["pct", "pub", "vc"]
VARIANTS = list(config["variants"])
# every variant fully resolved (its own windows, counting, rounding, clustering or the
# top-level defaults): the single description every stage reads
VARIANT = {v: resolve_variant(config, v) for v in VARIANTS}
COMPARE = [tuple(pair) for pair in config["compare"]]
ENV = "../envs/stclusters.yaml"
# files shipped with the workflow, found from any working directory (--directory)
NOTEBOOKS = Path(workflow.basedir) / "notebooks"


wildcard_constraints:
    source="pct|pub|vc",
    variant="|".join(VARIANTS),
    algorithm="dbscan|hdbscan",


def package_code(script, *notebooks):
    """The package modules a rule's script (and notebooks) import, directly or not, as inputs.

    Snakemake tracks the scripts/ adapter itself, not the package code it calls; listing the
    transitive `stclusters` imports (computed from the source, stclusters/codedeps.py) makes
    an edit of any module rerun exactly the rules whose scripts use it. `script` is the
    stem of the rule's scripts/*.py file, `notebooks` the stems of notebooks/*.ipynb.
    """
    base = Path(workflow.basedir)
    entries = [base / "scripts" / f"{script}.py"]
    entries += [base / "notebooks" / f"{nb}.ipynb" for nb in notebooks]
    return code_files(base, entries)


# the stclusters/report/ modules behind the charts and behind the maps
CHART_CODE = ("report/__init__", "report/style", "report/data", "report/charts", "tables")
MAP_CODE = (
    "report/__init__",
    "report/style",
    "report/data",
    "report/regions",
    "report/basemap",
    "report/mapparts",
    "report/labels",
    "report/maps",
)


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
        ["Extract, physical lines of each file", "results/extract/lines.csv"],
        ["Geocoding", "results/geocode/accounting.csv"],
    ]
    for spec in sorted({locations_dir(v) for v in VARIANTS}):
        files.append([f"Locations ({spec.removeprefix('results/locations/')})",
                      f"{spec}/accounting.csv"])
    files += [[f"Time windows, {v}", f"results/ranking/{v}/accounting.csv"] for v in VARIANTS]
    return files


# ---------------------------------------------------------------- targets, by name
# The one owner of what the workflow builds by default: final_targets() is the union of the
# named groups below, and the report rules take the groups they show by name.
FIGURE_AREAS = ["east_asia", "europe", "north_america"]
COMPOSITION_N = 30


def sensitivity_variants():
    """Variants the sensitivity stage analyses (none when it is off)."""
    sens = config["sensitivity"]
    return list(sens["variants"]) if sens["enabled"] else []


def sweep_sources():
    """Sources the parameter sweep covers (none when it is off)."""
    return list(config["sweep"]["sources"]) if config["sweep"]["enabled"] else []


def variant_figures():
    """Per variant: its maps and charts (PDF beside every PNG)."""
    top_n = config["top_n"]
    out = {}
    for v in VARIANTS:
        out[f"map_{v}"] = f"results/figures/{v}/map_top{top_n}.png"
        for area in FIGURE_AREAS:
            out[f"map_{area}_{v}"] = f"results/figures/{v}/map_{area}.pdf"
        out[f"intensity_map_{v}"] = f"results/figures/{v}/intensity_top{top_n}.pdf"
        out[f"composition_{v}"] = f"results/figures/{v}/composition_top{COMPOSITION_N}.pdf"
    return out


def table_targets():
    """Per variant: the GII tables (CSV beside Markdown and LaTeX) and the extended list."""
    out = {}
    for v in VARIANTS:
        out[f"top100_{v}"] = f"results/tables/{v}/top100.md"
        out[f"extended_{v}"] = f"results/tables/{v}/extended.md"
    return out


def regional_targets():
    """Per regional ranking: its table, and its map where a map window exists."""
    out = {}
    for r, spec in config["regional"].items():
        out[f"regional_{r}"] = f"results/regional/{r}/clusters.csv"
        out[f"regional_top_{r}"] = f"results/regional/{r}/top{spec['top_n']}.md"
        if spec["continent"] in CONTINENT_WINDOW:
            out[f"regional_map_{r}"] = f"results/figures/regional/{r}/map_top{spec['top_n']}.pdf"
    return out


def sweep_targets():
    """The sweep summaries and heatmaps, per source."""
    v = config["sweep"]["variant"]
    out = {}
    hdb = config["sweep"]["hdbscan"]["enabled"]
    for s in sweep_sources():
        out[f"sweep_summary_{s}"] = f"results/sweep/summary/{v}/{s}.csv"
        out[f"sweep_heatmap_{s}"] = f"results/figures/sweep/{v}_{s}.png"
        if hdb:
            out[f"sweep_summary_{s}_hdbscan"] = f"results/sweep/summary/{v}/{s}_hdbscan.csv"
            out[f"sweep_heatmap_{s}_hdbscan"] = f"results/figures/sweep/{v}_{s}_hdbscan.png"
    return out


def sensitivity_targets():
    """Rank uncertainty, Sobol' indices and the uncertainty chart, per analysed variant."""
    out = {}
    for v in sensitivity_variants():
        out[f"uncertainty_{v}"] = f"results/sensitivity/{v}/rank_uncertainty.csv"
        out[f"indices_{v}"] = f"results/sensitivity/{v}/indices.csv"
        out[f"uncertainty_chart_{v}"] = f"results/figures/{v}/rank_uncertainty.pdf"
    return out


def comparison_targets():
    out = {}
    for a, b in COMPARE:
        out[f"compare_{a}_{b}"] = f"results/compare/{a}_vs_{b}.csv"
        out[f"rank_change_{a}_{b}"] = f"results/figures/rank_change_{a}_vs_{b}.png"
    return out


def brief_targets():
    """Per variant: the index of its top cluster briefs (when briefs are on)."""
    if not config["briefs"]["enabled"]:
        return {}
    return {f"briefs_{v}": f"results/briefs/{v}/index.html" for v in VARIANTS}


def explorer_targets():
    return {"explorer": "reports/explorer.html"} if config["explorer"]["enabled"] else {}


def appendix_inputs(wildcards):
    """What the appendix shows, by name: maps, charts, tables, regional and extended runs,
    and the briefs it links to."""
    return {**variant_figures(), **table_targets(), **regional_targets(), **brief_targets()}


def methodology_inputs(wildcards):
    """What the methodology report shows, by name: comparisons, sweeps, rank uncertainty."""
    return {**comparison_targets(), **sweep_targets(), **sensitivity_targets()}


def final_targets():
    """Every default target of the workflow."""
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
            f"results/fidelity/{v}/summary.json",
        ]
    for group in (variant_figures, table_targets, regional_targets, comparison_targets,
                  sweep_targets, sensitivity_targets, brief_targets, explorer_targets):
        targets += list(group().values())
    return targets
