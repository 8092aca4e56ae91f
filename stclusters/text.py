"""Place-name normalisation shared by the gazetteer and the geocoder.

A place name is turned into a *key*: Unicode NFKC, casefolded, Latin diacritics stripped
(after the German transliteration ä->ae, ö->oe, ü->ue, ß->ss), punctuation and symbols
turned into spaces, whitespace collapsed, the abbreviations ``st``/``ste``/``ft``/``mt``
spelt out, and administrative suffixes and postal-district numbers dropped
(``Osaka-shi`` -> ``osaka``, ``PARIS CEDEX 15`` -> ``paris``, ``東京都`` -> ``東京``).
Native scripts pass through unchanged apart from NFKC and casefolding.

The gazetteer indexes several *variants* of every name (:func:`place_variants`): with the
German transliteration and with plain diacritic stripping (so that both ``muenchen`` and
``munchen`` find München), and with and without the suffix stripping (so that
``Carson City`` can be told from ``Carson``).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

__all__ = [
    "fold_diacritics",
    "full_key",
    "normalize_place",
    "normalize_places",
    "place_variants",
]

# letters without a Unicode decomposition that still have an obvious ASCII spelling
_SPECIAL_LETTERS = {
    "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE",
    "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ß": "ss",
    "ħ": "h", "Ħ": "H", "ŀ": "l", "Ŀ": "L", "ŧ": "t", "Ŧ": "T", "ƒ": "f", "ſ": "s",
    "ʻ": " ", "ʼ": " ", "ʿ": " ", "ʾ": " ",
}
_GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}

# combining-mark blocks used on Latin/Greek/Cyrillic letters (not Indic or Thai vowel signs)
_COMBINING_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                     (0xFE20, 0xFE2F))
# Latin blocks whose letters are reduced to their base letter
_LATIN_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF))

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
# administrative suffixes of Japanese, Korean and Chinese romanised names, and "city"
_SUFFIX_TOKENS = frozenset({"shi", "ku", "cho", "machi", "si", "gu", "gun", "city", "cedex"})
# CJK suffixes (city, ward, metropolis) stripped once when something remains
_CJK_SUFFIXES = ("市", "区", "區", "都")


class _CharTable(dict):
    """Lazy ``str.translate`` table: computes and caches the mapping of each code point.

    Modes: ``german`` and ``plain`` build keys (diacritics stripped, punctuation to
    spaces; ``german`` first transliterates ä/ö/ü); ``fold`` only strips Latin diacritics.
    """

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def __missing__(self, cp: int) -> str:
        value = _map_char(chr(cp), self.mode)
        self[cp] = value
        return value


def _in(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def _map_char(ch: str, mode: str) -> str:
    cp = ord(ch)
    if cp < 0x80:  # ASCII: letters and digits kept, the rest is punctuation
        if mode == "fold" or ch.isalnum():
            return ch
        return " "
    if mode == "german" and ch in _GERMAN:
        return _GERMAN[ch]
    if ch in _SPECIAL_LETTERS and (mode != "fold" or _SPECIAL_LETTERS[ch].strip()):
        return _SPECIAL_LETTERS[ch]
    if _in(cp, _COMBINING_RANGES):
        return ""
    if mode != "fold" and unicodedata.category(ch)[0] in "PSZC":
        # punctuation, symbols, separators, controls -> space
        return " "
    if _in(cp, _LATIN_RANGES):
        base = "".join(
            c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
        )
        return "".join(_SPECIAL_LETTERS.get(c, c) for c in base) or ch
    return ch


_TABLE_GERMAN = _CharTable("german")
_TABLE_PLAIN = _CharTable("plain")
_TABLE_FOLD = _CharTable("fold")


def fold_diacritics(s: str) -> str:
    """Strip Latin diacritics, keeping case and punctuation (``München`` -> ``Munchen``)."""
    return unicodedata.normalize("NFC", s).translate(_TABLE_FOLD)


def _tokens(folded: str, table: dict) -> list[str]:
    toks = folded.translate(table).split()
    return [_ABBREVIATIONS.get(t, t) for t in toks]


def _strip(tokens: list[str]) -> list[str]:
    if not tokens:
        return tokens
    last = tokens[-1]
    if not (
        tokens[0].isdigit()
        or last.isdigit()
        or last in _SUFFIX_TOKENS
        or last.endswith(_CJK_SUFFIXES)
    ):
        return tokens
    toks = list(tokens)
    # leading postal codes ("80331 munchen")
    while len(toks) > 1 and toks[0].isdigit():
        toks.pop(0)
    # trailing postal districts, CEDEX and administrative suffixes
    while len(toks) > 1 and (toks[-1].isdigit() or toks[-1] in _SUFFIX_TOKENS):
        toks.pop()
    if toks:
        last = toks[-1]
        for suf in _CJK_SUFFIXES:
            if len(last) > len(suf) and last.endswith(suf):
                toks[-1] = last[: -len(suf)]
                break
    return toks


def _prepare(s: object) -> str:
    if s is None or (isinstance(s, float) and s != s):
        return ""
    if not isinstance(s, str):
        s = str(s)
    return unicodedata.normalize("NFKC", s).casefold()


def normalize_place(s: str | None) -> str:
    """Return the matching key of a place name (``""`` for blank or missing input).

    >>> normalize_place("Osaka-shi"), normalize_place("St. Louis"), normalize_place("東京都")
    ('osaka', 'saint louis', '東京')
    """
    folded = _prepare(s)
    if not folded:
        return ""
    return " ".join(_strip(_tokens(folded, _TABLE_GERMAN)))


def place_variants(s: str | None, plain: bool = True) -> list[str]:
    """All keys under which a gazetteer name is indexed, the :func:`normalize_place` key first.

    Variants: German transliteration and (when ``plain``) plain diacritic stripping, each
    with and without the suffix/postal-number stripping. Duplicates and empty keys are
    removed.
    """
    folded = _prepare(s)
    if not folded:
        return []
    german = _tokens(folded, _TABLE_GERMAN)
    forms = [" ".join(_strip(german)), " ".join(german)]
    if plain and ("ä" in folded or "ö" in folded or "ü" in folded):
        plain = _tokens(folded, _TABLE_PLAIN)
        forms += [" ".join(_strip(plain)), " ".join(plain)]
    out: list[str] = []
    for f in forms:
        if f and f not in out:
            out.append(f)
    return out


def full_key(s: str | None) -> str:
    """The key of ``s`` without the suffix/postal-number stripping (``carson city``)."""
    folded = _prepare(s)
    if not folded:
        return ""
    return " ".join(_tokens(folded, _TABLE_GERMAN))


def normalize_places(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_place`: computed once per distinct value, same index."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    keys = [normalize_place(u) for u in uniques]
    lookup = np.array(keys + [""], dtype=object)
    out = lookup[np.where(codes < 0, len(keys), codes)]
    return pd.Series(out, index=values.index, name=values.name, dtype=object)
