rule appendix_report:
    """Execute the GII appendix notebook over the results and export it to HTML."""
    input:
        unpack(lambda wc: {"extras": appendix_extras(wc)}),
        notebook=str(NOTEBOOKS / "appendix.ipynb"),
        rankings=expand("results/ranking/{variant}/clusters.csv", variant=VARIANTS),
        maps=expand(
            "results/figures/{variant}/map_top{top_n}.png",
            variant=VARIANTS,
            top_n=config["top_n"],
        ),
        tables=expand("results/tables/{variant}/{table}.csv", variant=VARIANTS, table=GII_TABLES),
        code=package_code("report", "reportkit", "tables"),
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
    threads: 1
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        "../scripts/render_report.py"


rule methodology_report:
    """Execute the methodology-comparison notebook and export it to HTML."""
    input:
        unpack(lambda wc: {"extras": methodology_extras(wc)}),
        notebook=str(NOTEBOOKS / "methodology_comparison.ipynb"),
        compare=[f"results/compare/{a}_vs_{b}.csv" for a, b in COMPARE],
        compare_figs=[f"results/figures/rank_change_{a}_vs_{b}.png" for a, b in COMPARE],
        geocode_qa="results/figures/geocode_qa.png",
        fidelity=expand("results/fidelity/{variant}/summary.json", variant=VARIANTS),
        accounting=[path for _, path in accounting_files()],
        code=package_code("report", "reportkit", "tables", "compare"),
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
    threads: 1
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        "../scripts/render_report.py"
