"""Paths of a parameter sweep's grid points (DBSCAN eps x min_share, HDBSCAN
min_samples_share x min_cluster_share): the cached labels files and the output patterns of
one sweep job.

Imported by rules/sweep.smk while Snakemake parses the workflow, so it stays light (no
numpy, pandas or scipy): every SLURM job parses the workflow again, twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from stclusters.params import params_string
from stclusters.variants import locations_spec


def point_fragment(eps_km: float, min_share: float) -> str:
    """Path fragment of one DBSCAN grid point (``eps_km~13.0/min_share~0.0004``)."""
    return params_string("dbscan", {"eps_km": eps_km, "min_share": min_share})


def point_labels_path(variant: Mapping, source: str, eps_km: float, min_share: float) -> str:
    """Cached labels of one sweep grid point of ``source`` under a resolved variant
    (:func:`stclusters.variants.resolve_variant`): its windows, counting and rounding."""
    y0, y1 = variant["windows"][source]["current"]
    spec = locations_spec(variant["counting"], variant["round_deg"])
    return (f"results/sweep/{spec}/{source}/{y0}-{y1}/dbscan/"
            f"{point_fragment(eps_km, min_share)}/labels.parquet")


def eps_outputs(min_shares: list[float]) -> list[str]:
    """Output patterns of the one-eps sweep job: one labels file per ``min_share``."""
    return [
        "results/sweep/{locspec}/{source}/{first}-{last}/dbscan/eps_km~{eps}/"
        f"{point_fragment(1.0, m).split('/')[1]}/labels.parquet"
        for m in min_shares
    ]


def hdbscan_point_fragment(min_samples_share: float, min_cluster_share: float) -> str:
    """Path fragment of one HDBSCAN grid point
    (``min_cluster_share~0.0004/min_samples_share~0.0004``, the order of
    :func:`stclusters.params.params_string`)."""
    return params_string("hdbscan", {"min_cluster_share": min_cluster_share,
                                     "min_samples_share": min_samples_share})


def hdbscan_point_labels_path(variant: Mapping, source: str, min_samples_share: float,
                              min_cluster_share: float) -> str:
    """Cached labels of one HDBSCAN sweep grid point of ``source`` under a resolved
    variant (its windows, counting and rounding)."""
    y0, y1 = variant["windows"][source]["current"]
    spec = locations_spec(variant["counting"], variant["round_deg"])
    return (f"results/sweep/{spec}/{source}/{y0}-{y1}/hdbscan/"
            f"{hdbscan_point_fragment(min_samples_share, min_cluster_share)}/labels.parquet")


def min_samples_outputs(min_cluster_shares: list[float]) -> list[str]:
    """Output patterns of the one-``min_samples_share`` HDBSCAN sweep job: one labels
    file per ``min_cluster_share`` (wildcard ``mss``: the min_samples_share)."""
    return [
        "results/sweep/{locspec}/{source}/{first}-{last}/hdbscan/"
        f"{hdbscan_point_fragment(1.0, m).split('/')[0]}/min_samples_share~{{mss}}/labels.parquet"
        for m in min_cluster_shares
    ]
