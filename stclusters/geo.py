"""Sphere geometry shared by geocoding, clustering, merging and ranking.

Distances are great-circle on a sphere of mean Earth radius, like scikit-learn's haversine
metric. Euclidean structures (KD-trees) work on unit-sphere xyz points, whose chord
distance is monotone in great-circle distance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), km."""


def to_xyz(
    lat_deg: np.ndarray | Iterable[float], lon_deg: np.ndarray | Iterable[float]
) -> np.ndarray:
    """Unit-sphere cartesian coordinates, shape ``(n, 3)``, of points given in degrees."""
    phi = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lam = np.radians(np.asarray(lon_deg, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)])


def chord(eps_km: float) -> float:
    """Straight-line distance on the unit sphere between points ``eps_km`` apart on Earth."""
    return 2.0 * math.sin(float(eps_km) / (2.0 * EARTH_RADIUS_KM))


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
