rule map_figure:
    """GII Map 1: the top clusters of a variant over the noise points."""
    input:
        ranking="results/ranking/{variant}/clusters.parquet",
        noise="results/cluster/{variant}/noise.parquet",
        code=package_code("map_figure"),
    output:
        png=report(
            "results/figures/{variant}/map_top{top_n}.png",
            caption="captions/map.rst",
            category="Maps",
            labels={"variant": "{variant}", "figure": "top {top_n} map"},
        ),
        pdf="results/figures/{variant}/map_top{top_n}.pdf",
    wildcard_constraints:
        top_n=r"\d+",
    params:
        title=lambda wc: VARIANT[wc.variant]["label"],
    log:
        "logs/figures/map_{variant}_{top_n}.log",
    benchmark:
        "results/benchmarks/figures/map_{variant}_{top_n}.tsv"
    group:
        "figures"
    threads: 1
    resources:
        mem_mb=mem_mb_for("map_figure"),
        runtime=runtime_for("map_figure"),
    conda:
        ENV
    script:
        "../scripts/map_figure.py"


rule rank_change_figure:
    """Rank change of the top clusters between two variants."""
    input:
        "results/compare/{a}_vs_{b}.csv",
        code=package_code("rank_change_figure"),
    output:
        png=report(
            "results/figures/rank_change_{a}_vs_{b}.png",
            caption="captions/rank_change.rst",
            category="Variant comparison",
            labels={"comparison": "{a} vs {b}", "figure": "rank change"},
        ),
        pdf="results/figures/rank_change_{a}_vs_{b}.pdf",
    wildcard_constraints:
        a="|".join(VARIANTS),
        b="|".join(VARIANTS),
    params:
        label_a=lambda wc: VARIANT[wc.a]["label"],
        label_b=lambda wc: VARIANT[wc.b]["label"],
    log:
        "logs/figures/rank_change_{a}_vs_{b}.log",
    benchmark:
        "results/benchmarks/figures/rank_change_{a}_vs_{b}.tsv"
    group:
        "figures"
    threads: 1
    resources:
        mem_mb=mem_mb_for("rank_change_figure"),
        runtime=runtime_for("rank_change_figure"),
    conda:
        ENV
    script:
        "../scripts/rank_change_figure.py"


# ---------------------------------------------------------------- more maps and charts
# Regional windows of the world ranking, the regional rankings' maps (config.regional),
# S&T intensity, score composition and (with the sensitivity stage) rank uncertainty.
# Every figure is a PNG (in the Snakemake report) with a PDF beside it.


rule regional_window_figure:
    """The top clusters of a variant in one regional window (East Asia, Europe, North America)."""
    input:
        ranking="results/ranking/{variant}/clusters.parquet",
        noise="results/cluster/{variant}/noise.parquet",
        code=package_code("regional_map_figure"),
    output:
        png=report(
            "results/figures/{variant}/map_{area}.png",
            caption="captions/regional_map.rst",
            category="Maps",
            labels={"variant": "{variant}", "figure": "map: {area}"},
        ),
        pdf="results/figures/{variant}/map_{area}.pdf",
    wildcard_constraints:
        area="|".join(FIGURE_AREAS),
    params:
        title=lambda wc: VARIANT[wc.variant]["label"],
        top_n=config["top_n"],
    log:
        "logs/figures/map_{variant}_{area}.log",
    benchmark:
        "results/benchmarks/figures/map_{variant}_{area}.tsv"
    group:
        "figures"
    threads: 1
    resources:
        mem_mb=mem_mb_for("regional_window_figure"),
        runtime=runtime_for("regional_window_figure"),
    conda:
        ENV
    script:
        "../scripts/regional_map_figure.py"


