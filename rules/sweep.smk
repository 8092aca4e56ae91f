# Parameter sweep: DBSCAN on an eps x min_share grid around a variant's baseline.
# One job per (source, eps): the neighbour pairs of that eps are listed once and reused by
# every density of the grid (stclusters.cluster.dbscan_sweep); each grid point's labels
# are their own cached file, in the Paramspace-style path of rules/cluster.smk.
from stclusters.sweep import eps_outputs, point_labels_path

SWEEP = config["sweep"]
SWEEP_MS = [float(m) for m in SWEEP["dbscan"]["min_share"]]
SWEEP_POINTS = [(float(e), m) for e in SWEEP["dbscan"]["eps_km"] for m in SWEEP_MS]


rule sweep_eps:
    """DBSCAN labels of one source at one eps for every min_share of the sweep grid."""
    input:
        "results/locations/{locspec}/locations.parquet",
        code=package_code("sweep_cluster"),
    output:
        eps_outputs(SWEEP_MS),
    wildcard_constraints:
        locspec=r"(fractional|whole)/round~[0-9.e-]+",
        first=r"\d{4}",
        last=r"\d{4}",
        eps=r"[0-9.e+-]+",
    params:
        min_share=SWEEP_MS,
    log:
        "logs/sweep/{locspec}/{source}/{first}-{last}/eps_km~{eps}.log",
    benchmark:
        "results/benchmarks/sweep/{locspec}/{source}/{first}-{last}/eps_km~{eps}.tsv"
    threads: 1
    resources:
        mem_mb=8000,
    conda:
        ENV
    script:
        "../scripts/sweep_cluster.py"


rule sweep_summary:
    """Per grid point: clusters, top-N share, clustered share, rank correlation."""
    input:
        locations=lambda wc: f"{locations_dir(wc.variant)}/locations.parquet",
        baseline=lambda wc: labels_path(VARIANT[wc.variant], wc.source),
        points=lambda wc: [
            point_labels_path(VARIANT[wc.variant], wc.source, e, m) for e, m in SWEEP_POINTS
        ],
        code=package_code("sweep_summary"),
    output:
        "results/sweep/summary/{variant}/{source}.csv",
    params:
        points=SWEEP_POINTS,
        window=lambda wc: VARIANT[wc.variant]["windows"][wc.source]["current"],
        baseline=lambda wc: VARIANT[wc.variant]["params"][wc.source],
        top_n=config["top_n"],
    log:
        "logs/sweep/summary_{variant}_{source}.log",
    benchmark:
        "results/benchmarks/sweep/summary_{variant}_{source}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
    conda:
        ENV
    script:
        "../scripts/sweep_summary.py"


rule sweep_heatmap:
    """Heatmaps of the sweep summary of one source."""
    input:
        "results/sweep/summary/{variant}/{source}.csv",
        code=package_code("sweep_heatmap"),
    output:
        report(
            "results/figures/sweep/{variant}_{source}.png",
            caption="captions/sweep.rst",
            category="Parameter sweep",
            labels={"variant": "{variant}", "source": "{source}", "figure": "sweep heatmap"},
        ),
        "results/figures/sweep/{variant}_{source}.pdf",
    params:
        title=lambda wc: f"DBSCAN parameter sweep, {wc.source}: {VARIANT[wc.variant]['label']}",
        top_n=config["top_n"],
    log:
        "logs/figures/sweep_{variant}_{source}.log",
    threads: 1
    conda:
        ENV
    script:
        "../scripts/sweep_heatmap.py"
