rule map_figure:
    """GII Map 1: the top clusters of a variant over the noise points."""
    input:
        ranking="results/ranking/{variant}/clusters.parquet",
        noise="results/cluster/{variant}/noise.parquet",
        code=package_code("figures"),
    output:
        report(
            "results/figures/{variant}/map_top{top_n}.png",
            caption="captions/map.rst",
            category="Maps",
            labels={"variant": "{variant}", "figure": "top {top_n} map"},
        ),
    wildcard_constraints:
        top_n=r"\d+",
    params:
        title=lambda wc: VARIANT[wc.variant]["label"],
    log:
        "logs/figures/map_{variant}_{top_n}.log",
    threads: 1
    conda:
        ENV
    script:
        "../scripts/map_figure.py"


rule rank_change_figure:
    """Rank change of the top clusters between two variants."""
    input:
        "results/compare/{a}_vs_{b}.csv",
        code=package_code("figures"),
    output:
        report(
            "results/figures/rank_change_{a}_vs_{b}.png",
            caption="captions/rank_change.rst",
            category="Variant comparison",
            labels={"comparison": "{a} vs {b}", "figure": "rank change"},
        ),
    wildcard_constraints:
        a="|".join(VARIANTS),
        b="|".join(VARIANTS),
    params:
        label_a=lambda wc: VARIANT[wc.a]["label"],
        label_b=lambda wc: VARIANT[wc.b]["label"],
    log:
        "logs/figures/rank_change_{a}_vs_{b}.log",
    threads: 1
    conda:
        ENV
    script:
        "../scripts/rank_change_figure.py"
