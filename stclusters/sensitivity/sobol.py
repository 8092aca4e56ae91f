"""Variance-based indices: a joint design over the included components and the
first-order and total Sobol' indices of each nominal top-``top_n`` cluster's rank.

The design (factors ``clustering``, ``counting``, ``vc``, ``source_weights``,
``documents``) is drawn with SALib's Sobol' sequence sampler (Saltelli scheme,
``N x (factors + 2)`` runs); source weights are a group of one uniform per source mapped
through the Gamma inverse CDF to a Dirichlet (:func:`~stclusters.sensitivity.components.
weight_vectors`), discrete factors take equal-width bins of a uniform
(:func:`design_run`). The indices (SALib ``sobol.analyze``) are of each cluster's rank
capped at ``2 x top_n + 1`` (so an unmatched run does not dominate the variance), then
averaged over clusters weighted by each cluster's rank variance (= the share of the
summed rank variance; unweighted means are given too).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stclusters.sensitivity.components import weight_vectors
from stclusters.sensitivity.runs import FACTORS, NOMINAL, Point, Run, Settings

if TYPE_CHECKING:
    from stclusters.sensitivity.stage import Stage

INDEX_COLUMNS = ["factor", "S1", "S1_conf", "ST", "ST_conf", "S1_mean", "ST_mean",
                 "n_clusters", "n_runs"]
"""Columns of indices.csv."""

_RESAMPLES = 200  # bootstrap resamples of the joint runs for the confidence intervals


def joint_factors(comps: Sequence[str], st: Settings, n_points: int) -> list[str]:
    """The components that vary in the joint design (those with more than one value)."""
    factors = [c for c in comps if c != "weights" or st.draws > 0]
    factors = [c for c in factors if c != "bootstrap" or st.replicates > 0]
    return [c for c in factors if c != "sweep" or n_points > 1]


def saltelli_problem(factors: Sequence[str], source_names: Sequence[str]) -> dict[str, Any]:
    """The SALib problem: one uniform per factor, one per source for the weights (grouped
    as ``source_weights``)."""
    names, groups = [], []
    for c in factors:
        if c == "weights":
            for s in source_names:
                names.append(f"weight_{s}")
                groups.append(FACTORS[c])
        else:
            names.append(FACTORS[c])
            groups.append(FACTORS[c])
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
            "groups": groups}


def joint_design(
    stage: Stage, factors: Sequence[str], points: Sequence[Point],
    logger: logging.Logger | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Evaluate (and record as ``joint``) every run of the design; returns the ranks
    (clusters x runs) and the SALib problem."""
    from SALib.sample import sobol as sobol_sample

    st = stage.settings
    problem = saltelli_problem(factors, stage.all_names)
    X = sobol_sample.sample(problem, int(st.base_samples), calc_second_order=False,
                            scramble=True, seed=int(st.seed))
    col = {n: i for i, n in enumerate(problem["names"])}
    W = None
    if "weights" in factors:
        nom_w = np.array([stage.all_w[s] for s in stage.all_names], dtype=np.float64)
        W = weight_vectors(X[:, [col[f"weight_{s}"] for s in stage.all_names]], nom_w,
                           st.scheme, st.concentration, st.halfwidth)
    runs = []
    for r in range(len(X)):
        wts = tuple(zip(stage.all_names, W[r].tolist(), strict=True)) if W is not None \
            else None
        runs.append(design_run(stage, X[r], col, factors, points, wts))
    # evaluated grouped by clustering (each radius's graphs are built once), recorded in
    # design order: a run's ranks do not depend on the order runs are evaluated in
    where = {p: i for i, p in enumerate(points)}
    order = sorted(range(len(runs)), key=lambda r: (
        where[runs[r].point], runs[r].counting, runs[r].replicate, runs[r].vc_in))
    done: dict[int, tuple[np.ndarray, int]] = {}
    for step, (r, res) in enumerate(zip(order, stage.evaluate_many([runs[r] for r in order]),
                                        strict=True), 1):
        done[r] = res
        if logger is not None and (step % 64 == 0 or step == len(order)):
            logger.info("joint design: %d of %d runs", step, len(order))
    ys = []
    for r, run in enumerate(runs):
        ranks, k = done.pop(r)
        stage.record("joint", run, ranks, k)
        ys.append(ranks)
    return np.column_stack(ys), problem


