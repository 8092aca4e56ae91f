"""Affiliation strings -> city, region, postal code, country and the organisation part.

A raw affiliation string of a publication (``"Dept. of Physics, Universität zu Köln,
Zülpicher Str. 77, 50937 Köln, Germany"``) is read from its end:

1. the string is cleaned (e-mail addresses and ``Electronic address:`` notes dropped,
   full-width commas, newlines) and split at commas and semicolons into segments;
2. from the end, segments naming a country (English names and codes through
   :func:`stclusters.countries.to_iso2`, native names such as ``Deutschland``, ``Brasil``,
   ``中国``; also at the end of a segment without a comma: ``Beijing 100871 P.R. China``),
   postal codes and first-level divisions (``MA 02139``, ``ON N6A 3K7``, ``NSW 2006``,
   ``Bavaria``, ``Zhejiang``, ``Maharashtra``, ``Gyeonggi-do``, ``SP``, ``Moscow Oblast``)
   are taken off;
3. the next segment is the city once postal words (``80333 München``, ``SE-171 77
   Stockholm``, ``London SW7 2AZ``, ``1098 XH Amsterdam``), ``CEDEX`` and its number and a
   province code in brackets (``Milano (MI)``) are removed from it. Street parts (``Albertus-
   Magnus-Platz``, ``7-3-1 Hongo``, ``Im Neuenheimer Feld 280``) are skipped; a segment that
   names an organisation or a department (:func:`looks_like_organization`) is never taken as
   the city: the city is then the division taken just before (``NYU, New York, USA``), or
   none.

:func:`looks_like_organization` knows the words of the world's institutions without relying
on ``\\b`` word boundaries (which never fire around accented letters): ``Universität``,
``Université``, ``Universidad``, ``Universiteit``, ``Uniwersytet``, ``Institutet``,
``Hochschule``, ``Politecnico``, ``Charité``, ``Yliopisto``, ``Egyetem``, ``Daigaku``, ``大学``,
``研究所``, ``대학교``, ``университет``, ``جامعة``, company forms (``GmbH``, ``Inc``), acronyms
(``ETH``, ``KU Leuven``, ``UCL``), camel-case brand names (``FlourishOA``) and more.

Everything here is a pure function of the text (no gazetteer); the geocoder decides what
the city means. :func:`city_from_affiliation` keeps the contract of the OpenAlex reader's
former function of that name: ``(city, region, postal_code)``. The module also holds what
the OpenAlex reader and the institution registry share: :func:`institution_ref` (ROR and
OpenAlex institution ids in any usual form) and the cleaners the reader's quick place parse
borrows (:func:`drop_email`, :func:`clean_city_segment`, :func:`looks_like_organization`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from stclusters.admin1 import region_admin1
from stclusters.countries import country_key, to_iso2
from stclusters.text import fold_diacritics

__all__ = [
    "Affiliation",
    "city_from_affiliation",
    "clean_city_segment",
    "country_of",
    "drop_email",
    "institution_ref",
    "looks_like_organization",
    "looks_like_street",
    "org_tokens",
    "parse_affiliation",
    "split_postal",
]


@dataclass(frozen=True)
class Affiliation:
    """What :func:`parse_affiliation` reads from one affiliation string."""

    city: str | None  # as written, postal words and CEDEX removed
    region: str | None  # division code or name
    postal_code: str | None
    country_iso2: str | None  # named in the string (else the one passed in)
    organizations: tuple[str, ...]  # the segments before the city (organisations, departments)


# ----------------------------------------------------------------- words
# stems found anywhere in a folded (lower-case, no diacritics) word: organisations
_ORG_STEMS = (
    "univ", "uniwers", "institu", "instytut", "hochschul", "hogeschool", "hogskol", "hoegskol",
    "politecn", "polytechn", "politechn", "polytechni", "colleg", "school", "schule",
    "ecole", "escola", "escuela", "scuola", "skola", "faculty", "facult", "fakult",
    "hospital", "hopital", "ospedal", "szpital", "klinik", "clinic", "krankenh", "spital",
    "sjukhus", "sykehus", "ziekenhuis", "laborat", "laboratoire", "zentrum", "academ",
    "akadem", "ministr", "foundation", "fundac", "fondaz", "fondation", "stiftung",
    "corporat", "company", "compagnie", "observator", "museum", "bibliot", "library",
    "research", "recherche", "ricerca", "forschung", "investigac", "pesquisa", "depart",
    "dipartim", "departament", "abteilung", "medizin", "medical", "medicin", "society",
    "societe", "societa", "sociedad", "associat", "council", "consejo", "conseil",
    "consiglio", "agency", "agenzia", "agencia", "organisation", "organization",
    "organizacion", "authority", "government", "gouvernement", "service", "division",
    "program", "project", "center", "centre", "centro", "centrum", "charite", "technolog",
    "technisch", "tecnolog", "technik", "science", "scienti", "wissenschaft", "yliopisto",
    "egyetem", "daigaku", "daxue", "sveucilist", "univerza", "technion", "gymnas",
    "seminar", "consortium", "kombinat", "network", "innovation", "industr", "systems",
    "solutions", "pharma", "therapeut", "biotech", "nanotech", "diagnost", "enterprise",
    "holding", "limited", "incorporated", "gesellschaft", "verein", "krankenhaus",
    "klinikum", "infirmary", "sanatori", "dispensar", "polyclin", "policlin", "poliklin",
    "station", "survey", "office", "bureau", "agricult", "veterin", "nursing", "surgery",
    "oncolog", "cardiolog", "neurolog", "psychiat", "pediatr", "paediatr", "radiolog",
    "patholog", "physics", "chemistry", "biology", "engineering", "mathemat", "economics",
    "lab ", "labs ", "graduate", "obrazov", "nauchn", "issledov",
)
# whole folded tokens: organisations, company forms, well-known acronyms in lower case
_ORG_TOKENS = frozenset(
    "lab labs inc ltd llc plc gmbh ag sa spa srl sarl sas bv nv oy oyj ab asa kk co corp "
    "dept dep div fac sch hosp univ inst ctr cent bank group unit trust nhs eth epfl kth "
    "dtu cnrs inserm csic cnr inra inrae inria cea nasa nih ku tu uc ucl ucla mit nyu "
    "embl riken kaist postech cas caltech usc ucsd ucsf ubc unam usp unicamp ibm intel "
    "google microsoft amazon samsung huawei siemens bosch philips nokia ericsson sony "
    "toyota hitachi panasonic fujitsu nec canon baidu tencent alibaba".split()
)
# substrings in native scripts
_ORG_NATIVE = (
    "大学", "大學", "学院", "學院", "研究所", "研究院", "研究中心", "医院", "醫院", "病院",
    "公司", "会社", "中心", "实验室", "實驗室", "대학교", "대학", "연구소", "연구원", "병원",
    "университет", "институт", "академия", "центр", "больница", "лаборатор", "جامعة",
    "مستشفى", "معهد", "مركز", "אוניברסיט", "מכון", "विश्वविद्यालय", "มหาวิทยาลัย",
)
# city names that contain an organisation word
_CITY_EXCEPTIONS = frozenset({
    "college station", "college park", "university park", "university place",
    "university city", "research triangle park", "centreville", "centerville",
    "center valley", "centre valley", "medical lake", "universal city", "centralia",
    "science city", "academia", "sjukhus", "bank", "colleyville", "laboratory",
})
# street words: whole folded tokens, and endings of folded words (German, Dutch, Nordic)
_STREET_TOKENS = frozenset(
    "street str strasse road rd avenue ave avenida avda blvd boulevard lane drive parkway "
    "highway hwy rue chemin quai via viale piazza piazzale corso calle carrer rua travessa "
    "paseo ulica ulitsa prospekt postbus postfach apartado building bldg floor room suite "
    "caixa casilla jalan soi".split()
)
# street words only at the start or the end of a segment (short or ambiguous ones)
_STREET_EDGE = frozenset("ul al pr av bd no nr box po bp cp km campus largo ln dr jl moo "
                         "tambon allee".split())
_STREET_ENDINGS = ("strasse", "str", "platz", "weg", "allee", "gasse", "damm", "ufer",
                   "straat", "laan", "plein", "singel", "gracht", "gatan", "gata", "gate",
                   "vej", "vagen", "vaegen", "gade", "veien", "tie", "katu", "utca", "ro",
                   "gil", "chaussee", "steig", "ring")
_STREET_PREFIX = re.compile(r"^(?:im|am|an der|an den|auf der|auf dem|in der|zum|zur)\s",
                            re.IGNORECASE)
# first-level divisions that are not also the name of their capital
_REGION_NAMES: dict[str, tuple[str, ...]] = {
    "CN": ("Anhui", "Fujian", "Gansu", "Guangdong", "Guizhou", "Hainan", "Hebei",
           "Heilongjiang", "Henan", "Hubei", "Hunan", "Jiangsu", "Jiangxi", "Jilin",
           "Liaoning", "Qinghai", "Shaanxi", "Shandong", "Shanxi", "Sichuan", "Yunnan",
           "Zhejiang", "Guangxi", "Inner Mongolia", "Nei Mongol", "Ningxia", "Tibet",
           "Xizang", "Xinjiang"),
    "IN": ("Maharashtra", "Karnataka", "Tamil Nadu", "Tamilnadu", "Kerala", "Uttar Pradesh",
           "West Bengal", "Telangana", "Gujarat", "Rajasthan", "Punjab", "Haryana",
           "Andhra Pradesh", "Odisha", "Orissa", "Assam", "Bihar", "Madhya Pradesh",
           "Uttarakhand", "Himachal Pradesh", "Jharkhand", "Chhattisgarh", "Goa",
           "Jammu and Kashmir", "Meghalaya", "Manipur", "Tripura", "Mizoram", "Sikkim"),
    "JP": ("Hokkaido", "Iwate", "Miyagi", "Ibaraki", "Tochigi", "Gunma", "Kanagawa",
           "Yamanashi", "Aichi", "Mie", "Shiga", "Hyogo", "Ehime", "Kagawa", "Ishikawa",
           "Shimane", "Okinawa"),
    "BR": ("Acre", "Alagoas", "Amapa", "Amazonas", "Bahia", "Ceara", "Distrito Federal",
           "Espirito Santo", "Goias", "Maranhao", "Mato Grosso", "Mato Grosso do Sul",
           "Minas Gerais", "Para", "Paraiba", "Parana", "Pernambuco", "Piaui",
           "Rio Grande do Norte", "Rio Grande do Sul", "Rondonia", "Roraima",
           "Santa Catarina", "Sergipe", "Tocantins"),
    "IT": ("Lombardia", "Lombardy", "Lazio", "Piemonte", "Piedmont", "Veneto", "Toscana",
           "Tuscany", "Emilia-Romagna", "Campania", "Sicilia", "Sicily", "Puglia", "Apulia",
           "Liguria", "Sardegna", "Sardinia", "Calabria", "Marche", "Abruzzo", "Umbria",
           "Friuli-Venezia Giulia", "Trentino-Alto Adige", "Basilicata", "Molise"),
    "ES": ("Catalonia", "Catalunya", "Cataluña", "Andalusia", "Andalucía", "Galicia",
           "Asturias", "Cantabria", "Basque Country", "País Vasco", "Euskadi", "Aragon",
           "Aragón", "Castilla y León", "Castilla-La Mancha", "Extremadura",
           "Comunidad de Madrid", "Comunitat Valenciana", "Valencian Community",
           "Canary Islands", "Islas Canarias", "Balearic Islands", "Illes Balears"),
    "KR": ("Gyeonggi", "Gangwon", "Chungbuk", "Chungnam", "Jeonbuk", "Jeonnam",
           "Gyeongbuk", "Gyeongnam", "Jeju"),
    "PK": ("Punjab", "Sindh", "Khyber Pakhtunkhwa", "KPK", "Balochistan"),
    "ZA": ("Gauteng", "Western Cape", "Eastern Cape", "KwaZulu-Natal", "Free State",
           "Limpopo", "Mpumalanga", "North West", "Northern Cape"),
    "MX": ("Jalisco", "Nuevo León", "Nuevo Leon", "Estado de México", "Morelos",
           "Guanajuato", "Yucatán", "Yucatan", "Baja California", "Sonora", "Coahuila"),
    "FR": ("Île-de-France", "Ile-de-France", "Auvergne-Rhône-Alpes", "Occitanie",
           "Nouvelle-Aquitaine", "Grand Est", "Hauts-de-France", "Bretagne",
           "Normandie", "Provence-Alpes-Côte d'Azur"),
    "NG": ("Oyo State", "Lagos State", "Ogun State", "Rivers State", "Kano State"),
}
_REGION_SUFFIX = re.compile(
    r"(?:\s|-)(?:province|prefecture|oblast|krai|kray|voivodeship|governorate|region|"
    r"state|county|district|canton|do|ken|fu|sheng)$",
    re.IGNORECASE,
)
# country names in other languages and spellings to_iso2 does not know
_COUNTRY_EXTRA = {
    "peoples r china": "CN", "peoples rep china": "CN", "p r c": "CN", "china pr": "CN",
    "prc china": "CN", "r o c": "TW", "roc": "TW", "s korea": "KR", "rep korea": "KR",
    "korea rep of": "KR", "czech rep": "CZ", "brasil": "BR", "espana": "ES",
    "deutschland": "DE", "germany deutschland": "DE", "italia": "IT", "schweiz": "CH",
    "suisse": "CH", "svizzera": "CH", "osterreich": "AT", "oesterreich": "AT",
    "belgique": "BE", "belgie": "BE", "nederland": "NL", "sverige": "SE", "norge": "NO",
    "danmark": "DK", "suomi": "FI", "polska": "PL", "magyarorszag": "HU", "cesko": "CZ",
    "ceska republika": "CZ", "hellas": "GR", "россия": "RU", "российская федерация": "RU",
    "中国": "CN", "中華人民共和国": "CN", "中华人民共和国": "CN", "日本": "JP", "한국": "KR",
    "대한민국": "KR", "台湾": "TW", "臺灣": "TW", "u k": "GB", "engl": "GB",
    "peoples republic china": "CN",
}
# two-letter codes that are also read as a country at the end of a string
_COUNTRY_CODES_OK = frozenset({"UK", "US"})
_US_CA_AU_CODE = re.compile(r"^([A-Za-z]{2,3})\.?(?:\s+(\d{5}(?:-\d{4})?|[A-Za-z]\d[A-Za-z]\s?"
                            r"\d[A-Za-z]\d|\d{4}))?$")
_STATE_COUNTRIES = {"US": 2, "CA": 2, "AU": 3}
_POSTAL_ONLY = re.compile(
    r"^(?:[A-Za-z]{1,3}-)?\d[\d\s-]{2,9}$|^[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d$"
    r"|^[A-Za-z]{1,2}\d[A-Za-z\d]?\s+\d[A-Za-z]{2}$|^\d{4}\s?[A-Z]{2}$"
)
_EMAIL = re.compile(r"(?:electronic address|e-?mail|email address)\s*:?\s*\S+@\S+|\S+@\S+",
                    re.IGNORECASE)
_CEDEX = re.compile(r"\s+cedex(?:\s+\d{1,3})?\b|\s+BP\s*\d+|\bBP\s*\d+\s+", re.IGNORECASE)
_PAREN_CODE = re.compile(r"\s*\(([A-Z]{1,3})\)\s*$")
_POSTAL_PREFIX = re.compile(r"^(?:[A-Z]{1,3}-)?\d")  # D-69120, SE-171, 80333
_WORD = re.compile(r"[^\W_]+")
_ROR_ID = re.compile(r"(?:^|ror\.org/)(0[a-hj-km-np-tv-z0-9]{6}\d{2})$", re.IGNORECASE)
_OPENALEX_ID = re.compile(r"(?:^|openalex\.org/(?:institutions/)?)(I\d+)$", re.IGNORECASE)


# ----------------------------------------------------------------- helpers
def _fold(s: str) -> str:
    return fold_diacritics(unicodedata.normalize("NFKC", s).casefold())


def org_tokens(s: str | None) -> list[str]:
    """Folded word tokens of ``s`` (NFKC, casefold, Latin diacritics stripped)."""
    if not s:
        return []
    return _WORD.findall(_fold(s))


def institution_ref(value: object) -> tuple[str | None, str | None]:
    """``(ror, openalex)`` of an institution id in any usual form, the other one None.

    ``https://ror.org/05dxps055`` and ``05dxps055`` -> ``("05dxps055", None)``;
    ``https://openalex.org/I157725225`` and ``I157725225`` -> ``(None, "I157725225")``.
    """
    if value is None or not isinstance(value, str):
        return None, None
    s = value.strip().rstrip("/")
    m = _ROR_ID.search(s)
    if m:
        return m.group(1).lower(), None
    m = _OPENALEX_ID.search(s)
    if m:
        return None, m.group(1).upper()
    return None, None


@lru_cache(maxsize=65536)
def country_of(segment: str) -> str | None:
    """ISO2 code of a segment that names a country (``USA``, ``Deutschland``), else None."""
    key = country_key(segment)
    if not key:
        return None
    if key in _COUNTRY_EXTRA:
        return _COUNTRY_EXTRA[key]
    return to_iso2(pd.Series([segment], dtype=object)).iloc[0]


def _code_like(s: str) -> bool:
    return s.replace(".", "").isalpha() and len(s.replace(".", "")) <= 3 and s.isupper()


def _is_camel(word: str) -> bool:
    return bool(re.search(r"[a-z][A-Z]", word)) and not word.startswith(("Mc", "Mac"))


def looks_like_organization(text: str | None) -> bool:
    """Whether a segment names an organisation, a department or a company, not a place.

    Unicode-aware: stems are searched inside folded words (``Universitätsmedizin`` ->
    ``universitatsmedizin`` contains ``univ``), native-script words as substrings; short
    acronyms (``ETH``, ``KU``, ``UCL``) and camel-case brands (``FlourishOA``) count too.
    """
    if not text or not text.strip():
        return False
    folded = " ".join(org_tokens(text))
    if folded in _CITY_EXCEPTIONS:
        return False
    padded = f" {folded} "
    if any(stem in padded for stem in _ORG_STEMS):
        return True
    toks = folded.split()
    if any(t in _ORG_TOKENS for t in toks):
        return True
    low = unicodedata.normalize("NFKC", text).casefold()
    if any(w in low for w in _ORG_NATIVE):
        return True
    words = re.findall(r"[^\W\d_][\w'’.-]*", text)
    if "&" in text or any(_is_camel(w) for w in words):
        return True
    mixed = any(w[:1].isupper() and not w.isupper() for w in words)
    caps = [w for w in words if w.isupper() and 2 <= len(w.replace(".", "")) <= 6
            and w.replace(".", "").isalpha()]
    if caps and mixed and folded not in ("washington dc",):
        return True
    if len(words) == 1 and caps:  # a lone upper-case word: an acronym unless it reads as a name
        w = caps[0].replace(".", "")
        return len(w) <= 3 or not re.search(r"[AEIOUY]", w)
    return len(toks) > 4


def looks_like_street(text: str) -> bool:
    """Whether a segment is a street address, a P.O. box or a building part."""
    toks = org_tokens(text)
    if not toks:
        return False
    if any(t in _STREET_TOKENS for t in toks) or "box" in toks:
        return True
    if any(t in _STREET_EDGE for t in toks[:1] + toks[-1:]):
        return True
    long_endings = [e for e in _STREET_ENDINGS if e not in ("ro", "gil", "tie", "ring")]
    if any((len(t) > len(e) + 2 and t.endswith(e)) or (t == e and len(e) >= 4
                                                        and e not in ("gate", "gata"))
           for t in toks for e in long_endings):
        return True
    if any(t.endswith(("-ro", "-gil")) for t in text.casefold().split()):
        return True
    has_digit = any(ch.isdigit() for ch in text)
    return has_digit and bool(_STREET_PREFIX.match(text.strip()) or split_postal(text)[2])


# ----------------------------------------------------------------- postal codes
_POSTAL_WORD = re.compile(r"^(?:[A-Z]{1,3}-)?(?:\d{4,6}|\d{3}-\d{4}|\d{2}-\d{3}|\d{5}-\d{3,4}"
                          r"|\d{4}-\d{3})$|^[A-Z]\d{4}[A-Z]{3}$")
_PAIRS = (  # two-word postal codes: (first word, second word)
    (re.compile(r"^(?:[A-Z]{1,3}-)?\d{3}$"), re.compile(r"^\d{2,3}$")),  # SE, CZ, GR, IN
    (re.compile(r"^(?:[A-Z]{1,3}-)?\d{4}$"), re.compile(r"^[A-Z]{2}$")),  # NL
    (re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$"), re.compile(r"^\d[A-Z]{2}$")),  # GB
    (re.compile(r"^[A-Z]\d[A-Z]$"), re.compile(r"^\d[A-Z]\d$")),  # CA
)
_HOUSE = re.compile(r"^\d{1,3}[A-Za-z]?$|^\d+(?:[-/]\d+)+[A-Za-z]?$|^no\.?\d*$", re.IGNORECASE)


def _pair(words: list[str], i: int) -> bool:
    return any(a.match(words[i]) and b.match(words[i + 1]) for a, b in _PAIRS)


def split_postal(segment: str) -> tuple[str, str | None, bool]:
    """``(name, postal_code, house_number)`` of a segment: postal words taken off its ends.

    ``80333 München`` -> ``München``; ``SE-171 77 Stockholm`` -> ``Stockholm``; ``London
    SW7 2AZ`` -> ``London``; ``1098 XH Amsterdam`` -> ``Amsterdam``; ``New Delhi-110016`` ->
    ``New Delhi``; ``Praha 2`` -> ``Praha`` (district number). ``house_number`` is True when
    a leading number is not a postal code (``7-3-1 Hongo``, ``12 Main Street``).
    """
    # "New Delhi-110016": a postal code glued to a word (not "D-80539", a prefixed code)
    seg = re.sub(r"(\w*[^\W\d_A-Z]\w*)-(?=\d{4,})", r"\1 ", segment)
    words = [w for w in seg.split() if w.strip("-–—·.")]
    lead: list[str] = []
    trail: list[str] = []
    house = False
    while len(words) > 1:
        if len(words) > 2 and _pair(words, 0):
            lead += words[:2]
            words = words[2:]
        elif _POSTAL_WORD.match(words[0]):
            lead.append(words.pop(0))
        elif _HOUSE.match(words[0]):
            house = True
            words.pop(0)
        else:
            break
    while len(words) > 1:
        if len(words) > 2 and _pair(words, len(words) - 2):
            trail = words[-2:] + trail
            words = words[:-2]
        elif any(ch.isdigit() for ch in words[-1]):
            w = words.pop()
            if not re.fullmatch(r"\d{1,2}", w):
                trail.insert(0, w)
        else:
            break
    postal = " ".join(lead + trail) or None
    return " ".join(words), postal, house


# ----------------------------------------------------------------- regions
@lru_cache(maxsize=1)
def _region_keys() -> dict[str, frozenset[str]]:
    return {iso: frozenset(country_key(n) for n in names) for iso, names in _REGION_NAMES.items()}


def _region_of(segment: str, country: str | None, more: bool) -> tuple[str | None, str | None,
                                                                         bool]:
    """``(region, postal, named)`` when ``segment`` is a first-level division of ``country``
    (``named``: a division name, which may also be the city), else ``(None, None, False)``.
    ``more``: other segments precede it (a division name alone is the city)."""

    m = _US_CA_AU_CODE.match(segment)
    if (m and country in _STATE_COUNTRIES and m.group(1).isupper()
            and len(m.group(1)) <= _STATE_COUNTRIES[country]
            and region_admin1(country, m.group(1))[1]):
        return m.group(1), m.group(2), False
    if not more:
        return None, None, False
    name, pc, _ = split_postal(segment)
    if not name:
        return None, None, False
    if _code_like(name) and len(name.replace(".", "")) <= 2 and not pc:
        return name, None, False  # SP, ZH, MI: a division code
    key = country_key(name)
    if ((country is not None and region_admin1(country, name)[1])
            or key in _region_keys().get(country or "", ())
            or (_REGION_SUFFIX.search(name) and not looks_like_organization(name))):
        return name, pc, True
    return None, None, False


def _country_of_code(code: str, postal: str) -> str | None:
    """The country of a division code followed by a postal code (``MI 48109`` -> US)."""

    shape = {"US": r"\d{5}(?:-\d{4})?", "CA": r"[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d", "AU": r"\d{4}"}
    for iso, pattern in shape.items():
        if re.fullmatch(pattern, postal) and region_admin1(iso, code)[1]:
            return iso
    return None


# ----------------------------------------------------------------- the parser
def _segments(text: str) -> list[str]:
    text = drop_email(unicodedata.normalize("NFC", text))
    text = re.sub(r"[，、；\n\r\t]", ",", text)
    out = []
    for s in re.split(r"[,;]", text):
        s = s.strip(" .·:-–—\"'")
        if s.count("(") != s.count(")"):
            s = s.strip("()[] ")
        if s and any(ch.isalnum() for ch in s):
            out.append(s)
    return out


def _country_suffix(segment: str) -> tuple[str, str | None]:
    """``(rest, iso)``: a country named by the last words of a segment (``Tokyo Japan``)."""
    words = segment.split()
    for k in range(min(4, len(words) - 1), 0, -1):
        tail = " ".join(words[-k:])
        if len(tail.replace(".", "")) <= 2 and tail not in _COUNTRY_CODES_OK:
            continue
        iso = country_of(tail)
        if iso is not None and words[-k - 1].casefold() not in ("new", "of", "de"):
            return " ".join(words[:-k]), iso
    return segment, None


def _take_country(segs: list[str], country: str | None) -> str | None:
    """Pop the trailing segments that name a country; returns the country of the string."""
    found = None
    while segs:
        t = segs[-1]
        iso = country_of(t)
        bare = t.replace(".", "").replace(" ", "")
        code = _code_like(t) and len(bare) <= 3
        if iso is not None and code and bare not in _COUNTRY_CODES_OK:
            # a code: only the country already known (or a 3-letter code at the very end)
            if not (iso == (found or country) or (found is None and len(bare) == 3
                                                  and country is None)):
                iso = None
        if iso is not None and found is not None and iso != found:
            if not (found == "CN" and iso in ("HK", "MO", "TW")):
                break
        if iso is None and found is None:
            rest, iso = _country_suffix(t)
            if iso is not None and rest:
                segs[-1] = rest
                found = iso
            break
        if iso is None:
            break
        found = iso
        segs.pop()
    return found


def drop_email(text: str) -> str:
    """``text`` without e-mail addresses and their ``Electronic address:`` notes."""
    return _EMAIL.sub(" ", text) if "@" in text else text


def clean_city_segment(segment: str) -> str:
    """A city segment without CEDEX or BP and its number and a bracketed province code
    (``75724 Paris CEDEX 15`` -> ``75724 Paris``; ``20133 Milano (MI)`` -> ``20133 Milano``)."""
    seg = _CEDEX.sub(" ", f" {segment} ").strip()
    return _PAREN_CODE.sub("", seg).strip()


def _clean_city(segment: str) -> tuple[str, str | None, bool]:
    """City text of a segment: CEDEX, BP, province code and postal words removed."""
    name, postal, house = split_postal(clean_city_segment(segment))
    return name.strip(" -–—"), postal, house


def parse_affiliation(text: str | None, country_iso2: str | None = None) -> Affiliation:
    """Read an affiliation string (see the module doc); ``country_iso2``: the country the
    record already has (e.g. the institution's), used to read division codes."""
    empty = Affiliation(None, None, None, country_iso2, ())
    if not text or not isinstance(text, str):
        return empty
    segs = _segments(text)
    found = _take_country(segs, country_iso2)
    country = found or country_iso2
    region = postal = region_token = None
    while segs:
        t = segs[-1]
        if _POSTAL_ONLY.match(t):
            postal = postal or t
            segs.pop()
            continue
        m = _US_CA_AU_CODE.match(t)
        if found is None and country is None and m and m.group(2):
            found = country = _country_of_code(m.group(1), m.group(2))  # "MI 48109": US
        if region is None:
            reg, pc, named = _region_of(t, country, len(segs) > 1)
            if reg is not None:
                region, postal = reg, postal or pc
                region_token = reg if named else None
                segs.pop()
                continue
        break
    city = None
    while segs:
        name, pc, house = _clean_city(segs[-1])
        if not name or house or looks_like_street(segs[-1]):
            segs.pop()
            continue
        if not looks_like_organization(name):
            city, postal = name, postal or pc
            segs.pop()
        break
    if city is None and region_token is not None:
        city, region = region_token, None
    if found is None and country_iso2 is None and city is not None:
        found = country_of(city)  # a city state: "Singapore 117543", "Hong Kong"
    orgs = tuple(s for s in segs if not looks_like_street(s))
    return Affiliation(city, region, postal, found or country_iso2, orgs)


def city_from_affiliation(text: str | None, country_iso2: str | None) -> tuple[
        str | None, str | None, str | None]:
    """``(city, region, postal_code)`` of an affiliation string: the contract of the
    OpenAlex reader's former ``city_from_affiliation``, now through
    :func:`parse_affiliation`."""
    a = parse_affiliation(text, country_iso2)
    return a.city, a.region, a.postal_code
