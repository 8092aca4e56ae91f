rule gazetteer:
    """Build the offline gazetteer (GeoNames places and all their names) once."""
    output:
        places="results/gazetteer/places.parquet",
        names="results/gazetteer/names.parquet",
    params:
        min_population=config["gazetteer"]["min_population"],
    log:
        "logs/gazetteer.log",
    threads: 1
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        "../scripts/gazetteer.py"


rule geocode:
    """Place every record (unique address keys only); the rest are kept as unmatched."""
    input:
        records="results/extract/records.parquet",
        places="results/gazetteer/places.parquet",
        names="results/gazetteer/names.parquet",
    output:
        placed="results/geocode/records.parquet",
        unmatched="results/geocode/unmatched.parquet",
        accounting="results/geocode/accounting.csv",
        qa="results/geocode/qa_by_country.csv",
    params:
        fuzzy_min_score=config["geocode"]["fuzzy_min_score"],
    log:
        "logs/geocode.log",
    benchmark:
        "results/benchmarks/geocode.tsv"
    threads: 1
    resources:
        mem_mb=8000,
    conda:
        ENV
    script:
        "../scripts/geocode.py"
