GII_TABLES = [
    "top100",
    "table5_top_per_economy",
    "table6_economies_3plus",
    "table7_beyond_top100",
    "table8_africa",
    "table9_intensity",
]


rule tables:
    """The GII tables of a variant (appendix ranking, Tables 5-9) as CSV, Markdown, LaTeX."""
    input:
        "results/ranking/{variant}/clusters.parquet",
        code=package_code("tables"),
    output:
        expand(
            "results/tables/{{variant}}/{table}.{ext}",
            table=GII_TABLES,
            ext=["csv", "md", "tex"],
        ),
    params:
        top_n=config["top_n"],
    log:
        "logs/tables/{variant}.log",
    benchmark:
        "results/benchmarks/tables/{variant}.tsv"
    group:
        "tables"
    threads: 1
    resources:
        mem_mb=mem_mb_for("tables"),
        runtime=runtime_for("tables"),
    conda:
        ENV
    script:
        "../scripts/tables.py"


rule fidelity:
    """Compare a variant's ranking with the published GII ranks (when the facts are there)."""
    input:
        "results/ranking/{variant}/clusters.parquet",
        code=package_code("fidelity"),
    output:
        summary="results/fidelity/{variant}/summary.json",
        ranks="results/fidelity/{variant}/ranks.csv",
        economies="results/fidelity/{variant}/economies.csv",
        intensity="results/fidelity/{variant}/intensity.csv",
    params:
        variant=lambda wc: VARIANT[wc.variant],
        reference_dir=config["reference_dir"],
        top_n=config["top_n"],
    log:
        "logs/fidelity/{variant}.log",
    benchmark:
        "results/benchmarks/fidelity/{variant}.tsv"
    group:
        "tables"
    threads: 1
    resources:
        mem_mb=mem_mb_for("fidelity"),
        runtime=runtime_for("fidelity"),
    conda:
        ENV
    script:
        "../scripts/fidelity.py"
