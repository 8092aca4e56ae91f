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
    benchmark:
        "results/benchmarks/gazetteer.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("gazetteer"),
        runtime=runtime_for("gazetteer"),
    conda:
        ENV
    script:
        "../scripts/gazetteer.py"


rule institutions:
    """Read the institution registry (ROR dumps, OpenAlex institutions) once into Parquet;
    empty tables when geocode.institutions names no file (the geocoder then has none)."""
    input:
        config["geocode"]["institutions"],
        code=package_code("institutions"),
    output:
        institutions="results/geocode/institutions.parquet",
        names="results/geocode/institution_names.parquet",
    params:
        files=config["geocode"]["institutions"],
    log:
        "logs/institutions.log",
    benchmark:
        "results/benchmarks/institutions.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("institutions"),
        runtime=runtime_for("institutions"),
    conda:
        ENV
    script:
        "../scripts/institutions.py"


rule geocode:
    """Place every record (unique address keys only); the rest are kept as unmatched.
    Streamed: two passes over the records in chunks of stream.chunk_rows rows."""
    input:
        records="results/extract/records.parquet",
        places="results/gazetteer/places.parquet",
        names="results/gazetteer/names.parquet",
        institutions="results/geocode/institutions.parquet",
        institution_names="results/geocode/institution_names.parquet",
        # runs first; ancient: a rerun of the check (variants changed) reruns no geocoding
        checked=ancient("results/extract/data_checks.txt"),
        code=package_code("geocode"),
    output:
        placed="results/geocode/records.parquet",
        unmatched="results/geocode/unmatched.parquet",
        accounting="results/geocode/accounting.csv",
    params:
        fuzzy_min_score=config["geocode"]["fuzzy_min_score"],
        affiliation_min_score=config["geocode"]["affiliation_min_score"],
        affiliation_max_km=config["geocode"]["affiliation_max_km"],
        check_given_country=config["geocode"]["check_given_country"],
        chunk_rows=config["stream"]["chunk_rows"],
    log:
        "logs/geocode.log",
    benchmark:
        "results/benchmarks/geocode.tsv"
    threads: stream_threads("geocode")
    resources:
        mem_mb=mem_mb_for("geocode"),
        runtime=runtime_for("geocode"),
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
        chunk_rows=config["stream"]["chunk_rows"],
    log:
        "logs/geocode_qa.log",
    benchmark:
        "results/benchmarks/geocode_qa.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("geocode_qa"),
        runtime=runtime_for("geocode_qa"),
    conda:
        ENV
    script:
        "../scripts/geocode_qa.py"
