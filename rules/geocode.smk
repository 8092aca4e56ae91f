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


# stream.geocode_parts (N): 1, one geocode job over all records; more, N geocode_part jobs
# over consecutive ranges of the records (spread over nodes on a cluster), which the geocode
# job gathers into the same files (stclusters/geocode/parts.py)
GEOCODE_PARTS = config["stream"]["geocode_parts"]
# the parts' names: 0 .. N-1, zero-padded to one width (they sort in part order)
GEOCODE_PART_NAMES = [f"{k:0{len(str(GEOCODE_PARTS - 1))}d}" for k in range(GEOCODE_PARTS)]
# what geocoding reads besides the records
GEOCODER_INPUT = dict(
    places="results/gazetteer/places.parquet",
    names="results/gazetteer/names.parquet",
    institutions="results/geocode/institutions.parquet",
    institution_names="results/geocode/institution_names.parquet",
    # runs first; ancient: a rerun of the check (variants changed) reruns no geocoding
    checked=ancient("results/extract/data_checks.txt"),
    code=package_code("geocode"),
)
# the geocoder's settings and the chunk size (geocode and geocode_part)
GEOCODER_PARAMS = dict(
    fuzzy_min_score=config["geocode"]["fuzzy_min_score"],
    affiliation_min_score=config["geocode"]["affiliation_min_score"],
    affiliation_max_km=config["geocode"]["affiliation_max_km"],
    check_given_country=config["geocode"]["check_given_country"],
    chunk_rows=config["stream"]["chunk_rows"],
)


# the geocode job's input: the records and the geocoder's tables (one job), or the records
# and every part's files in part order (the gather)
if GEOCODE_PARTS == 1:
    GEOCODE_INPUT = dict(records="results/extract/records.parquet", **GEOCODER_INPUT)
else:
    GEOCODE_INPUT = dict(
        records="results/extract/records.parquet",
        placed_parts=expand("results/geocode/parts/{part}/records.parquet",
                            part=GEOCODE_PART_NAMES),
        unmatched_parts=expand("results/geocode/parts/{part}/unmatched.parquet",
                               part=GEOCODE_PART_NAMES),
        accounting_parts=expand("results/geocode/parts/{part}/accounting.csv",
                                part=GEOCODE_PART_NAMES),
        code=package_code("geocode_gather"),
    )


rule geocode:
    """Place every record (unique address keys only); the rest are kept as unmatched.
    Streamed: two passes over the records in chunks of stream.chunk_rows rows. With
    stream.geocode_parts above 1 this job gathers the geocode_part jobs' files instead, a
    row group at a time in part order, after checking every part's accounting against its
    rows of the records: the same files, rows and values as one job."""
    input:
        **GEOCODE_INPUT,
    output:
        placed="results/geocode/records.parquet",
        unmatched="results/geocode/unmatched.parquet",
        accounting="results/geocode/accounting.csv",
    params:
        **GEOCODER_PARAMS,
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
        "../scripts/geocode.py" if GEOCODE_PARTS == 1 else "../scripts/geocode_gather.py"


rule geocode_part:
    """One part of the records geocoded alone (stream.geocode_parts above 1): the rows
    [k*n/N, (k+1)*n/N) of the n records for part k of N, read across row groups, in chunks
    of stream.chunk_rows rows; its accounting is exact (rows_in = placed + unmatched per
    source, the part's rows in all)."""
    input:
        records="results/extract/records.parquet",
        **GEOCODER_INPUT,
    output:
        placed="results/geocode/parts/{part}/records.parquet",
        unmatched="results/geocode/parts/{part}/unmatched.parquet",
        accounting="results/geocode/parts/{part}/accounting.csv",
    wildcard_constraints:
        part=r"\d+",
    params:
        **GEOCODER_PARAMS,
        parts=GEOCODE_PARTS,
    log:
        "logs/geocode_part/{part}.log",
    benchmark:
        "results/benchmarks/geocode_part/{part}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("geocode_part"),
        runtime=runtime_for("geocode_part"),
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
