"""Place-name normalisation (stclusters.text)."""

from __future__ import annotations

import pandas as pd
import pytest

import stclusters.text as text
from stclusters.text import (
    fold_diacritics,
    full_key,
    normalize_place,
    normalize_places,
    place_variants,
)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("MÜNCHEN", "muenchen"),
        ("München", "muenchen"),
        ("Muenchen", "muenchen"),
        ("Munchen", "munchen"),
        ("80331 München", "muenchen"),
        ("Osaka-shi", "osaka"),
        ("Minato-ku", "minato"),
        ("Suwon-si", "suwon"),
        ("Jung-gu", "jung"),
        ("Mexico City", "mexico"),
        ("St. Louis", "saint louis"),
        ("ST LOUIS", "saint louis"),
        ("Ste. Foy", "sainte foy"),
        ("Ft. Lauderdale", "fort lauderdale"),
        ("PARIS CEDEX 15", "paris"),
        ("Paris 15", "paris"),
        ("Lyon Cedex 03", "lyon"),
        ("Frankfurt (Oder)", "frankfurt oder"),
        ("  Palo   Alto,  ", "palo alto"),
        ("Łódź", "lodz"),
        ("São Paulo", "sao paulo"),
        ("İstanbul", "istanbul"),
        ("Hồ Chí Minh City", "ho chi minh"),
        ("Zürich", "zuerich"),
        ("ＴＯＫＹＯ", "tokyo"),  # full-width letters: NFKC
        ("東京都", "東京"),
        ("大阪市", "大阪"),
        ("東京", "東京"),
        ("서울", "서울"),
        ("Москва", "москва"),
        ("मुंबई", "मुंबई"),
        # a suffix alone is the name, not a suffix
        ("Shi", "shi"),
        ("市", "市"),
        ("City", "city"),
        ("", ""),
        ("  .,; ", ""),
        (None, ""),
    ],
)
def test_normalize_place(raw: str | None, key: str) -> None:
    assert normalize_place(raw) == key


def test_munich_spellings_meet_in_the_index_of_its_name() -> None:
    indexed = set(place_variants("München")) | set(place_variants("Munich"))
    for spelling in ["MÜNCHEN", "Muenchen", "München", "Munchen", "munich"]:
        assert normalize_place(spelling) in indexed, spelling


def test_place_variants_and_full_key() -> None:
    assert place_variants("München") == ["muenchen", "munchen"]
    assert place_variants("München", plain=False) == ["muenchen"]
    assert place_variants("Carson City") == ["carson", "carson city"]
    assert place_variants("東京都") == ["東京", "東京都"]
    assert place_variants(None) == []
    assert full_key("Carson City") == "carson city"
    assert full_key("Osaka-shi") == "osaka shi"
    # the key is a fixed point: normalising a key again gives the same key
    for s in ["PARIS CEDEX 15", "St. Louis", "東京都", "Osaka-shi", "Zürich"]:
        assert normalize_place(normalize_place(s)) == normalize_place(s)


def test_fold_diacritics_keeps_case_and_punctuation() -> None:
    assert fold_diacritics("Düsseldorf") == "Dusseldorf"
    assert fold_diacritics("Łódź-Bałuty") == "Lodz-Baluty"
    assert fold_diacritics("Frankfurt (Oder)") == "Frankfurt (Oder)"
    assert fold_diacritics("東京") == "東京"


def test_normalize_places_maps_unique_values_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = text.normalize_place

    def counting(s: object) -> str:
        calls.append(s)
        return real(s)

    monkeypatch.setattr(text, "normalize_place", counting)
    values = pd.Series(["München", None, "Osaka-shi", "München", "PARIS CEDEX 15"] * 1000,
                       index=range(10, 5010))
    out = normalize_places(values)
    assert sorted(calls) == sorted(["München", "Osaka-shi", "PARIS CEDEX 15"])
    assert out.index.equals(values.index)
    assert out.iloc[:5].tolist() == ["muenchen", "", "osaka", "muenchen", "paris"]
    assert len(out) == 5000
