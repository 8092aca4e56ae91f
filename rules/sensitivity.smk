# Sensitivity of the ranking (stclusters.sensitivity): clustering point (the sweep grid,
# HDBSCAN), bootstrap over documents, Monte Carlo over source weights, counting and VC,
# one at a time and in a joint Sobol' design. One job per variant reuses each source's
# neighbour graphs and the cross-source pairs for every run; only HDBSCAN labels come
# from cached cluster_source jobs.
from dataclasses import asdict

from stclusters.sensitivity.config import countings_for, settings_from_config, stage_inputs, stage_variant

SENS = config["sensitivity"]
SENS_SETTINGS = asdict(settings_from_config(config))


rule sensitivity_doc_locations:
    """Each document's contribution to each rounded location, for the bootstrap."""
    input:
        "results/geocode/records.parquet",
        code=package_code("sensitivity_doc_locations"),
    output:
        "results/sensitivity/docs/{counting}/round~{round_deg}/doc_locations.parquet",
    wildcard_constraints:
        counting="fractional|whole",
        round_deg=r"[0-9.e-]+",
    params:
        exclude_methods=config["locations"]["exclude_methods"],
        renormalize=config["locations"]["renormalize"],
        chunk_rows=config["stream"]["chunk_rows"],
    log:
        "logs/sensitivity/doc_locations_{counting}_{round_deg}.log",
    benchmark:
        "results/benchmarks/sensitivity/doc_locations_{counting}_{round_deg}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("sensitivity_doc_locations"),
        runtime=runtime_for("sensitivity_doc_locations"),
    conda:
        ENV
    script:
        "../scripts/sensitivity_doc_locations.py"


rule sensitivity:
    """Rank uncertainty of every nominal cluster and variance-based indices per choice."""
    input:
        unpack(lambda wc: stage_inputs(config, wc.variant)),
        code=package_code("sensitivity_ranks"),
    output:
        uncertainty="results/sensitivity/{variant}/rank_uncertainty.csv",
        by_component="results/sensitivity/{variant}/rank_uncertainty_by_component.csv",
        indices="results/sensitivity/{variant}/indices.csv",
        runs="results/sensitivity/{variant}/runs.csv",
        ranks="results/sensitivity/{variant}/ranks.parquet",
        summary="results/sensitivity/{variant}/summary.json",
    params:
        variant=lambda wc: stage_variant(config, wc.variant),
        source_weights=lambda wc: VARIANT[wc.variant]["sources"],
        counting=lambda wc: VARIANT[wc.variant]["counting"],
        countings=lambda wc: countings_for(config, wc.variant),
        merge={k: config["merge"][k] for k in ("link_km", "attach_km")},
        settings=SENS_SETTINGS,
    log:
        "logs/sensitivity/{variant}.log",
    benchmark:
        "results/benchmarks/sensitivity/{variant}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("sensitivity"),
        runtime=runtime_for("sensitivity"),
    conda:
        ENV
    script:
        "../scripts/sensitivity_ranks.py"
