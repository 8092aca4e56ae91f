"""Sensitivity of the ranking: how far each cluster's rank moves under the unpublished
choices and under sampling noise.

Five components, each a set of *runs* (a run = one complete re-ranking of the variant):
the clustering point (``sweep``: the DBSCAN grid and HDBSCAN), a ``bootstrap`` over
documents, Monte Carlo over the source ``weights``, the other ``counting``, and ``vc``
toggled (:mod:`.components`); then a joint Sobol' design over them and variance-based
indices (:mod:`.sobol`). Each nominal cluster's counterpart in a run gives its rank
there; the pooled ranks give a median, a 90 % interval and the share of runs in the top
``top_n`` (:mod:`.ranks`).

Modules, in the order data flows through them:

* :mod:`.runs`: the vocabulary: components, factors, clustering points, runs, settings;
* :mod:`.documents`: each document's contribution to each location (the bootstrap's
  table) and one source's data for the engine (:class:`SourceData`);
* :mod:`.merge_fast`: the fast merge, mirroring :func:`stclusters.merge.build_st_clusters`;
* :mod:`.score`: the fast score and rank, mirroring :func:`stclusters.rank.rank_variant`;
* :mod:`.engine`: :class:`Engine`: re-clusters, merges and scores a run without
  rebuilding anything spatial;
* :mod:`.components`: the one-at-a-time components (runners) and the source-weight draws;
* :mod:`.sobol`: the joint (Saltelli) design and the Sobol' indices (SALib);
* :mod:`.ranks`: matching, weighted quantiles, pooled and per-component summaries;
* :mod:`.stage`: :func:`sensitivity`, the whole stage for one variant; it stops with
  :class:`NominalMismatchError` when the engine does not reproduce the nominal ranking;
* :mod:`.config`: config adapters and the stage's input paths (rules/sensitivity.smk).

Adding a component: name it in :data:`~.runs.COMPONENTS` and its factor in
:data:`~.runs.FACTORS`; write its runner in :mod:`.components` and register it in
:data:`~.components.RUNNERS`; map the factor's uniform to a run in
:func:`.sobol.design_run`; give it its settings in :class:`~.runs.Settings`,
:func:`~.config.settings_from_config`, config.yaml and schemas/config.schema.yaml.

Import from the modules, not from the package: this file imports nothing, so that
rules/sensitivity.smk can load :mod:`.config` (pure Python) while Snakemake parses the
workflow without numpy, pandas, numba or SALib; every SLURM job parses the workflow again.
"""
