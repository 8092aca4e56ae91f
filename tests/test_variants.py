"""Variants as data: resolution against the top-level config and the cached paths."""

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from stclusters.variants import labels_path, locations_spec, resolve_variant

SCHEMA = "schemas/config.schema.yaml"


def config(extra_variants=None):
    with open("config.yaml", encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    cfg["variants"].update(extra_variants or {})
    validate(cfg, SCHEMA)
    return cfg


def test_defaults_fill_in_and_variants_share_paths():
    cfg = config()
    a, b = resolve_variant(cfg, "gii2024"), resolve_variant(cfg, "gii2025")
    assert a["sources"] == {"pct": 1.0, "pub": 1.0} and "vc" in b["sources"]
    assert a["windows"]["pct"] == {"current": [2019, 2023], "previous": [2018, 2022]}
    assert a["counting"] == "fractional" and a["round_deg"] == 0.01
    # the PCT clustering of both variants is the same cached job
    assert labels_path(a, "pct") == labels_path(b, "pct")
    assert labels_path(a, "pct") == (
        "results/cluster/sources/fractional/round~0.01/pct/2019-2023/dbscan/"
        "eps_km~13.0/min_share~0.0004/labels.parquet"
    )


def test_a_variant_overrides_windows_counting_rounding_and_clustering():
    cfg = config({"custom": {
        "sources": {"pct": 0.5, "pub": 0.25, "vc": 0.25},
        "counting": "whole",
        "round_deg": 0.05,
        "windows": {"vc": {"current": [2020, 2023], "previous": [2019, 2022]}},
        "clustering": {"algorithm": "dbscan", "dbscan": {"vc": {"eps_km": 20}}},
    }})
    v = resolve_variant(cfg, "custom")
    assert v["sources"]["pct"] == 0.5
    assert v["windows"]["vc"]["current"] == [2020, 2023]
    assert v["windows"]["pct"]["current"] == [2019, 2023]  # not overridden
    assert v["params"]["vc"] == {"eps_km": 20, "min_share": 0.0004}
    assert v["params"]["pct"] == {"eps_km": 13.0, "min_share": 0.0004}
    assert locations_spec(v["counting"], v["round_deg"]) == "whole/round~0.05"
    assert "/vc/2020-2023/dbscan/eps_km~20.0/min_share~0.0004/" in labels_path(v, "vc")


def test_bad_variants_are_refused():
    with pytest.raises(WorkflowError, match="sources"):
        config({"broken": {"label": "no sources"}})
    with pytest.raises(WorkflowError, match="patents"):
        config({"broken": {"sources": {"patents": 1.0}}})
    with pytest.raises(KeyError, match="unknown variant"):
        resolve_variant(config(), "gii2030")


def test_variant_override_keeps_top_level_values_it_does_not_name():
    cfg = config({"dense": {"sources": {"pct": 1.0},
                            "clustering": {"dbscan": {"pct": {"min_share": 0.001}}}}})
    cfg["clustering"]["dbscan"]["pct"]["eps_km"] = 10.0
    assert resolve_variant(cfg, "dense")["params"]["pct"] == {"eps_km": 10.0, "min_share": 0.001}
