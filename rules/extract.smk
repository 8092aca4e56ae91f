rule extract:
    """Validate raw extracts into the canonical record table; rejects keep a reason.
    One job, not parts (as geocode_part): fractional counting weighs each document's rows
    together, and a document's rows may come from several input files."""
    input:
        [e["path"] for e in extract_inputs()],
        code=package_code("extract"),
    output:
        records="results/extract/records.parquet",
        rejects="results/extract/rejects.parquet",
        accounting="results/extract/accounting.csv",
        lines="results/extract/lines.csv",
    params:
        inputs=extract_inputs(),
        on_bad_row=config["on_bad_row"],
        max_weight=config["max_weight"],
        chunk_rows=config["stream"]["chunk_rows"],
        memory_mb=config["stream"]["memory_mb"],
    log:
        "logs/extract.log",
    benchmark:
        "results/benchmarks/extract.tsv"
    # OpenAlex works are parsed by several processes; other inputs by one
    threads: 4 if any(e.get("format") == "openalex" for e in extract_inputs()) else 1
    resources:
        mem_mb=mem_mb_for("extract"),
        runtime=runtime_for("extract"),
    conda:
        ENV
    script:
        "../scripts/extract.py"


rule check_data:
    """The records against the variants: each has a source in the data and rows in its
    windows (else the run stops here, before geocoding); notes for empty sources."""
    input:
        "results/extract/records.parquet",
        code=package_code("check_data"),
    output:
        "results/extract/data_checks.txt",
    params:
        # sorted: the order of the variants in a config file is no reason to check again
        variants={
            v: {"sources": sorted(VARIANT[v]["sources"]),
                "windows": dict(sorted(VARIANT[v]["windows"].items()))}
            for v in sorted(VARIANTS)
        },
        chunk_rows=config["stream"]["chunk_rows"],
    log:
        "logs/check_data.log",
    benchmark:
        "results/benchmarks/check_data.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("check_data"),
        runtime=runtime_for("check_data"),
    conda:
        ENV
    script:
        "../scripts/check_data.py"
