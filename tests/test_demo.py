"""The demo world generator: determinism, contract shape, realism of the addresses."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from stclusters import demo
from stclusters.demo.world import hav_km

SCALE = 0.05


@pytest.fixture(scope="module")
def pair():
    return demo.generate_with_truth(scale=SCALE)


@pytest.fixture(scope="module")
def df(pair):
    return pair[0]


@pytest.fixture(scope="module")
def truth(pair):
    return pair[1]


def test_deterministic(df):
    again = demo.generate(scale=SCALE)
    pd.testing.assert_frame_equal(df, again)
    other = demo.generate(seed=1, scale=SCALE)
    assert len(other) != len(df) or not other.equals(df)
    assert (
        other["city"].fillna("").to_numpy()[:500] != df["city"].fillna("").to_numpy()[:500]
    ).any() or len(other) != len(df)


def test_size_scales(df):
    assert abs(len(df) - 300_000 * SCALE) <= 0.1 * 300_000 * SCALE
    assert abs(len(df) - demo.expected_rows(SCALE)) <= 0.1 * demo.expected_rows(SCALE)


def test_columns_and_types(df, truth):
    assert list(df.columns) == demo.COLUMNS
    assert len(truth) == len(df)
    for col in ("source", "doc_id", "city", "region", "postal_code", "country", "organization"):
        vals = df[col].dropna()
        assert len(vals) > 0, col
        assert all(isinstance(v, str) for v in vals), col
    assert df["source"].notna().all() and df["doc_id"].notna().all()
    assert pd.api.types.is_integer_dtype(df["year"])
    assert df["lat"].dtype == np.float64 and df["lon"].dtype == np.float64


def test_sources_ids_and_order(df):
    assert set(df["source"]) == {"pct", "pub", "vc"}
    prefix = {"pct": "PCT", "pub": "PUB", "vc": "VC"}
    for s, ids in df.groupby("source")["doc_id"]:
        assert ids.str.fullmatch(prefix[s] + r"-\d{6}").all()
    ordered = df.sort_values(["source", "doc_id"], kind="stable")
    assert (ordered.index == df.index).all()


def test_contributors_per_document(df, truth):
    per_doc = df.groupby(["source", "doc_id"]).size()
    mean = per_doc.groupby(level="source").mean()
    assert 2.0 <= mean["pct"] <= 3.0
    assert 3.0 <= mean["pub"] <= 4.2
    assert mean["vc"] == 1.0
    assert per_doc.loc["pct"].max() <= 6 and per_doc.loc["pub"].max() <= 8
    assert (per_doc.loc["pub"] >= 5).any()
    # some documents have a contributor in another metro
    share = truth.groupby(df["source"])["collab"].sum() / df.groupby("source")["doc_id"].nunique()
    assert 0.05 <= share["pct"] <= 0.2 and 0.05 <= share["pub"] <= 0.2


def test_years_span_windows(df):
    years = df.groupby("source")["year"].agg(["min", "max"])
    assert tuple(years.loc["pct"]) == (2018, 2023)
    assert tuple(years.loc["pub"]) == (2017, 2022)
    assert tuple(years.loc["vc"]) == (2018, 2023)
    for s in ("pct", "pub", "vc"):
        assert df.loc[df["source"] == s, "year"].nunique() == 6


def test_many_metros_and_planted_places(truth):
    metros = set(truth["metro"]) - {"noise"}
    assert len(metros) >= 150
    assert (truth["metro"] == "noise").mean() > 0.1
    places = set(zip(truth["place_name"], truth["place_country"], strict=True))
    for p in [
        ("Tokyo", "JP"),
        ("Yokohama", "JP"),
        ("Shenzhen", "CN"),
        ("Hong Kong", "HK"),
        ("Guangzhou", "CN"),
        ("San Jose", "US"),
        ("San Francisco", "US"),
        ("Basel", "CH"),
        ("Singapore", "SG"),
        ("Johor Bahru", "MY"),
        ("Cairo", "EG"),
    ]:
        assert p in places, p
    # cross-border regions have rows on every side of the border
    basel = set(truth.loc[truth["metro"] == "Basel", "place_country"])
    assert {"CH", "DE", "FR"} <= basel
    singapore = set(truth.loc[truth["metro"] == "Singapore", "place_country"])
    assert {"SG", "MY"} <= singapore


def test_small_planted_places_at_quarter_scale():
    _, truth = demo.generate_with_truth(scale=0.25, junk_share=0.0, typo_share=0.0)
    basel = truth[truth["metro"] == "Basel"]
    share = basel["place_name"].value_counts(normalize=True)
    for place in ("Lörrach", "Weil am Rhein", "Saint-Louis", "Huningue"):
        assert share.get(place, 0) >= 0.02, place


def test_growth_differs_by_metro(df, truth):
    pct = df["source"] == "pct"
    late = df["year"] >= 2021

    def ratio(metro):
        sel = pct & (truth["doc_metro"] == metro)
        return (sel & late).sum() / sel.sum()

    assert ratio("Shenzhen–Hong Kong–Guangzhou") > ratio("Tokyo–Yokohama")


def test_junk_rows(df, truth):
    junk = truth["junk"] != ""
    assert 0.4 * 0.01 <= junk.mean() <= 2.0 * 0.01
    lat, lon = df["lat"], df["lon"]
    out_of_range = (lat.abs() > 90) | (lon.abs() > 180)
    assert out_of_range.any()
    assert (out_of_range & df["city"].isna()).any()  # cannot be placed at all
    assert (df["city"].isna() & lat.isna()).any()
    assert df["country"].isin(demo.JUNK_COUNTRIES).any()
    assert ((lat == 0) & (lon == 0)).any()
    assert not truth.loc[truth["junk"] == "bad_coords_blank_city", "placeable"].any()
    none = demo.generate(scale=SCALE, junk_share=0.0)
    assert not none["country"].isin(demo.JUNK_COUNTRIES).any()


def test_coordinates_near_true_place(df, truth):
    given = df["lat"].notna() & (truth["junk"] == "")
    assert 0.2 <= given.mean() <= 0.35
    d = hav_km(
        df.loc[given, "lat"].to_numpy(),
        df.loc[given, "lon"].to_numpy(),
        truth.loc[given, "true_lat"].to_numpy(),
        truth.loc[given, "true_lon"].to_numpy(),
    )
    assert np.allclose(d, 0)


def test_address_variety(df):
    city = df["city"].dropna()
    assert (city.str.isupper() & (city.str.len() > 3)).sum() > 100
    cjk = city.map(lambda s: bool(re.search(r"[\u4e00-\u9fff\uac00-\ud7af]", s)))
    assert cjk.sum() > 100
    assert city.isin(["東京", "北京", "서울"]).any()
    suffixed = city[city.str.contains(r"(?:-shi|-ku|-si|-gu| Shi)$")]
    assert suffixed.str.endswith("-shi").any() and suffixed.str.endswith(" Shi").any()
    assert suffixed.str.endswith("-si").any() and suffixed.str.endswith("-ku").any()
    assert city.isin(["München", "Muenchen", "Munich"]).sum() > 0
    countries = set(df["country"].dropna())
    assert {"US", "USA", "United States"} <= countries
    assert {"CN", "CHN", "China"} <= countries
    region = df.loc[df["country"].isin(["US", "USA", "United States"]), "region"].dropna()
    assert region.str.fullmatch(r"[A-Z]{2}").mean() > 0.9
    assert df.loc[df["country"] == "CA", "region"].isin(["ON", "QC", "BC", "AB"]).any()
    postal = df.loc[df["country"] == "US", "postal_code"].dropna()
    assert len(postal) > 0 and postal.str.fullmatch(r"\d{5}").all()


def test_typos_follow_typo_share():
    clean = demo.generate(scale=SCALE, typo_share=0.0, junk_share=0.0)
    typo = demo.generate(scale=SCALE, typo_share=0.2, junk_share=0.0)
    changed = (clean["city"].fillna("") != typo["city"].fillna("")).mean()
    assert 0.1 < changed < 0.3


def test_organizations(df, truth):
    org = df["organization"]
    assert org.notna().mean() > 0.95
    pct = (df["source"] == "pct") & (truth["doc_metro"] == "Tokyo–Yokohama")
    assert org[pct].value_counts().index[0] == "Mitsubishi Electric"
    pub = (df["source"] == "pub") & (truth["metro"] == "Beijing")
    assert org[pub].value_counts().index[0] == "Tsinghua University"
    # one applicant per PCT application
    assert (df[df["source"] == "pct"].groupby("doc_id")["organization"].nunique() <= 1).all()


def test_metro_table():
    m = demo.load_metros()
    assert len(m) >= 150
    assert {
        "metro",
        "country",
        "continent",
        "pct",
        "pub",
        "vc",
        "growth_pct",
        "top_applicant",
        "top_organization",
        "places",
        "radius_km",
    } <= set(m.columns)
    assert (m["continent"] == "AF").sum() >= 10
    assert (m["continent"] == "NA").sum() >= 20
    assert m["metro"].is_unique


def test_write_demo(tmp_path):
    path = tmp_path / "demo.parquet"
    rows = demo.write_demo(path, scale=0.01, seed=3)
    back = pd.read_parquet(path)
    assert list(back.columns) == demo.COLUMNS
    assert len(back) == rows
    written = demo.generate(scale=0.01, seed=3)
    assert (back["doc_id"].to_numpy() == written["doc_id"].to_numpy()).all()


def test_demo_noise_exercises_swapped_coordinates_and_real_zip_codes(df, truth):
    swapped = truth["junk"] == "swapped_coords"
    assert swapped.sum() > 0
    # the row's given point is the true one with latitude and longitude exchanged
    assert np.allclose(df.loc[swapped, "lat"], truth.loc[swapped, "true_lon"])
    assert np.allclose(df.loc[swapped, "lon"], truth.loc[swapped, "true_lat"])
    from stclusters.geocode import zip_table

    zips = set(zip_table()["zip"])
    us = df[(df["country"].isin(["US", "USA", "United States"])) & df["postal_code"].notna()]
    assert len(us) > 20
    assert us["postal_code"].isin(zips).mean() > 0.8