rule regional_ranking_figure:
    """Map of a regional ranking's top clusters (the GII's top 50 in Africa)."""
    input:
        ranking="results/regional/{region}/clusters.parquet",
        membership="results/regional/{region}/membership.parquet",
        noise=lambda wc: f"results/cluster/{config['regional'][wc.region]['variant']}/noise.parquet",
        location_places=lambda wc: (
            f"{locations_dir(config['regional'][wc.region]['variant'])}/location_places.parquet"
        ),
        code=package_code("regional_ranking_figure"),
    output:
        png=report(
            "results/figures/regional/{region}/map_top{top_n}.png",
            caption="captions/regional_ranking_map.rst",
            category="Maps",
            labels={"variant": "regional: {region}", "figure": "top {top_n} map"},
        ),
        pdf="results/figures/regional/{region}/map_top{top_n}.pdf",
    wildcard_constraints:
        region="|".join(config["regional"]) if config["regional"] else "no-region",
        top_n=r"\d+",
    params:
        continent=lambda wc: config["regional"][wc.region]["continent"],
        window=lambda wc: CONTINENT_WINDOW[config["regional"][wc.region]["continent"]],
        label=lambda wc: VARIANT[config["regional"][wc.region]["variant"]]["label"],
    log:
        "logs/figures/regional_{region}_top{top_n}.log",
    benchmark:
        "results/benchmarks/figures/regional_{region}_top{top_n}.tsv"
    group:
        "figures"
    threads: 1
    resources:
        mem_mb=mem_mb_for("regional_ranking_figure"),
        runtime=runtime_for("regional_ranking_figure"),
    conda:
        ENV
    script:
        "../scripts/regional_ranking_figure.py"


rule intensity_figure:
    """World map of the S&T intensity of a variant's top clusters."""
    input:
        ranking="results/ranking/{variant}/clusters.parquet",
        code=package_code("intensity_figure"),
    output:
        png=report(
            "results/figures/{variant}/intensity_top{top_n}.png",
            caption="captions/intensity.rst",
            category="Maps",
            labels={"variant": "{variant}", "figure": "S&T intensity map"},
        ),
        pdf="results/figures/{variant}/intensity_top{top_n}.pdf",
    wildcard_constraints:
        top_n=r"\d+",
    params:
        title=lambda wc: VARIANT[wc.variant]["label"],
    log:
        "logs/figures/intensity_{variant}_{top_n}.log",
    benchmark:
        "results/benchmarks/figures/intensity_{variant}_{top_n}.tsv"
    group:
        "figures"
    threads: 1
    resources:
        mem_mb=mem_mb_for("intensity_figure"),
        runtime=runtime_for("intensity_figure"),
    conda:
        ENV
    script:
        "../scripts/intensity_figure.py"


rule composition_figure:
    """Score of a variant's top clusters split into its sources' shares."""
    input:
        ranking="results/ranking/{variant}/clusters.parquet",
        code=package_code("composition_figure"),
    output:
        png=report(
            "results/figures/{variant}/composition_top{top_n}.png",
            caption="captions/composition.rst",
            category="Rankings",
            labels={"variant": "{variant}", "figure": "score composition"},
        ),
        pdf="results/figures/{variant}/composition_top{top_n}.pdf",
    wildcard_constraints:
        top_n=r"\d+",
    params:
        title=lambda wc: VARIANT[wc.variant]["label"],
        weights=lambda wc: dict(VARIANT[wc.variant]["sources"]),
    log:
        "logs/figures/composition_{variant}_{top_n}.log",
    benchmark:
        "results/benchmarks/figures/composition_{variant}_{top_n}.tsv"
    group:
        "figures"
    threads: 1
    resources:
        mem_mb=mem_mb_for("composition_figure"),
        runtime=runtime_for("composition_figure"),
    conda:
        ENV
    script:
        "../scripts/composition_figure.py"


rule rank_uncertainty_figure:
    """Nominal rank, median rank and 5-95% rank interval of a variant's top clusters."""
    input:
        uncertainty="results/sensitivity/{variant}/rank_uncertainty.csv",
        code=package_code("rank_uncertainty_figure"),
    output:
        png=report(
            "results/figures/{variant}/rank_uncertainty.png",
            caption="captions/rank_uncertainty.rst",
            category="Sensitivity",
            labels={"variant": "{variant}", "figure": "rank uncertainty"},
        ),
        pdf="results/figures/{variant}/rank_uncertainty.pdf",
    params:
        title=lambda wc: VARIANT[wc.variant]["label"],
        top_n=config["top_n"],
    log:
        "logs/figures/rank_uncertainty_{variant}.log",
    benchmark:
        "results/benchmarks/figures/rank_uncertainty_{variant}.tsv"
    group:
        "figures"
    threads: 1
    resources:
        mem_mb=mem_mb_for("rank_uncertainty_figure"),
        runtime=runtime_for("rank_uncertainty_figure"),
    conda:
        ENV
    script:
        "../scripts/rank_uncertainty_figure.py"
