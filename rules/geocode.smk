rule gazetteer:
    """Build the offline gazetteer (GeoNames places and all their names) once."""
    input:
        code=package_code("gazetteer"),
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
        # runs first; ancient: a rerun of the check (variants changed) reruns no geocoding
        checked=ancient("results/extract/data_checks.txt"),
        code=package_code("geocode"),
    output:
        placed="results/geocode/records.parquet",
        unmatched="results/geocode/unmatched.parquet",
        accounting="results/geocode/accounting.csv",
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


rule geocode_qa:
    """Geocoding quality: match rate by method per source and country, worst cases."""
    input:
        placed="results/geocode/records.parquet",
        unmatched="results/geocode/unmatched.parquet",
        code=package_code("geocode_qa"),
    output:
        by_country="results/geocode/qa/by_country.csv",
        by_method="results/geocode/qa/by_source_method.csv",
        top_unmatched="results/geocode/qa/top_unmatched.csv",
        lowest_fuzzy="results/geocode/qa/lowest_fuzzy.csv",
        figure=report(
            "results/figures/geocode_qa.png",
            caption="captions/geocode_qa.rst",
            category="Geocoding",
            labels={"figure": "match rate by method"},
        ),
        figure_pdf="results/figures/geocode_qa.pdf",
    params:
        top_n=20,
        top_countries=12,
    log:
        "logs/geocode_qa.log",
    threads: 1
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        "../scripts/geocode_qa.py"
