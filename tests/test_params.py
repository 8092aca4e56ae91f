import pytest

from stclusters.params import params_string, parse_params


def test_round_trip_and_canonical_numbers():
    s = params_string("dbscan", {"eps_km": 13, "min_share": 0.0004})
    assert s == "eps_km~13.0/min_share~0.0004"
    assert parse_params(s) == {"eps_km": 13.0, "min_share": 0.0004}


def test_min_weight_replaces_share_and_unknown_keys_fail():
    assert params_string("dbscan", {"eps_km": 10, "min_share": 0.1, "min_weight": 25}) == (
        "eps_km~10.0/min_weight~25.0"
    )
    with pytest.raises(ValueError, match="unknown dbscan parameter"):
        params_string("dbscan", {"eps": 1})
    with pytest.raises(ValueError, match="unknown clustering algorithm"):
        params_string("optics", {})
