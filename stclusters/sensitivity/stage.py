"""The stage for one variant: :func:`sensitivity` checks that the engine reproduces the
nominal ranking (else :class:`NominalMismatchError`), runs every component and the joint
design, and summarises the ranks. :class:`Stage` holds what every run needs and the
runs so far; :meth:`Stage.add` evaluates one run and records it."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stclusters.sensitivity.components import run_components
from stclusters.sensitivity.engine import Engine
from stclusters.sensitivity.ranks import component_summary, match_ranks, pooled_summary
from stclusters.sensitivity.runs import COMPONENTS, NOMINAL, Point, Run, Settings, clustering_points
from stclusters.sensitivity.score import cluster_shares, first_index, rank_clusters
from stclusters.sensitivity.sobol import joint_design, joint_factors, sobol_indices

log = logging.getLogger("stclusters")


class NominalMismatchError(RuntimeError):
    """The engine's nominal run does not reproduce the nominal ranking it was given: the
    fast merge and score (:mod:`stclusters.sensitivity.merge_fast`,
    :mod:`stclusters.sensitivity.score`) no longer mirror
    :func:`stclusters.merge.build_st_clusters` and :func:`stclusters.rank.rank_variant`,
    or the stage was given inputs of another run."""


@dataclass
class Stage:
    """One variant's runs: the engine, the nominal clusters (``nominal``: cluster_id,
    name, economy, rank, ``{s}_share``, in rank order; ``nom_idx``: the nominal cluster
    index of every universe location), the variant's counting and sources, the source
    weights (``all_w``: the variant's, plus VC at its weight when the vc component adds
    it), and the runs so far (``runs_meta``, ``rank_cols``)."""

    engine: Engine
    settings: Settings
    nominal: pd.DataFrame
    nom_idx: np.ndarray
    counting: str
    base_sources: tuple[str, ...]
    all_w: dict[str, float]
    runs_meta: list[dict[str, Any]] = field(default_factory=list)
    rank_cols: list[np.ndarray] = field(default_factory=list)
    alt_counting: str = field(init=False)
    has_vc: bool = field(init=False)
    toggled: tuple[str, ...] = field(init=False)
    all_names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        eng = self.engine
        self.alt_counting = "whole" if self.counting == "fractional" else "fractional"
        self.has_vc = "vc" in self.base_sources
        self.toggled = (tuple(s for s in self.base_sources if s != "vc") if self.has_vc
                        else tuple(sorted((*self.base_sources, "vc"))))
        self.all_names = [s for s in eng.sources if s in self.all_w]
        self._w0 = eng.universe_weights(self.base_sources, self.counting, -1)
        self._src_code = {s: i for i, s in enumerate(eng.sources)}
        self._src64 = eng.src.astype(np.int64)

    def sources_of(self, run: Run) -> tuple[str, ...]:
        """The run's sources: the variant's, or with VC toggled."""
        return self.base_sources if run.vc_in == self.has_vc else self.toggled

    def evaluate(self, run: Run) -> tuple[np.ndarray, int]:
        """Rank of each nominal cluster's counterpart in the run, and the run's number of
        clusters."""
        srcs = self.sources_of(run)
        cid, k = self.engine.merged(run, srcs)
        wts = dict(run.weights) if run.weights is not None else self.all_w
        wt = self.engine.universe_weights(srcs, run.counting, run.replicate)
        shares = cluster_shares(cid, k, wt, self._src64, len(self._src_code))
        vec = np.zeros(len(self._src_code))
        for s in srcs:
            vec[self._src_code[s]] = wts[s]
        score = shares @ vec
        rank = rank_clusters(score, first_index(cid, k))
        return match_ranks(self.nom_idx, len(self.nominal), cid, rank, self._w0), k

    def record(self, component: str, run: Run, ranks: np.ndarray, k: int) -> None:
        """Append a run (its row of runs.csv) and its ranks."""
        srcs = self.sources_of(run)
        wts = dict(run.weights) if run.weights is not None else self.all_w
        row = {"run_id": len(self.runs_meta), "component": component,
               "point": run.point.label, "counting": run.counting, "vc": "vc" in srcs,
               "replicate": run.replicate}
        for s in self.all_names:
            row[f"weight_{s}"] = float(wts[s]) if s in srcs else np.nan
        row["n_clusters"] = int(k)
        self.runs_meta.append(row)
        self.rank_cols.append(ranks.astype(np.int64))

    def evaluate_many(self, runs: Sequence[Run]) -> Iterator[tuple[np.ndarray, int]]:
        """:meth:`evaluate` of each run, in order, the labels of a batch of runs computed
        first source by source and radius by radius (:meth:`Engine.prefetch`): each
        neighbour graph is built once a batch, whatever the graph budget."""
        batch = self.engine.batch_runs(len(self.all_names))
        for lo in range(0, len(runs), batch):
            chunk = runs[lo : lo + batch]
            self.engine.prefetch((s, r.point, r.counting, r.replicate) for r in chunk
                                 for s in self.sources_of(r))
            for r in chunk:
                yield self.evaluate(r)
        self.engine.prefetch(())

    def add_many(self, component: str, runs: Sequence[Run]) -> None:
        """:meth:`evaluate_many` and :meth:`record` runs."""
        for run, (ranks, k) in zip(runs, self.evaluate_many(runs), strict=True):
            self.record(component, run, ranks, k)

    def add(self, component: str, run: Run) -> tuple[np.ndarray, int]:
        """:meth:`evaluate` and :meth:`record` a run."""
        ranks, k = self.evaluate(run)
        self.record(component, run, ranks, k)
        return ranks, k


def sensitivity(
    engine: Engine,
    membership: pd.DataFrame,
    ranking: pd.DataFrame,
    variant_weights: Mapping[str, float],
    counting: str,
    settings: Settings,
    vc_weight: float = 1.0,
    logger: logging.Logger | None = None,
    ranking_label: str = "the nominal ranking",
) -> dict[str, pd.DataFrame]:
    """Run every component and the joint design; summarise the ranks.

    ``membership`` / ``ranking``: the variant's nominal S&T clusters
    (``results/cluster/{variant}/membership.parquet``, ``results/ranking/{variant}/
    clusters.parquet``: ``cluster_id``, ``rank``, ``name``, ``economy``, ``{s}_share``);
    ``variant_weights``: the nominal source weights; ``counting``: the nominal counting
    (the other one is the ``counting`` component's); ``vc_weight``: the weight of VC when
    the ``vc`` component adds it; ``ranking_label``: how errors name the ranking (its
    path). Raises :class:`NominalMismatchError` when the engine's nominal run does not
    reproduce ``ranking``. Returns frames ``uncertainty``, ``by_component``,
    ``indices``, ``runs``, ``ranks`` (run_id, cluster_id, rank) and ``checks`` (the
    nominal reproduction).
    """
    lg = logger or log
    st = settings
    stage, comps = _prepare(engine, membership, ranking, variant_weights, counting, st,
                            vc_weight, lg)
    points = clustering_points(st)
    ranks0, k0 = stage.add("nominal", Run(Point(NOMINAL), counting, stage.has_vc))
    k_nom = len(stage.nominal)
    mismatch = int((ranks0 != stage.nominal["rank"].to_numpy()).sum())
    lg.info("nominal reproduced: %d clusters (published %d), %d ranks differ", k0, k_nom,
            mismatch)
    check_nominal(stage.nominal, ranks0, k0, ranking_label)

    run_components(stage, comps, points, lg)
    factors = joint_factors(comps, st, len(points))
    joint_y, problem = None, None
    if factors and st.base_samples > 0:
        joint_y, problem = joint_design(stage, factors, points, lg)
        lg.info("joint design: %d runs over %s", joint_y.shape[1], ", ".join(problem["groups"]))

    out = _outputs(stage, comps, joint_y, problem)
    out["checks"] = pd.DataFrame([{"nominal_clusters": k_nom, "engine_clusters": k0,
                                   "ranks_differing": mismatch}])
    return out


def check_nominal(nominal: pd.DataFrame, ranks: np.ndarray, k: int, label: str) -> None:
    """Raise :class:`NominalMismatchError` (one line: what differs, with examples) unless
    the engine's nominal run gives every nominal cluster its rank and as many clusters."""
    expected = nominal["rank"].to_numpy()
    diff = np.flatnonzero(ranks != expected)
    if not len(diff) and k == len(nominal):
        return
    parts = []
    if len(diff):
        eg = ", ".join(
            f"cluster {nominal['cluster_id'].iat[i]} ({nominal['name'].iat[i]}) rank "
            f"{expected[i]} in the ranking, {ranks[i]} in the engine" for i in diff[:3]
        )
        parts.append(f"{len(diff)} of {len(nominal)} clusters differ in rank (e.g. {eg})")
    if k != len(nominal):
        parts.append(f"the engine finds {k} clusters, the ranking has {len(nominal)}")
    raise NominalMismatchError(
        f"sensitivity engine disagrees with {label}: {'; '.join(parts)} "
        "(stclusters/sensitivity/merge_fast.py and score.py must mirror "
        "merge.build_st_clusters and rank.rank_variant)"
    )


def _prepare(
    engine: Engine, membership: pd.DataFrame, ranking: pd.DataFrame,
    variant_weights: Mapping[str, float], counting: str, st: Settings, vc_weight: float,
    lg: logging.Logger,
) -> tuple[Stage, list[str]]:
    """Check the arguments; the :class:`Stage` and the components to run (in
    :data:`COMPONENTS` order; ``vc`` dropped when it cannot be toggled)."""
    unknown = set(st.components) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown sensitivity components {sorted(unknown)}")
    base_sources = tuple(s for s in engine.sources if s in variant_weights)
    if set(base_sources) != set(variant_weights):
        raise ValueError("the engine lacks sources of the variant")
    all_w = dict(variant_weights)
    if "vc" not in base_sources:
        all_w["vc"] = float(vc_weight)
    nom_idx, nominal = _nominal_table(engine, membership, ranking)
    stage = Stage(engine, st, nominal, nom_idx, counting, base_sources, all_w)
    comps = [c for c in COMPONENTS if c in st.components]
    vc_ok = "vc" in engine.sources and engine.sources["vc"].n > 0
    if "vc" in comps and (not vc_ok or not stage.toggled):
        lg.info("vc component skipped: no VC locations, or VC is the only source")
        comps.remove("vc")
    if "counting" in comps and not all(stage.alt_counting in engine.sources[s].weight
                                       for s in base_sources):
        raise ValueError(f"counting component needs the {stage.alt_counting} locations")
    return stage, comps


def _nominal_table(
    engine: Engine, membership: pd.DataFrame, ranking: pd.DataFrame
) -> tuple[np.ndarray, pd.DataFrame]:
    """Nominal cluster index (0..K-1 in rank order) of every universe location, and the
    nominal clusters (the ranking's rows) in rank order."""
    nom = ranking.sort_values("rank", kind="stable").reset_index(drop=True)
    pos = pd.Series(np.arange(len(nom)), index=nom["cluster_id"].to_numpy(np.int64))
    out = np.full(engine.n, -1, dtype=np.int64)
    m = membership[membership["cluster_id"] >= 0]
    for s, g in m.groupby("source"):
        if s not in engine.sources:
            continue
        loc = engine.sources[s].loc_id
        idx = np.searchsorted(loc, g["loc_id"].to_numpy(np.int64))
        idx = np.minimum(idx, max(len(loc) - 1, 0))
        ok = loc[idx] == g["loc_id"].to_numpy(np.int64)
        k = pos.reindex(g["cluster_id"].to_numpy(np.int64)).to_numpy()
        ok &= ~np.isnan(k)
        out[engine.offset[s] + idx[ok]] = k[ok].astype(np.int64)
    return out, nom


def _outputs(
    stage: Stage, comps: Sequence[str], joint_y: np.ndarray | None,
    problem: dict[str, Any] | None,
) -> dict[str, pd.DataFrame]:
    """The stage's frames from the recorded runs."""
    st, nominal = stage.settings, stage.nominal
    R = np.column_stack(stage.rank_cols)  # clusters x runs
    meta = pd.DataFrame(stage.runs_meta)
    comp = meta["component"].to_numpy()
    ranks = pd.DataFrame({
        "run_id": np.repeat(meta["run_id"].to_numpy(np.int64), len(nominal)),
        "cluster_id": np.tile(nominal["cluster_id"].to_numpy(np.int64), len(meta)),
        "rank": R.T.ravel().astype(np.int64),
    })
    return {
        "uncertainty": pooled_summary(nominal, R, comp, list(comps), st),
        "by_component": component_summary(nominal, R, comp, st),
        "indices": sobol_indices(nominal, joint_y, problem, st),
        "runs": meta,
        "ranks": ranks,
    }
