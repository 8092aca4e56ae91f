rule locations:
    """Round coordinates and aggregate to weighted unique locations per source and year.

    One table per counting and rounding; variants sharing them share it, and any time
    window is a sum over years.
    """
    input:
        "results/geocode/records.parquet",
        code=package_code("locations"),
    output:
        locations="results/locations/{counting}/round~{round_deg}/locations.parquet",
        places="results/locations/{counting}/round~{round_deg}/location_places.parquet",
        organizations="results/locations/{counting}/round~{round_deg}/organizations.parquet",
        accounting="results/locations/{counting}/round~{round_deg}/accounting.csv",
    wildcard_constraints:
        counting="fractional|whole",
        round_deg=r"[0-9.e-]+",
    params:
        exclude_methods=config["locations"]["exclude_methods"],
        renormalize=config["locations"]["renormalize"],
        chunk_rows=config["stream"]["chunk_rows"],
    log:
        "logs/locations/{counting}_{round_deg}.log",
    benchmark:
        "results/benchmarks/locations/{counting}_{round_deg}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("locations"),
        runtime=runtime_for("locations"),
    conda:
        ENV
    script:
        "../scripts/locations.py"
