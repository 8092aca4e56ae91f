"""Geocoding QA tables and figure (stclusters.qa)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from stclusters.qa import (
    METHOD_ORDER,
    REGISTRY_METHODS,
    by_source_method,
    figure_table,
    geocode_qa,
    qa_figure,
)


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    placed = pd.DataFrame(
        {
            "record_id": np.arange(8),
            "source": ["pct", "pct", "pct", "pct", "pub", "pub", "pub", "vc"],
            "city": ["Munich", "Munich", "Stutgart", "Bostn", "Paris", "Lyon", "Lyn", "Rome"],
            "region": [None, None, None, "MA", None, None, None, None],
            "country": ["DE", "DE", "DE", "US", "FR", "FR", "FR", "IT"],
            "country_iso2": ["DE", "DE", "DE", "US", "FR", "FR", "FR", "IT"],
            "geonameid": [1, 1, 2, 3, 4, 5, 5, 6],
            "place_name": ["Munich", "Munich", "Stuttgart", "Boston", "Paris", "Lyon", "Lyon",
                           "Rome"],
            "admin1": ["02", "02", "01", "MA", "11", "84", "84", "07"],
            "geo_method": ["exact", "given", "fuzzy", "fuzzy", "exact", "region", "fuzzy",
                           "country"],
            "geo_score": [100, 100, 94.1, 90.9, 100, 50, 90.0, 10],
        }
    )
    unmatched = pd.DataFrame(
        {
            "record_id": [8, 9, 10, 11],
            "source": ["pct", "pct", "pct", "vc"],
            "city": ["Foo", "Foo", None, "Bar"],
            "region": [None, None, None, None],
            "country": ["Narnia", "Narnia", "DE", "ITA"],
            "reason": ["unknown_country", "unknown_country", "no_address", "no_match"],
        }
    )
    return placed, unmatched


def test_geocode_qa_tables() -> None:
    placed, unmatched = frames()
    qa = geocode_qa(placed, unmatched, top_n=2)
    bc = qa["by_country"]
    assert bc["rows"].sum() == len(placed) + len(unmatched)
    assert (bc["rows"] == bc["placed"] + (bc["share_unmatched"] * bc["rows"]).round()).all()
    shares = bc[[f"share_{m}" for m in METHOD_ORDER]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    de = bc[(bc["source"] == "pct") & (bc["country"] == "DE")].iloc[0]
    assert de["rows"] == 4 and de["placed"] == 3 and de["placed_rate"] == 0.75
    assert de["share_fuzzy"] == 0.25
    unknown = bc[(bc["source"] == "pct") & bc["country"].isna()].iloc[0]
    assert unknown["rows"] == 2 and unknown["placed_rate"] == 0
    top = qa["top_unmatched"]
    assert len(top) == 2
    assert top.iloc[0][["city", "country", "reason", "rows"]].tolist() == [
        "Foo", "Narnia", "unknown_country", 2]
    low = qa["lowest_fuzzy"]
    assert low["geo_score"].tolist() == [90.0, 90.9]
    assert low.iloc[0][["input_city", "place_name", "rows"]].tolist() == ["Lyn", "Lyon", 1]


def test_by_source_method_and_figure(tmp_path) -> None:
    placed, unmatched = frames()
    t = by_source_method(placed, unmatched, top_countries=1)
    assert list(t.columns) == ["rows", *METHOD_ORDER]
    assert list(t.index[:3]) == ["pct", "pub", "vc"]
    assert "pct: DE" in t.index
    assert np.allclose(t[list(METHOD_ORDER)].sum(axis=1), 1.0)
    assert t.loc["pct", "rows"] == 7
    assert t.loc["vc", "unmatched"] == pytest.approx(0.5)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    qa_figure(t, a)
    qa_figure(t, b)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    img = imread(a)
    assert img.shape[1] == 9 * 150
    assert b"Software" not in a.read_bytes()[:2000]


def test_empty_inputs() -> None:
    placed, unmatched = frames()
    qa = geocode_qa(placed, unmatched.iloc[0:0])
    assert len(qa["top_unmatched"]) == 0
    qa = geocode_qa(placed[placed["geo_method"] != "fuzzy"], unmatched)
    assert len(qa["lowest_fuzzy"]) == 0


def test_registry_methods_per_source_and_country(tmp_path) -> None:
    """institution and affiliation_match rows count per source and per country in every
    table, and the figure keeps the registry methods that some row used."""
    placed, unmatched = frames()
    placed.loc[4, "geo_method"] = "institution"  # pub, FR
    placed.loc[5, "geo_method"] = "affiliation_match"  # pub, FR
    placed.loc[7, "geo_method"] = "institution"  # vc, IT
    bc = geocode_qa(placed, unmatched)["by_country"].set_index(["source", "country"])
    assert bc.loc[("pub", "FR"), ["share_institution", "share_affiliation_match"]].tolist() == [
        pytest.approx(1 / 3), pytest.approx(1 / 3)]
    assert bc.loc[("vc", "IT"), "share_institution"] == pytest.approx(1 / 2)  # + ITA unmatched
    t = by_source_method(placed, unmatched, top_countries=2)
    assert t.loc["pub", "institution"] == t.loc["pub: FR", "institution"] == pytest.approx(1 / 3)
    assert t.loc["pub: FR", "affiliation_match"] == pytest.approx(1 / 3)
    assert t.loc["pct", "institution"] == 0 and t.loc["vc: IT", "institution"] == 0.5
    assert list(figure_table(t).columns) == ["rows", *METHOD_ORDER]
    qa_figure(figure_table(t), tmp_path / "all.png")
    assert imread(tmp_path / "all.png").shape[1] == 1350
    # without a registry neither method has a row: the figure leaves both out
    plain = by_source_method(*frames())
    assert "institution" in plain.columns and (plain["institution"] == 0).all()
    assert list(figure_table(plain).columns) == [
        "rows", *[m for m in METHOD_ORDER if m not in REGISTRY_METHODS]]
