"""Config adapters of the stage (used by rules/sensitivity.smk): the resolved settings,
the variant as the stage sees it, its countings, and the stage's input paths."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from stclusters.sensitivity.runs import Settings
from stclusters.variants import labels_path, locations_spec, resolve_variant


def variant_for(
    config: Mapping[str, Any],
    name: str,
    with_vc: bool = False,
    vc_weight: float = 1.0,
    algorithm: str | None = None,
    counting: str | None = None,
) -> dict[str, Any]:
    """Variant ``name`` resolved (:func:`stclusters.variants.resolve_variant`) with VC
    added at ``vc_weight`` when it lacks it (``with_vc``), and/or another clustering
    algorithm or counting: the descriptions whose cached labels the stage reads."""
    cfg = copy.deepcopy({k: config[k] for k in ("variants", "windows", "clustering",
                                                 "counting", "locations")})
    v = cfg["variants"][name]
    if with_vc and "vc" not in v["sources"]:
        v["sources"]["vc"] = float(vc_weight)
    if algorithm is not None:
        v.setdefault("clustering", {})["algorithm"] = algorithm
    if counting is not None:
        v["counting"] = counting
    return resolve_variant(cfg, name)


def settings_from_config(config: Mapping[str, Any]) -> Settings:
    """:class:`Settings` from the validated config (``sensitivity`` section, the sweep
    grid ``sweep.dbscan`` and ``top_n``)."""
    sc = config["sensitivity"]
    grid = [(float(e), float(m)) for e in config["sweep"]["dbscan"]["eps_km"]
            for m in config["sweep"]["dbscan"]["min_share"]]
    return Settings(
        components=list(sc["components"]),
        grid=grid,
        hdbscan=bool(sc["sweep"]["hdbscan"]),
        replicates=int(sc["bootstrap"]["replicates"]),
        draws=int(sc["weights"]["draws"]),
        scheme=str(sc["weights"]["scheme"]),
        concentration=float(sc["weights"]["concentration"]),
        halfwidth=float(sc["weights"]["halfwidth"]),
        base_samples=int(sc["joint"]["base_samples"]),
        pooling=str(sc["pooling"]),
        seed=int(sc["seed"]),
        top_n=int(sc["top_n"] if sc.get("top_n") is not None else config["top_n"]),
    )


def countings_for(config: Mapping[str, Any], name: str) -> list[str]:
    """The variant's counting, then the other one when the counting component is on."""
    c = resolve_variant(config, name)["counting"]
    other = "whole" if c == "fractional" else "fractional"
    return [c, other] if "counting" in config["sensitivity"]["components"] else [c]


def stage_variant(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The variant as the stage sees it: resolved, with VC (weight 1) when the vc
    component is on."""
    return variant_for(config, name, with_vc="vc" in config["sensitivity"]["components"])


def stage_inputs(config: Mapping[str, Any], name: str) -> dict[str, str]:
    """Input files of the stage for variant ``name``: location and document tables per
    counting, HDBSCAN labels per source and counting (when that point is on), the
    nominal per-source labels (checked against the in-process DBSCAN), and the nominal
    membership and ranking."""
    sc = config["sensitivity"]
    full = stage_variant(config, name)
    inputs = {}
    for c in countings_for(config, name):
        spec = locations_spec(c, full["round_deg"])
        inputs[f"locations_{c}"] = f"results/locations/{spec}/locations.parquet"
        inputs[f"docs_{c}"] = f"results/sensitivity/docs/{spec}/doc_locations.parquet"
        if sc["sweep"]["hdbscan"] and "sweep" in sc["components"]:
            hdb = variant_for(config, name, with_vc="vc" in sc["components"],
                              algorithm="hdbscan", counting=c)
            for s in full["sources"]:
                inputs[f"hdbscan_{s}_{c}"] = labels_path(hdb, s)
    for s in full["sources"]:
        inputs[f"labels_{s}"] = labels_path(full, s)
    inputs["membership"] = f"results/cluster/{name}/membership.parquet"
    inputs["ranking"] = f"results/ranking/{name}/clusters.parquet"
    return inputs
