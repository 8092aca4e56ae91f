rule locations:
    """Round coordinates and aggregate to weighted unique locations per source and window."""
    input:
        "results/geocode/records.parquet",
    output:
        locations="results/locations/locations.parquet",
        places="results/locations/location_places.parquet",
        organizations="results/locations/organizations.parquet",
        accounting="results/locations/accounting.csv",
    params:
        windows=config["windows"],
        round_deg=config["locations"]["round_deg"],
        exclude_methods=config["locations"]["exclude_methods"],
        renormalize=config["locations"]["renormalize"],
    log:
        "logs/locations.log",
    benchmark:
        "results/benchmarks/locations.tsv"
    threads: 1
    resources:
        mem_mb=8000,
    conda:
        ENV
    script:
        "../scripts/locations.py"
