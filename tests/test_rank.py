"""Scores, ranks, previous rank, growth and top organizations of a variant."""

import numpy as np
import pandas as pd
import pytest

from stclusters.rank import attribute_previous, rank_variant


def world():
    # loc 1,2: cluster 0 (Tokyo-ish); loc 3: cluster 1 (Osaka-ish); loc 4: noise far away
    coords = {1: (35.69, 139.69), 2: (35.44, 139.64), 3: (34.69, 135.50), 4: (43.06, 141.35),
              5: (35.70, 139.70)}
    rows = {"current": [], "previous": []}
    for window, w in (("current", {("pct", 1): 50, ("pct", 2): 10, ("pct", 3): 30,
                                   ("pct", 4): 10, ("pub", 1): 20, ("pub", 3): 60,
                                   ("pub", 4): 20}),
                      ("previous", {("pct", 1): 40, ("pct", 3): 40, ("pct", 4): 20,
                                    ("pub", 5): 30, ("pub", 3): 50, ("pub", 4): 20})):
        for (s, loc), weight in w.items():
            rows[window].append((s, loc, *coords[loc], float(weight)))
    cols = ["source", "loc_id", "lat", "lon", "weight"]
    cur = pd.DataFrame(rows["current"], columns=cols)
    prev = pd.DataFrame(rows["previous"], columns=cols)
    membership = pd.DataFrame(
        [("pct", 1, 0, "member"), ("pct", 2, 0, "member"), ("pct", 3, 1, "member"),
         ("pct", 4, -1, "noise"), ("pub", 1, 0, "member"), ("pub", 3, 1, "member"),
         ("pub", 4, -1, "noise")],
        columns=["source", "loc_id", "cluster_id", "how"],
    )
    clusters = pd.DataFrame({"cluster_id": [0, 1], "name": ["Tokyo–Yokohama", "Osaka"],
                             "economy": ["JP", "JP"], "lat": [35.6, 34.69],
                             "lon": [139.7, 135.5], "n_locations": [3, 2], "places": ["", ""]})
    orgs = pd.DataFrame(
        [("pct", 1, "Mitsubishi Electric", 30.0), ("pct", 2, "Canon", 10.0),
         ("pct", 1, "Canon", 15.0), ("pub", 1, "University of Tokyo", 20.0),
         ("pct", 3, "Panasonic", 30.0), ("pub", 3, "Osaka University", 60)],
        columns=["source", "loc_id", "organization", "weight"],
    )
    return cur, prev, membership, clusters, orgs


def test_scores_shares_and_ranks():
    cur, prev, membership, clusters, orgs = world()
    r = rank_variant(cur, prev, membership, clusters, orgs, {"pct": 1.0, "pub": 1.0})
    top = r.set_index("name")
    # world totals current: pct 100, pub 100
    assert top.loc["Tokyo–Yokohama", "pct_share"] == pytest.approx(60.0)
    assert top.loc["Osaka", "pub_share"] == pytest.approx(60.0)
    assert top.loc["Osaka", "score"] == pytest.approx(90.0)
    assert top.loc["Tokyo–Yokohama", "score"] == pytest.approx(80.0)
    assert r["rank"].tolist() == [1, 2] and r["name"].tolist() == ["Osaka", "Tokyo–Yokohama"]
    # Canon 10 + 15 = 25 < Mitsubishi Electric 30
    assert top.loc["Tokyo–Yokohama", "top_applicant"] == "Mitsubishi Electric"


def test_previous_rank_growth_and_weights():
    cur, prev, membership, clusters, orgs = world()
    r = rank_variant(cur, prev, membership, clusters, orgs, {"pct": 1.0, "pub": 1.0})
    top = r.set_index("name")
    # previous: pct totals 100, pub 100; Tokyo: pct 40 + pub 30 (loc 5 attached, 1.1 km away)
    # = 70 -> rank 2; Osaka: pct 40 + pub 50 = 90 -> rank 1
    assert top.loc["Osaka", "prev_rank"] == 1 and top.loc["Tokyo–Yokohama", "prev_rank"] == 2
    assert top.loc["Osaka", "rank_change"] == 0
    assert top.loc["Tokyo–Yokohama", "growth_pct"] == pytest.approx(100 * (80 / 70 - 1))
    assert top.loc["Osaka", "growth_pct"] == pytest.approx(0.0)
    # doubling the PCT weight flips the order
    r2 = rank_variant(cur, prev, membership, clusters, orgs, {"pct": 2.0, "pub": 1.0})
    assert r2["name"].tolist() == ["Tokyo–Yokohama", "Osaka"]


def test_attribution_of_previous_locations_respects_distance():
    cur, prev, membership, _, _ = world()
    got = attribute_previous(cur, prev, membership, attach_km=13.0)
    got = got.set_index(["source", "loc_id"])["cluster_id"].to_dict()
    assert got[("pub", 5)] == 0 and got[("pct", 4)] == -1
    none = attribute_previous(cur, prev, membership, attach_km=0.0)
    assert none.set_index(["source", "loc_id"])["cluster_id"].to_dict()[("pub", 5)] == -1


def test_top_organizations_by_fractional_count():
    cur, prev, membership, clusters, orgs = world()
    r = rank_variant(cur, prev, membership, clusters, orgs, {"pct": 1.0, "pub": 1.0})
    top = r.set_index("name")
    assert top.loc["Osaka", "top_applicant"] == "Panasonic"
    assert top.loc["Osaka", "top_organization"] == "Osaka University"
    assert np.isfinite(r["lat"]).all()


def test_top_organization_ties_go_to_the_first_name_not_to_rounding_noise():
    """Two organisations with 1 record each, one of them 1.0000000000000002 (a sum of
    fractions in another order): a tie, broken by name; a real difference of 1e-6
    records still wins."""
    from stclusters.rank import top_organizations

    membership = pd.DataFrame({"source": ["pct"] * 2, "loc_id": [1, 2], "cluster_id": [0, 1]})
    noisy = 1.0 + 2.0**-52
    rows = [("pct", 1, "Zeta Corp", noisy), ("pct", 1, "Alpha Corp", 1.0),
            ("pct", 2, "Zeta Corp", 1.0 + 1e-6), ("pct", 2, "Alpha Corp", 1.0)]
    orgs = pd.DataFrame(rows, columns=["source", "loc_id", "organization", "weight"])
    assert noisy > 1.0
    top = top_organizations(orgs, membership)
    assert top.loc[0, "pct"] == "Alpha Corp"
    assert top.loc[1, "pct"] == "Zeta Corp"


def test_equal_scores_in_their_last_bits_rank_by_cluster_id():
    from stclusters.rank import _rank_desc
    from stclusters.sensitivity.score import rank_clusters

    # cluster 4's 0.1 + 0.2 is 1 ulp above cluster 2's 0.3: a tie all the same
    score = pd.Series([0.1 + 0.2, 0.3, 0.5], index=[4, 2, 9])
    assert 0.1 + 0.2 > 0.3
    assert _rank_desc(score).to_dict() == {9: 1, 2: 2, 4: 3}
    ranks = rank_clusters(score.to_numpy(), np.array([4, 2, 9]))
    assert ranks.tolist() == [3, 2, 1]
