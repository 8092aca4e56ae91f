rule population_raster:
    """The embedded default population grid, generated from GeoNames populations."""
    input:
        "results/gazetteer/places.parquet",
        code=package_code("population_raster"),
    output:
        "results/intensity/population.tif",
    params:
        res_deg=config["intensity"]["res_deg"],
        peak_density=config["intensity"]["peak_density"],
        min_sigma_km=config["intensity"]["min_sigma_km"],
        nested_ratio=config["intensity"]["nested_ratio"],
    log:
        "logs/population_raster.log",
    benchmark:
        "results/benchmarks/population_raster.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("population_raster"),
        runtime=runtime_for("population_raster"),
    conda:
        ENV
    script:
        "../scripts/population_raster.py"
