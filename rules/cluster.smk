rule cluster_source:
    """Cluster one source's current-window locations at one parameter point.

    The point is part of the path (Paramspace style), so sweeps cache each point and
    two variants sharing a source's parameters share this job.
    """
    input:
        "results/locations/{locspec}/locations.parquet",
        code=package_code("cluster_source"),
    output:
        "results/cluster/sources/{locspec}/{source}/{first}-{last}/{algorithm}/{params}/labels.parquet",
    wildcard_constraints:
        locspec=r"(fractional|whole)/round~[0-9.e-]+",
        first=r"\d{4}",
        last=r"\d{4}",
        params=r"[a-z_]+~[^/~]+(/[a-z_]+~[^/~]+)*",
    log:
        "logs/cluster/{locspec}/{source}/{first}-{last}/{algorithm}/{params}.log",
    benchmark:
        "results/benchmarks/cluster/{locspec}/{source}/{first}-{last}/{algorithm}/{params}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("cluster_source"),
        runtime=runtime_for("cluster_source"),
    conda:
        ENV
    script:
        "../scripts/cluster_source.py"


rule merge_clusters:
    """Merge a variant's per-source clusters into named S&T clusters."""
    input:
        unpack(variant_labels),
        unpack(variant_tables("locations", "location_places")),
        places="results/gazetteer/places.parquet",
        code=package_code("merge_clusters"),
    output:
        membership="results/cluster/{variant}/membership.parquet",
        clusters="results/cluster/{variant}/clusters.parquet",
        noise="results/cluster/{variant}/noise.parquet",
    params:
        variant=lambda wc: VARIANT[wc.variant],
        merge=config["merge"],
        noise_min_records=config["noise_min_records"],
    log:
        "logs/merge_clusters/{variant}.log",
    benchmark:
        "results/benchmarks/merge_clusters/{variant}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("merge_clusters"),
        runtime=runtime_for("merge_clusters"),
    conda:
        ENV
    script:
        "../scripts/merge_clusters.py"
