rule demo_world:
    """Generate the embedded synthetic demo world (a raw extract on real geography), block
    by block into row groups of at most stream.chunk_rows rows (memory does not grow with
    demo.scale; the rows do not depend on chunk_rows)."""
    input:
        code=package_code("demo_world"),
    output:
        "results/demo/raw_extract.parquet",
    params:
        demo=config["demo"],
        min_population=config["gazetteer"]["min_population"],
        chunk_rows=config["stream"]["chunk_rows"],
    log:
        "logs/demo_world.log",
    benchmark:
        "results/benchmarks/demo_world.tsv"
    threads: stream_threads("demo_world")
    resources:
        mem_mb=mem_mb_for("demo_world"),
        runtime=runtime_for("demo_world"),
    conda:
        ENV
    script:
        "../scripts/demo_world.py"
