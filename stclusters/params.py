"""Parameter-point strings for cached clustering outputs.

A clustering run is identified by its algorithm and parameters, written into its output
path the way ``snakemake.utils.Paramspace`` does (``eps_km~13.0/min_share~0.0004``), so
each point of a sweep is its own cached Snakemake job. Numbers are written canonically
(``13`` and ``13.0`` give the same path).
"""

from __future__ import annotations

from collections.abc import Mapping

ALGORITHM_PARAMS = {
    "dbscan": ("eps_km", "min_share", "min_weight"),
    "hdbscan": ("min_cluster_share", "min_samples_share"),
}


def _fmt(value: float) -> str:
    return repr(float(value))


def params_string(algorithm: str, params: Mapping[str, float]) -> str:
    """Canonical path fragment for ``params`` (keys in the algorithm's fixed order).

    For DBSCAN an absolute ``min_weight`` replaces ``min_share`` when both are given.
    """
    if algorithm not in ALGORITHM_PARAMS:
        raise ValueError(f"unknown clustering algorithm {algorithm!r}")
    p = dict(params)
    if algorithm == "dbscan" and p.get("min_weight") is not None:
        p.pop("min_share", None)
    keys = [k for k in ALGORITHM_PARAMS[algorithm] if p.get(k) is not None]
    unknown = set(p) - set(ALGORITHM_PARAMS[algorithm])
    if unknown:
        raise ValueError(f"unknown {algorithm} parameter(s): {', '.join(sorted(unknown))}")
    return "/".join(f"{k}~{_fmt(p[k])}" for k in keys)


def parse_params(text: str) -> dict[str, float]:
    """Inverse of :func:`params_string`."""
    out: dict[str, float] = {}
    for part in text.strip("/").split("/"):
        key, sep, value = part.partition("~")
        if not sep:
            raise ValueError(f"bad parameter fragment {part!r} in {text!r}")
        out[key] = float(value)
    return out
