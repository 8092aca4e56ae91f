"""Fixed tables of the demo world: the extract's columns, what each source generates, and
how addresses are written (native-script names, exonyms, scripts per country, region names).

Edit here to change how the demo spells a place; state, province and prefecture names come
from :mod:`stclusters.admin1` (the one home of first-level division tables).
"""

from __future__ import annotations

from stclusters.admin1 import DE_LAENDER

COLUMNS = [
    "source",
    "doc_id",
    "year",
    "city",
    "region",
    "postal_code",
    "country",
    "lat",
    "lon",
    "organization",
]

# per source: id prefix, documents at scale 1, years generated, contributors per document
SOURCES: dict[str, dict] = {
    "pct": {
        "prefix": "PCT",
        "docs": 40_000,
        "years": (2018, 2023),
        "sizes": [1, 2, 3, 4, 5, 6],
        "size_p": [0.28, 0.28, 0.2, 0.12, 0.07, 0.05],
    },
    "pub": {
        "prefix": "PUB",
        "docs": 43_000,
        "years": (2017, 2022),
        "sizes": [1, 2, 3, 4, 5, 6, 7, 8],
        "size_p": [0.14, 0.2, 0.2, 0.16, 0.12, 0.08, 0.06, 0.04],
    },
    "vc": {"prefix": "VC", "docs": 46_000, "years": (2018, 2023), "sizes": [1], "size_p": [1.0]},
}

# ------------------------------------------------------------------ address writing tables
# the demo writes German states in English, except Mecklenburg-Vorpommern in German
DE_STATES = {c: names[2 if c == "12" else 1] for c, names in DE_LAENDER.items()}

# native-script names of the largest places (otherwise taken from GeoNames by script)
NATIVE = {
    ("Tokyo", "JP"): "東京",
    ("Yokohama", "JP"): "横浜",
    ("Osaka", "JP"): "大阪",
    ("Kyoto", "JP"): "京都",
    ("Kobe", "JP"): "神戸",
    ("Nagoya", "JP"): "名古屋",
    ("Kawasaki", "JP"): "川崎",
    ("Chengdu", "CN"): "成都",
    ("Kyiv", "UA"): "Київ",
    ("Seoul", "KR"): "서울",
    ("Suwon", "KR"): "수원",
    ("Daejeon", "KR"): "대전",
    ("Busan", "KR"): "부산",
    ("Beijing", "CN"): "北京",
    ("Shanghai", "CN"): "上海",
    ("Shenzhen", "CN"): "深圳",
    ("Guangzhou", "CN"): "广州",
    ("Hong Kong", "HK"): "香港",
    ("Taipei", "TW"): "台北",
    ("Hsinchu", "TW"): "新竹",
    ("Moscow", "RU"): "Москва",
    ("Saint Petersburg", "RU"): "Санкт-Петербург",
    ("Tel Aviv", "IL"): "תל אביב",
    ("Jerusalem", "IL"): "ירושלים",
    ("Cairo", "EG"): "القاهرة",
    ("Tehran", "IR"): "تهران",
    ("Athens", "GR"): "Αθήνα",
    ("Bangkok", "TH"): "กรุงเทพมหานคร",
}
# common exonyms / native Latin spellings (kept only when GeoNames knows them)
EXONYMS = {
    "Munich": ["München", "Muenchen", "Munchen"],
    "Köln": ["Cologne", "Koeln"],
    "Nuremberg": ["Nürnberg", "Nuernberg"],
    "Vienna": ["Wien"],
    "Prague": ["Praha"],
    "Warsaw": ["Warszawa"],
    "Milan": ["Milano"],
    "Rome": ["Roma"],
    "Turin": ["Torino"],
    "Florence": ["Firenze"],
    "Naples": ["Napoli"],
    "Padova": ["Padua"],
    "Lisbon": ["Lisboa"],
    "Copenhagen": ["København", "Kobenhavn"],
    "Gothenburg": ["Göteborg", "Goteborg"],
    "Brussels": ["Bruxelles", "Brussel"],
    "Antwerp": ["Antwerpen", "Anvers"],
    "The Hague": ["Den Haag", "'s-Gravenhage"],
    "Genève": ["Geneva", "Genf"],
    "Zürich": ["Zurich", "Zuerich"],
    "Basel": ["Bâle", "Basle"],
    "Moscow": ["Moskva"],
    "Beijing": ["Peking"],
    "Sevilla": ["Seville"],
    "Athens": ["Athina", "Athinai"],
    "Bucharest": ["București", "Bucuresti"],
    "Belgrade": ["Beograd"],
    "Bengaluru": ["Bangalore"],
    "Mumbai": ["Bombay"],
    "Chennai": ["Madras"],
    "Kolkata": ["Calcutta"],
    "Gent": ["Ghent", "Gand"],
    "Hanover": ["Hannover"],
    "Frankfurt am Main": ["Frankfurt"],
    "Kyiv": ["Kiev"],
    "Montréal": ["Montreal"],
    "São Paulo": ["Sao Paulo"],
    "Mexico City": ["Ciudad de México", "Mexico"],
    "Kraków": ["Krakow", "Cracow"],
    "Tel Aviv": ["Tel Aviv-Yafo", "Tel-Aviv"],
    "Gurgaon": ["Gurugram"],
    "Fes": ["Fès", "Fez"],
    "Saint Petersburg": ["St Petersburg"],
}
# scripts (code point ranges) counted as native per country
SCRIPTS = {
    "cjk": [(0x4E00, 0x9FFF), (0x3400, 0x4DBF)],
    "kana": [(0x3040, 0x30FF)],
    "hangul": [(0xAC00, 0xD7AF)],
    "cyrillic": [(0x0400, 0x04FF)],
    "hebrew": [(0x0590, 0x05FF)],
    "arabic": [(0x0600, 0x06FF)],
    "greek": [(0x0370, 0x03FF)],
    "thai": [(0x0E00, 0x0E7F)],
}
NATIVE_SCRIPT = {
    "JP": "cjk",
    "CN": "cjk",
    "TW": "cjk",
    "HK": "cjk",
    "MO": "cjk",
    "KR": "hangul",
    "RU": "cyrillic",
    "UA": "cyrillic",
    "BG": "cyrillic",
    "RS": "cyrillic",
    "BY": "cyrillic",
    "IL": "hebrew",
    "EG": "arabic",
    "SA": "arabic",
    "AE": "arabic",
    "QA": "arabic",
    "IR": "arabic",
    "DZ": "arabic",
    "MA": "arabic",
    "TN": "arabic",
    "SD": "arabic",
    "JO": "arabic",
    "GR": "greek",
    "TH": "thai",
}
# Seoul rows written with their district (gu) as the city, "Seoul" as the region
SEOUL_GU = ["Gangnam-gu", "Seocho-gu", "Gwanak-gu", "Mapo-gu", "Seongdong-gu"]
# country strings of junk rows that name no economy
JUNK_COUNTRIES = ["XX", "Atlantis", "ZZ", "Utopia", "??"]
