rule appendix_report:
    """Execute the GII appendix notebook over the results and export it to HTML."""
    input:
        unpack(appendix_inputs),
        notebook=str(NOTEBOOKS / "appendix.ipynb"),
        rankings=expand("results/ranking/{variant}/clusters.csv", variant=VARIANTS),
        maps=expand(
            "results/figures/{variant}/map_top{top_n}.png",
            variant=VARIANTS,
            top_n=config["top_n"],
        ),
        tables=expand("results/tables/{variant}/{table}.csv", variant=VARIANTS, table=GII_TABLES),
        code=package_code("render_report", "appendix"),
    output:
        html="reports/appendix.html",
        notebook="results/reports/appendix.ipynb",
    params:
        nb_params={
            "variants": VARIANTS,
            "top_n": config["top_n"],
            "results_dir": "results",
            "reference_dir": config["reference_dir"],
            "variant_labels": {v: VARIANT[v]["label"] for v in VARIANTS},
            "regional_runs": list(config["regional"]),
            "extended_n": config["extended_n"],
        },
    log:
        "logs/appendix_report.log",
    benchmark:
        "results/benchmarks/appendix_report.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("appendix_report"),
        runtime=runtime_for("appendix_report"),
    conda:
        ENV
    script:
        "../scripts/render_report.py"


rule methodology_report:
    """Execute the methodology-comparison notebook and export it to HTML."""
    input:
        unpack(methodology_inputs),
        notebook=str(NOTEBOOKS / "methodology_comparison.ipynb"),
        compare=[f"results/compare/{a}_vs_{b}.csv" for a, b in COMPARE],
        compare_figs=[f"results/figures/rank_change_{a}_vs_{b}.png" for a, b in COMPARE],
        geocode_qa="results/figures/geocode_qa.png",
        fidelity=expand("results/fidelity/{variant}/summary.json", variant=VARIANTS),
        accounting=[path for _, path in accounting_files()],
        code=package_code("render_report", "methodology_comparison"),
    output:
        html="reports/methodology_comparison.html",
        notebook="results/reports/methodology_comparison.ipynb",
    params:
        nb_params={
            "variants": VARIANTS,
            "compare": [list(p) for p in COMPARE],
            "top_n": config["top_n"],
            "results_dir": "results",
            "reference_dir": config["reference_dir"],
            "variant_labels": {v: VARIANT[v]["label"] for v in VARIANTS},
            "accounting_files": accounting_files(),
            "hdbscan_params": config["clustering"]["hdbscan"],
        },
    log:
        "logs/methodology_report.log",
    benchmark:
        "results/benchmarks/methodology_report.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("methodology_report"),
        runtime=runtime_for("methodology_report"),
    conda:
        ENV
    script:
        "../scripts/render_report.py"