def design_run(
    stage: Stage, x: np.ndarray, col: Mapping[str, int], factors: Sequence[str],
    points: Sequence[Point], weights: tuple[tuple[str, float], ...] | None,
) -> Run:
    """The run of design row ``x``: equal-width bins of each discrete factor's uniform
    (nominal values for factors not in the design)."""
    st = stage.settings
    point = (points[min(int(x[col["clustering"]] * len(points)), len(points) - 1)]
             if "sweep" in factors else Point(NOMINAL))
    cnt = stage.counting
    if "counting" in factors and x[col["counting"]] >= 0.5:
        cnt = stage.alt_counting
    vc_in = stage.has_vc
    if "vc" in factors and x[col["vc"]] >= 0.5:
        vc_in = not stage.has_vc
    rep = (min(int(x[col["documents"]] * st.replicates), st.replicates - 1)
           if "bootstrap" in factors else -1)
    return Run(point, cnt, vc_in, rep, weights)


def sobol_indices(
    nominal: pd.DataFrame, Y: np.ndarray | None, problem: Mapping[str, Any] | None,
    st: Settings,
) -> pd.DataFrame:
    """First-order and total Sobol' indices of the rank of each nominal top-n cluster
    (capped at ``2 top_n + 1``), aggregated over clusters weighted by rank variance:
    ``S = sum_k Var(Y_k) S_k / sum_k Var(Y_k)``, the share of the summed rank variance.
    ``*_conf``: half-width of the 95 % interval of the aggregate, from SALib's bootstrap
    resamples of the runs (the same resamples for every cluster, so the aggregate is
    resampled as a whole). ``*_mean``: unweighted means over the clusters whose rank
    varies at all."""
    if Y is None:
        return pd.DataFrame(columns=INDEX_COLUMNS)
    from scipy.stats import norm

    groups = list(dict.fromkeys(problem["groups"]))
    acc, res_acc, total_var, n_used = _accumulate(nominal, Y, problem, st, len(groups))
    z = float(norm.ppf(0.975))
    rows = []
    for j, name in enumerate(groups):
        row = {"factor": name}
        for k in ("S1", "ST"):
            if total_var > 0:
                row[k] = acc[k][j] / total_var
                row[f"{k}_conf"] = z * float(np.std(res_acc[k][:, j] / total_var, ddof=1))
            else:
                row[k] = row[f"{k}_conf"] = np.nan
        row["S1_mean"] = acc["u1"][j] / n_used if n_used else np.nan
        row["ST_mean"] = acc["ut"][j] / n_used if n_used else np.nan
        row["n_clusters"] = n_used
        row["n_runs"] = Y.shape[1]
        rows.append(row)
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def _accumulate(
    nominal: pd.DataFrame, Y: np.ndarray, problem: Mapping[str, Any], st: Settings, g: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], float, int]:
    """Variance-weighted sums of each top cluster's indices (``S1``, ``ST``), of their
    resamples, and unweighted sums (``u1``, ``ut``); the summed variance; the number of
    clusters whose capped rank varies."""
    from SALib.analyze import sobol as sobol_analyze

    cap = 2 * st.top_n + 1
    top = np.flatnonzero(nominal["rank"].to_numpy() <= st.top_n)
    acc = {k: np.zeros(g) for k in ("S1", "ST", "u1", "ut")}
    res_acc = {k: np.zeros((_RESAMPLES, g)) for k in ("S1", "ST")}
    total_var, n_used = 0.0, 0
    for i in top:
        y = np.minimum(Y[i].astype(np.float64), cap)
        var = float(np.var(y))
        if not var > 0:
            continue  # a rank that never moves: no variance to apportion
        res = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                    num_resamples=_RESAMPLES, conf_level=0.95,
                                    print_to_console=False, keep_resamples=True,
                                    seed=int(st.seed))
        for k in ("S1", "ST"):
            est = np.nan_to_num(np.asarray(res[k], dtype=np.float64))
            acc[k] += var * est
            acc["u1" if k == "S1" else "ut"] += est
            res_acc[k] += var * np.nan_to_num(np.asarray(res[f"{k}_conf_all"], np.float64))
        total_var += var
        n_used += 1
    return acc, res_acc, total_var, n_used

