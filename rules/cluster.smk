rule cluster_source:
    """Cluster one source's current-window locations at one parameter point.

    The point is part of the path (Paramspace style), so sweeps cache each point and
    two variants sharing a source's parameters share this job.
    """
    input:
        "results/locations/locations.parquet",
    output:
        "results/cluster/sources/{source}/{algorithm}/{params}/labels.parquet",
    wildcard_constraints:
        params=r"[a-z_]+~[^/~]+(/[a-z_]+~[^/~]+)*",
    log:
        "logs/cluster/{source}/{algorithm}/{params}.log",
    benchmark:
        "results/benchmarks/cluster/{source}/{algorithm}/{params}.tsv"
    threads: 1
    resources:
        mem_mb=8000,
    conda:
        ENV
    script:
        "../scripts/cluster_source.py"


rule merge_clusters:
    """Merge a variant's per-source clusters into named S&T clusters."""
    input:
        unpack(variant_labels),
        locations="results/locations/locations.parquet",
        location_places="results/locations/location_places.parquet",
        places="results/gazetteer/places.parquet",
    output:
        membership="results/cluster/{variant}/membership.parquet",
        clusters="results/cluster/{variant}/clusters.parquet",
        noise="results/cluster/{variant}/noise.parquet",
    params:
        sources=lambda wc: list(variant_sources(wc.variant)),
        merge=config["merge"],
        noise_min_records=config["noise_min_records"],
    log:
        "logs/merge_clusters/{variant}.log",
    benchmark:
        "results/benchmarks/merge_clusters/{variant}.tsv"
    threads: 1
    resources:
        mem_mb=8000,
    conda:
        ENV
    script:
        "../scripts/merge_clusters.py"
