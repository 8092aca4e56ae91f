# Parameter sweep: DBSCAN on an eps x min_share grid around a variant's baseline.
# One job per (source, eps): the neighbour pairs of that eps are listed once and reused by
# every density of the grid (stclusters.cluster.dbscan_sweep); each grid point's labels
# are their own cached file, in the Paramspace-style path of rules/cluster.smk.
# HDBSCAN likewise on a min_samples_share x min_cluster_share grid: one job per (source,
# min_samples_share), whose hierarchy serves every min_cluster_share
# (stclusters.cluster.hdbscan_sweep).
from stclusters.sweep_paths import (
    eps_outputs,
    hdbscan_point_labels_path,
    min_samples_outputs,
    point_labels_path,
)

SWEEP = config["sweep"]
SWEEP_MS = [float(m) for m in SWEEP["dbscan"]["min_share"]]
SWEEP_POINTS = [(float(e), m) for e in SWEEP["dbscan"]["eps_km"] for m in SWEEP_MS]
SWEEP_HDB = SWEEP["hdbscan"]
SWEEP_HDB_MCS = [float(m) for m in SWEEP_HDB["min_cluster_share"]]
SWEEP_HDB_POINTS = [(float(s), c) for s in SWEEP_HDB["min_samples_share"] for c in SWEEP_HDB_MCS]


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
    group:
        "sweep"
    threads: 1
    resources:
        mem_mb=mem_mb_for("sweep_eps"),
        runtime=runtime_for("sweep_eps"),
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
    group:
        "sweep"
    threads: 1
    resources:
        mem_mb=mem_mb_for("sweep_summary"),
        runtime=runtime_for("sweep_summary"),
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
    benchmark:
        "results/benchmarks/figures/sweep_{variant}_{source}.tsv"
    group:
        "sweep"
    threads: 1
    resources:
        mem_mb=mem_mb_for("sweep_heatmap"),
        runtime=runtime_for("sweep_heatmap"),
    conda:
        ENV
    script:
        "../scripts/sweep_heatmap.py"


rule sweep_hdbscan:
    """HDBSCAN labels of one source at one min_samples_share for every min_cluster_share
    of the sweep grid (one hierarchy, many cuts)."""
    input:
        "results/locations/{locspec}/locations.parquet",
        code=package_code("sweep_hdbscan"),
    output:
        min_samples_outputs(SWEEP_HDB_MCS),
    wildcard_constraints:
        locspec=r"(fractional|whole)/round~[0-9.e-]+",
        first=r"\d{4}",
        last=r"\d{4}",
        mss=r"[0-9.e+-]+",
    params:
        min_cluster_share=SWEEP_HDB_MCS,
    log:
        "logs/sweep/{locspec}/{source}/{first}-{last}/hdbscan_min_samples_share~{mss}.log",
    benchmark:
        "results/benchmarks/sweep/{locspec}/{source}/{first}-{last}/hdbscan_mss~{mss}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("sweep_hdbscan"),
        runtime=runtime_for("sweep_hdbscan"),
    conda:
        ENV
    script:
        "../scripts/sweep_hdbscan.py"


rule sweep_summary_hdbscan:
    """Per HDBSCAN grid point: clusters, top-N share, clustered share, agreement with the
    variant's own (baseline) clusters."""
    input:
        locations=lambda wc: f"{locations_dir(wc.variant)}/locations.parquet",
        baseline=lambda wc: labels_path(VARIANT[wc.variant], wc.source),
        points=lambda wc: [
            hdbscan_point_labels_path(VARIANT[wc.variant], wc.source, s, c)
            for s, c in SWEEP_HDB_POINTS
        ],
        code=package_code("sweep_summary_hdbscan"),
    output:
        "results/sweep/summary/{variant}/{source}_hdbscan.csv",
    params:
        points=SWEEP_HDB_POINTS,
        window=lambda wc: VARIANT[wc.variant]["windows"][wc.source]["current"],
        algorithm=lambda wc: VARIANT[wc.variant]["algorithm"],
        baseline=lambda wc: VARIANT[wc.variant]["params"][wc.source],
        top_n=config["top_n"],
    log:
        "logs/sweep/summary_{variant}_{source}_hdbscan.log",
    benchmark:
        "results/benchmarks/sweep/summary_{variant}_{source}_hdbscan.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("sweep_summary_hdbscan"),
        runtime=runtime_for("sweep_summary_hdbscan"),
    conda:
        ENV
    script:
        "../scripts/sweep_summary_hdbscan.py"


rule sweep_heatmap_hdbscan:
    """Heatmaps of the HDBSCAN sweep summary of one source."""
    input:
        "results/sweep/summary/{variant}/{source}_hdbscan.csv",
        code=package_code("sweep_heatmap"),
    output:
        report(
            "results/figures/sweep/{variant}_{source}_hdbscan.png",
            caption="captions/sweep_hdbscan.rst",
            category="Parameter sweep",
            labels={"variant": "{variant}", "source": "{source}", "figure": "HDBSCAN sweep"},
        ),
        "results/figures/sweep/{variant}_{source}_hdbscan.pdf",
    params:
        title=lambda wc: f"HDBSCAN parameter sweep, {wc.source}: {VARIANT[wc.variant]['label']}",
        top_n=config["top_n"],
        axes=["min_samples_share", "min_cluster_share"],
        axis_labels=["min_samples_share (core density)", "min_cluster_share (cluster weight)"],
    log:
        "logs/figures/sweep_{variant}_{source}_hdbscan.log",
    benchmark:
        "results/benchmarks/figures/sweep_{variant}_{source}_hdbscan.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_for("sweep_heatmap_hdbscan"),
        runtime=runtime_for("sweep_heatmap_hdbscan"),
    conda:
        ENV
    script:
        "../scripts/sweep_heatmap.py"
