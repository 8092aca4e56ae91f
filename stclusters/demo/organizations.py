"""Organizations on the demo rows: applicants (PCT), affiliations (articles) and invested
companies (VC).

Each metro has its top organization (``top_applicant`` / ``top_organization`` in
``resources/demo_metros.csv``, on ``top_share`` of its rows, a third of that for VC) and a
pool of generic names built from its short name, drawn with weights 1/(k+2); noise rows
name their place. VC rows name one of ``VC_POOL`` made-up startups per metro.
"""

from __future__ import annotations

import numpy as np

from stclusters.demo.draws import choice_cdf
from stclusters.demo.world import Gazetteer, World

PCT_POOL = [
    "{c} Electronics",
    "Alpha {c} Electronics",
    "{c} Precision Industries",
    "{c} Pharmaceuticals",
    "{c} Motor Co.",
    "{c} Chemical",
    "{c} University",
    "{c} Institute of Technology",
    "{c} Medical Devices",
    "{c} Semiconductor",
    "{c} Telecom",
    "{c} Advanced Materials",
]
PUB_POOL = [
    "{c} University",
    "{c} Institute of Technology",
    "{c} Medical University",
    "University Hospital {c}",
    "{c} Normal University",
    "{c} Polytechnic",
    "National Research Institute {c}",
    "{c} Academy of Sciences",
    "{c} University of Science and Technology",
    "{c} Cancer Center",
    "{c} Agricultural University",
    "{c} State University",
]
POOL_W = 1.0 / (np.arange(1, 13) + 2.0)
POOL_W = POOL_W / POOL_W.sum()
VC_POOL = 40  # startups per metro (the first one is the metro's most frequent)
VC_NOISE_POOL = 5000  # startups outside the metros
_SYL = [
    "no",
    "va",
    "lu",
    "mi",
    "ra",
    "ten",
    "zo",
    "qui",
    "bel",
    "dex",
    "ly",
    "sen",
    "ka",
    "tri",
    "or",
    "pix",
    "cor",
    "fin",
    "ar",
    "ve",
    "syn",
    "tal",
    "ox",
    "mo",
]
_VC_SUFFIX = ["", "", " AI", " Labs", " Health", " Bio", " Pay", " Robotics", "ly", "io"]


def startup_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` made-up startup names: 2-3 syllables and a suffix ("Novaly Labs")."""
    a = rng.integers(0, len(_SYL), size=(n, 3))
    nsyl = rng.integers(2, 4, size=n)
    suf = rng.integers(0, len(_VC_SUFFIX), size=n)
    syl = np.array(_SYL, dtype=object)
    first = syl[a[:, 0]] + syl[a[:, 1]]
    third = np.where(nsyl == 3, syl[a[:, 2]], "")
    names = first + third
    return np.array(
        [str(x).capitalize() + _VC_SUFFIX[k] for x, k in zip(names, suf, strict=True)], dtype=object
    )


def organizations(
    s: str,
    rng: np.random.Generator,
    w: World,
    g: Gazetteer,
    doc_metro: np.ndarray,
    row_metro: np.ndarray,
    doc: np.ndarray,
    starts: np.ndarray,
    place: np.ndarray,
    vc_names: np.ndarray,
) -> np.ndarray:
    """The organization of each row of source ``s``.

    ``doc_metro`` per document; ``row_metro``, ``doc`` (document index) and ``place`` per
    row; ``starts`` the first row of each document. A PCT application has one applicant
    (drawn for its first row, in the document's metro), 4% none (individual applicants);
    article and VC rows draw theirs per row in the row's metro.
    """
    org_kind = rng.random(len(doc))
    pool_k = choice_cdf(rng, POOL_W, len(doc))
    org_metro = doc_metro[doc] if s == "pct" else row_metro
    if s == "pct":  # one applicant per application
        org_kind = org_kind[starts][doc]
        pool_k = pool_k[starts][doc]
    org_place = place[starts][doc] if s == "pct" else place
    if s == "vc":
        return _startups(w, org_metro, org_kind, rng, vc_names)
    out = _named(s, w, g, org_metro, org_kind, pool_k, org_place)
    if s == "pct":
        none_doc = rng.random(len(starts)) < 0.04  # individual applicants
        out[none_doc[doc]] = None
    return out


def _is_top(s: str, w: World, org_metro: np.ndarray, org_kind: np.ndarray) -> np.ndarray:
    """Rows whose organization is their metro's top one (top_share, a third for VC)."""
    top = w.top_share[org_metro]
    if s == "vc":
        top = top / 3.0
    return (org_kind < top) & (org_metro < len(w.metros))


def _named(s, w, g, org_metro, org_kind, pool_k, place) -> np.ndarray:
    """PCT applicants and article affiliations: the metro's top organization, else the
    ``pool_k``-th pool name of the metro's short name; noise rows name their place."""
    m = w.metros
    nm = len(m)
    short = [
        str(x).split("–")[0].split(" ")[0]
        if len(str(x).split("–")[0]) > 14
        else str(x).split("–")[0]
        for x in m["metro"]
    ]
    out = np.empty(len(org_metro), dtype=object)
    is_top = _is_top(s, w, org_metro, org_kind)
    col = "top_applicant" if s == "pct" else "top_organization"
    tops = m[col].fillna("").to_numpy(object)
    pool = PCT_POOL if s == "pct" else PUB_POOL
    table = np.array([[p.format(c=c) for p in pool] for c in short], dtype=object)
    inm = org_metro < nm
    out[inm] = table[org_metro[inm], pool_k[inm]]
    sel = is_top & (tops[np.minimum(org_metro, nm - 1)] != "")
    out[sel] = tops[org_metro[sel]]
    noise = ~inm
    sfx = (
        ["Industries", "Technologies", "Engineering", "Labs"]
        if s == "pct"
        else ["University of {p}", "{p} General Hospital", "{p} Research Institute"]
    )
    k = pool_k[noise] % len(sfx)
    names = g.name[place[noise]]
    # "{p} Industries", "University of {p}": the text before and after the place name
    before = np.array([x.split("{p}")[0] if "{p}" in x else "" for x in sfx], dtype=object)
    after = np.array([x.split("{p}")[1] if "{p}" in x else " " + x for x in sfx], dtype=object)
    out[noise] = before[k] + names + after[k]
    return out


def _startups(w, org_metro, org_kind, rng, vc_names) -> np.ndarray:
    """VC: the invested company; metro m owns vc_names[m * VC_POOL: (m + 1) * VC_POOL]
    (the first its top one), noise rows one of the VC_NOISE_POOL names after them."""
    nm = len(w.metros)
    is_top = _is_top("vc", w, org_metro, org_kind)
    out = np.empty(len(org_metro), dtype=object)
    j = rng.integers(1, VC_POOL, size=len(org_metro))
    idx = org_metro * VC_POOL + np.where(is_top, 0, j)
    noise = org_metro >= nm
    idx[noise] = nm * VC_POOL + rng.integers(0, VC_NOISE_POOL, size=int(noise.sum()))
    out[:] = vc_names[idx]
    return out
