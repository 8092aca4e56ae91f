rule extract:
    """Validate raw extracts into the canonical record table; rejects keep a reason."""
    input:
        [e["path"] for e in extract_inputs()],
        code=package_code("extract"),
    output:
        records="results/extract/records.parquet",
        rejects="results/extract/rejects.parquet",
        accounting="results/extract/accounting.csv",
    params:
        inputs=extract_inputs(),
        on_bad_row=config["on_bad_row"],
    log:
        "logs/extract.log",
    benchmark:
        "results/benchmarks/extract.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("extract"),
        runtime=runtime_for("extract"),
    conda:
        ENV
    script:
        "../scripts/extract.py"
