"""Methodology variants as data.

A variant (``config["variants"][name]``) names the sources it ranks and their weights, and
may override any of the top-level choices: time windows, counting, rounding, clustering
algorithm and parameters. :func:`resolve_variant` fills in the top-level defaults so
every stage sees one complete description, and :func:`locations_spec` /
:func:`labels_path` turn it into the cached paths that variants sharing settings share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from stclusters.params import params_string


def resolve_variant(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The full description of variant ``name`` with top-level defaults filled in."""
    if name not in config["variants"]:
        raise KeyError(f"unknown variant {name!r}; defined: {', '.join(config['variants'])}")
    v = config["variants"][name]
    sources = {s: float(w) for s, w in v["sources"].items()}
    windows = {}
    for s in sources:
        w = v.get("windows", {}).get(s, config["windows"][s])
        windows[s] = {"current": list(w["current"]), "previous": list(w["previous"])}
    clus = v.get("clustering", {})
    algorithm = clus.get("algorithm", config["clustering"]["algorithm"])
    params = {
        s: {k: val for k, val in {**config["clustering"][algorithm][s],
                                  **clus.get(algorithm, {}).get(s, {})}.items()
            if val is not None}
        for s in sources
    }
    edition = v.get("edition")
    if edition is None and re.search(r"(19|20)\d\d", name):
        edition = int(re.search(r"(19|20)\d\d", name).group(0))
    return {
        "name": name,
        "label": v.get("label", name),
        "edition": edition,
        "sources": sources,
        "windows": windows,
        "counting": v.get("counting", config["counting"]),
        "round_deg": float(v.get("round_deg", config["locations"]["round_deg"])),
        "algorithm": algorithm,
        "params": params,
    }


def locations_spec(counting: str, round_deg: float) -> str:
    """Path fragment of a locations table: ``fractional/round~0.01``."""
    return f"{counting}/round~{float(round_deg)!r}"


def labels_path(variant: Mapping[str, Any], source: str) -> str:
    """Cached per-source clustering output used by ``variant`` for ``source``."""
    y0, y1 = variant["windows"][source]["current"]
    return (
        f"results/cluster/sources/{locations_spec(variant['counting'], variant['round_deg'])}"
        f"/{source}/{y0}-{y1}/{variant['algorithm']}/"
        f"{params_string(variant['algorithm'], variant['params'][source])}/labels.parquet"
    )
