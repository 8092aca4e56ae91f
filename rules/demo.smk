rule demo_world:
    """Generate the embedded synthetic demo world (a raw extract on real geography)."""
    input:
        code=package_code("demo_world"),
    output:
        "results/demo/raw_extract.parquet",
    params:
        demo=config["demo"],
        min_population=config["gazetteer"]["min_population"],
    log:
        "logs/demo_world.log",
    benchmark:
        "results/benchmarks/demo_world.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("demo_world"),
        runtime=runtime_for("demo_world"),
    conda:
        ENV
    script:
        "../scripts/demo_world.py"
