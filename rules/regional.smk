# Regional rankings (one region's locations, its own lowered density) and the extended
# ranking beyond the top_n.
REGIONS = config["regional"]


wildcard_constraints:
    region="|".join(REGIONS) if REGIONS else "no-region",


rule regional_ranking:
    """Cluster, merge, name and rank one region's locations with its own density."""
    input:
        locations=lambda wc: f"{locations_dir(REGIONS[wc.region]['variant'])}/locations.parquet",
        location_places=lambda wc: (
            f"{locations_dir(REGIONS[wc.region]['variant'])}/location_places.parquet"
        ),
        organizations=lambda wc: (
            f"{locations_dir(REGIONS[wc.region]['variant'])}/organizations.parquet"
        ),
        places="results/gazetteer/places.parquet",
        code=package_code("regional_ranking"),
    output:
        csv="results/regional/{region}/clusters.csv",
        parquet="results/regional/{region}/clusters.parquet",
        membership="results/regional/{region}/membership.parquet",
    params:
        spec=lambda wc: REGIONS[wc.region],
        variant=lambda wc: VARIANT[REGIONS[wc.region]["variant"]],
        merge=config["merge"],
    log:
        "logs/regional/{region}.log",
    benchmark:
        "results/benchmarks/regional/{region}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("regional_ranking"),
        runtime=runtime_for("regional_ranking"),
    conda:
        ENV
    script:
        "../scripts/regional_ranking.py"


rule regional_table:
    """The region's top clusters as CSV and Markdown."""
    input:
        "results/regional/{region}/clusters.parquet",
        code=package_code("regional_table"),
    output:
        csv="results/regional/{region}/top{top_n}.csv",
        md="results/regional/{region}/top{top_n}.md",
    wildcard_constraints:
        top_n=r"\d+",
    log:
        "logs/regional/{region}_top{top_n}.log",
    benchmark:
        "results/benchmarks/regional/{region}_top{top_n}.tsv"
    group:
        "tables"
    threads: 1
    resources:
        mem_mb=mem_mb_for("regional_table"),
        runtime=runtime_for("regional_table"),
    conda:
        ENV
    script:
        "../scripts/regional_table.py"


rule extended_table:
    """The ranking beyond the top_n: ranks top_n + 1 .. extended_n."""
    input:
        "results/ranking/{variant}/clusters.parquet",
        code=package_code("regional_extended"),
    output:
        csv="results/tables/{variant}/extended.csv",
        md="results/tables/{variant}/extended.md",
    params:
        top_n=config["top_n"],
        extended_n=config["extended_n"],
    log:
        "logs/tables/{variant}_extended.log",
    benchmark:
        "results/benchmarks/tables/{variant}_extended.tsv"
    group:
        "tables"
    threads: 1
    resources:
        mem_mb=mem_mb_for("extended_table"),
        runtime=runtime_for("extended_table"),
    conda:
        ENV
    script:
        "../scripts/regional_extended.py"
