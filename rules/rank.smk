rule rank:
    """Shares, score, rank, previous rank, growth and top organizations of a variant."""
    input:
        unpack(variant_tables("locations", "organizations")),
        membership="results/cluster/{variant}/membership.parquet",
        clusters="results/cluster/{variant}/clusters.parquet",
        raster=population_raster(),
        code=package_code("rank"),
    output:
        csv="results/ranking/{variant}/clusters.csv",
        parquet="results/ranking/{variant}/clusters.parquet",
        accounting="results/ranking/{variant}/accounting.csv",
    params:
        variant=lambda wc: VARIANT[wc.variant],
        attach_km=config["merge"]["attach_km"],
        buffer_km=config["intensity"]["buffer_km"],
        top_n=config["top_n"],
    log:
        "logs/rank/{variant}.log",
    benchmark:
        "results/benchmarks/rank/{variant}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("rank"),
        runtime=runtime_for("rank"),
    conda:
        ENV
    script:
        "../scripts/rank.py"


rule compare_variants:
    """Match clusters across two variants and compare their ranks."""
    input:
        rank_a="results/ranking/{a}/clusters.parquet",
        rank_b="results/ranking/{b}/clusters.parquet",
        membership_a="results/cluster/{a}/membership.parquet",
        membership_b="results/cluster/{b}/membership.parquet",
        locations=lambda wc: f"{locations_dir(wc.a)}/locations.parquet",
        code=package_code("compare_variants"),
    output:
        table="results/compare/{a}_vs_{b}.csv",
        summary="results/compare/{a}_vs_{b}_summary.json",
    wildcard_constraints:
        a="|".join(VARIANTS),
        b="|".join(VARIANTS),
    params:
        variant_a=lambda wc: VARIANT[wc.a],
        top_n=config["top_n"],
    log:
        "logs/compare/{a}_vs_{b}.log",
    benchmark:
        "results/benchmarks/compare/{a}_vs_{b}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("compare_variants"),
        runtime=runtime_for("compare_variants"),
    conda:
        ENV
    script:
        "../scripts/compare_variants.py"
