# Resource requests of every rule: memory (MB) and runtime (minutes) from the size of the
# rule's inputs, sized from the peaks measured at the demo scale (303k rows), at 10x and on
# the tiny scenario (docs/cluster.md has the table; benchmarks/check_requests.py compares
# every request with the benchmark files). All rules are single-threaded (threads = 1) but
# demo_world and geocode with more than one chunk (stream_threads: stream.workers).
#
# Used as  resources: mem_mb=mem_mb_for("extract"), runtime=runtime_for("extract")
# Plain Python (no Snakemake directives), so benchmarks/check_requests.py can read it too.
import math

# What a job holds on a cluster node besides the rule's own process: the executor wraps
# each job in Snakemake processes that load this workflow (under SLURM a single job runs
# two, in the batch step and in the srun step). Measured by make test-slurm
# (.ci/slurm_job_rss.py): 342-417 MB since the workflow's parse-time imports are light
# (tests/test_parse_light.py; 539 MB before, and 717 MB on the CI machine); 600 leaves
# room for the variation between machines and Snakemake versions.
JOB_OVERHEAD_MB = 600
# a failed job comes back with this much more memory per attempt (1x, 1.5x, 2x)
RETRY_GROWTH = 0.5
# the shortest runtime asked for: a time limit must not kill a job merely on a busy node
MIN_MINUTES = 10

# rule name -> request model. mem = MB of the rule's process whatever its input (interpreter,
# imports, reference tables); per_mb = MB more per MB of the input files whose path holds
# `of` (every data input when None; Parquet on disk); per_scale = MB per unit of
# demo.scale; minutes, minutes_per_mb, minutes_per_scale = the runtime limit likewise.
# Streamed rules (issue 11: demo_world, extract, check_data, geocode, geocode_qa, locations,
# sensitivity_doc_locations) hold one chunk at a time: per_chunk_mrow = MB per million
# rows of a chunk (stream.chunk_rows, or the rows the input holds if fewer: rows_per_mb of
# the `of` input, rows_per_scale of demo.scale); their per_mb is what grows with unique
# address keys or locations, not with rows. "by" = the model depends on a wildcard
# (cluster_source, DBSCAN vs HDBSCAN). Measured at scale 1, 30 and 166: docs/benchmarks.md.
# geocoding (the geocode job and each geocode_part job; see them below)
GEOCODE_MODEL = {"mem": 400, "per_chunk_mrow": 750, "rows_per_mb": 53_000, "per_mb": 6.4,
                 "of": "extract/records", "minutes_per_mb": 0.2}
RESOURCES = {
    # about 0.8 GB of world tables + one block of 303k rows + one chunk: 0.80 GB at scale 1,
    # 1.33 GB at scale 30, 1.34 GB at scale 166 (50 M rows); about 2 s CPU per scale unit
    # (stream.workers > 1: each worker process holds the world tables and one block: 2.41
    # GB with 2 workers at scale 30)
    "demo_world": {"mem": 800, "per_chunk_mrow": 600, "rows_per_scale": 303_500,
                   "minutes": 10, "minutes_per_scale": 0.2, "per_thread": 1200},
    "gazetteer": {"mem": 620},
    # a chunk of rows (validated, then weighted and written) or a bucket of document keys
    # (sized to stream.memory_mb): 1.12 GB at 3 M rows, 1.1-1.5 GB at 9 M, 1.75 GB at 50 M
    # rows; OpenAlex works are parsed by forked worker processes when the rule has threads
    # (rules/extract.smk): each holds its interpreter and a few chunks of parsed lines.
    # rows_per_mb: a Parquet extract holds about 70,000 rows per MB (a CSV fewer)
    "extract": {"mem": 400, "per_chunk_mrow": 1500, "rows_per_mb": 70_000,
                "minutes_per_mb": 0.1, "per_thread": 250},
    # counts (source, year) chunk by chunk, two columns
    "check_data": {"mem": 300},
    # the gazetteer + one chunk (0.75 KB a row) + 3.9 KB per unique address key (256k keys
    # at 9.1 M rows: 2.01 GiB; keys grow far slower than rows, so per_mb overestimates
    # them at 50 M rows); records hold about 53,000 rows per MB
    # (stream.workers > 1: fuzzy queries scored by worker processes holding the names of
    # the gazetteer and a batch of queries)
    "geocode": {**GEOCODE_MODEL, "per_thread": 400,
                # stream.geocode_parts > 1: the job gathers the parts' files, one row group
                # (a chunk of geocoded rows) at a time, single-threaded: 815 MB at 9.1 M
                # rows in 2 or 4 parts
                "gather": {"mem": 300, "per_chunk_mrow": 600, "rows_per_mb": 53_000,
                           "of": "extract/records", "minutes_per_mb": 0.05}},
    # one of stream.geocode_parts parts, single-threaded: geocode's model with its chunk
    # and runtime from its share of the records ("per_part": rows and minutes from the
    # records' MB divided by the parts) but the keys of all records: a part holds most of
    # them (at 9.1 M rows 75% in 2 parts, 54% in 4; peaks 1.91 GB and 1.45-1.82 GB
    # against 1.95 GB in one job)
    "geocode_part": {**GEOCODE_MODEL, "per_part": True},
    # row counts per chunk: 0.88 GiB at 9.1 M rows; geocoded records about 35,000 rows/MB
    "geocode_qa": {"mem": 350, "per_chunk_mrow": 500, "rows_per_mb": 35_000},
    "population_raster": {"mem": 390, "per_mb": 12},
    # a block of whole documents + about 150 bytes per location, location-place and
    # location-organisation (7.3 M of them at 9.1 M rows: 2.19 GiB)
    "locations": {"mem": 300, "per_chunk_mrow": 900, "rows_per_mb": 35_000, "per_mb": 4.7,
                  "minutes_per_mb": 0.2},
    # as locations, holding its result (about 30 bytes per document-location row, and the
    # document ids as Arrow strings) and writing it one row group at a time: 1.60 GiB at
    # 9.1 M rows; 3.11 / 2.88 GB (fractional / whole) at 50.4 M rows (1,253 MB of records,
    # 36.4 M document-location rows; 3.84 / 6.51 GB before)
    "sensitivity_doc_locations": {"mem": 330, "per_chunk_mrow": 500, "rows_per_mb": 35_000,
                                  "per_mb": 2.3, "minutes_per_mb": 0.2},
    "cluster_source": {
        "by": "algorithm",
        # 315, 340 and 350 (cluster_source, merge_clusters, rank): their sampled job peaks
        # were within 100 MB of the request in make test-slurm (750-800 MB of 850-950,
        # 417 MB of it wrappers) while the wrappers varied by up to 180 MB between
        # machines (539 here, 717 on the CI machine, for the same code): 100 MB more
        "dbscan": {"mem": 315, "per_mb": 50, "minutes_per_mb": 5},
        # the exact weighted HDBSCAN (stclusters.whdbscan, numba, no worker processes):
        # 295-417 MB at the demo scale (the largest with numba compiling), 0.59 GiB for
        # 1M locations in benchmarks.md; as sweep_hdbscan, which builds the same hierarchy
        "hdbscan": {"mem": 400, "per_mb": 100, "minutes": 20, "minutes_per_mb": 10},
    },
    "sweep_eps": {"mem": 210, "per_mb": 100, "minutes_per_mb": 5},
    # no input-size term: its inputs are made inside the same group job (see mem_mb_for)
    "sweep_summary": {"mem": 300},
    "sweep_heatmap": {"mem": 320},
    "merge_clusters": {"mem": 340, "per_mb": 11, "minutes_per_mb": 2},
    "regional_ranking": {"mem": 230, "per_mb": 5, "minutes_per_mb": 2},
    "rank": {"mem": 350, "per_mb": 6},
    "compare_variants": {"mem": 230},
    # the document matrices (12 bytes a document-location entry in the window, about 3 MB
    # per MB of document tables), the pair tables (CSR links within link_km, 32 attachment
    # candidates a location), neighbour graphs within 1.5 GB and caches within 150 MB
    # each (stclusters/sensitivity/engine.py): 560-584 MB at the demo scale (5.9 MB of
    # inputs), 5.40 GB max_rss (5.75 GB high-water mark) at scale 166 (410 MB of inputs,
    # 2.4 M locations; killed at 24 GB before), 5.58 GiB high-water on a quiet rerun of
    # both variants; minutes: under 1 at the demo scale, 25-28 (quiet) to 60 (loaded) at
    # scale 166
    "sensitivity": {"mem": 300, "per_mb": 14, "minutes": 30, "minutes_per_mb": 0.3},
    "tables": {"mem": 200},
    "fidelity": {"mem": 250},
    "extended_table": {"mem": 220},
    "regional_table": {"mem": 200},
    "map_figure": {"mem": 250},
    "regional_window_figure": {"mem": 250},
    "regional_ranking_figure": {"mem": 300},
    "intensity_figure": {"mem": 250},
    "composition_figure": {"mem": 250},
    "rank_change_figure": {"mem": 250},
    "rank_uncertainty_figure": {"mem": 250},
    "appendix_report": {"mem": 280},
    "methodology_report": {"mem": 320},
    # added with the features of this phase; checked at the demo scale with
    # benchmarks/check_requests.py (docs/cluster.md): 1.6-1.9x of the job peak
    "institutions": {"mem": 400, "per_mb": 60, "minutes": 10},
    "sweep_hdbscan": {"mem": 600, "per_mb": 100, "minutes": 20, "minutes_per_mb": 10},
    "sweep_summary_hdbscan": {"mem": 300},
    "sweep_heatmap_hdbscan": {"mem": 320},
    # 100 briefs per variant: 4-6 min on a quiet machine, 23-24 min at load 6-9 (the
    # limit of 20 it had would have killed it there)
    "briefs": {"mem": 800, "per_mb": 10, "minutes": 60},
    "explorer": {"mem": 500, "per_mb": 5},
}


def _geocode_parts():
    return int(config.get("stream", {}).get("geocode_parts", 1))


def resource_model(rule, wildcards):
    """The request model of ``rule`` (for its wildcards, where it depends on one; its
    "gather" model when stream.geocode_parts > 1, where it has one)."""
    spec = RESOURCES[rule]
    if "by" in spec:
        spec = spec[wildcards[spec["by"]]]
    if "gather" in spec and _geocode_parts() > 1:
        spec = spec["gather"]
    return spec


def input_mb(input, of=None):
    """MB on disk of the inputs whose path holds ``of`` (all but package code when None)."""
    sizes = zip(map(str, input), input.size_files_mb)
    return sum(mb for path, mb in sizes if (of in path if of else not path.endswith(".py")))


def model_mb(spec, input):
    """MB of input a model's chunk rows and runtime follow: :func:`input_mb` of its ``of``
    inputs, divided by stream.geocode_parts for a model of one part (``per_part``)."""
    mb = input_mb(input, spec.get("of"))
    return mb / _geocode_parts() if spec.get("per_part") else mb


def _demo_scale():
    return float(config.get("demo", {}).get("scale", 1.0))


def _chunk_rows():
    return int(config.get("stream", {}).get("chunk_rows", 1_000_000))


def chunk_mb(spec, input):
    """MB a streamed step holds for its chunk: ``per_chunk_mrow`` MB per million rows of
    a chunk, the chunk being ``stream.chunk_rows`` rows or the rows the input holds if
    fewer (estimated from ``rows_per_mb`` of input, or ``rows_per_scale`` of demo.scale)."""
    if not spec.get("per_chunk_mrow"):
        return 0.0
    rows = _chunk_rows()
    if spec.get("rows_per_mb"):
        rows = min(rows, spec["rows_per_mb"] * model_mb(spec, input))
    if spec.get("rows_per_scale"):
        rows = min(rows, spec["rows_per_scale"] * _demo_scale())
    return spec["per_chunk_mrow"] * rows / 1e6


def memory_mb(rule, wildcards, input, attempt=1, threads=1):
    """The memory request (MB) of one job of ``rule``: JOB_OVERHEAD_MB + its model
    (``per_thread``: MB for each worker process beyond the first; ``per_chunk_mrow``: a
    streamed step's chunk, see :func:`chunk_mb`)."""
    spec = resource_model(rule, wildcards)
    mb = JOB_OVERHEAD_MB + spec["mem"] + spec.get("per_scale", 0) * _demo_scale()
    mb += chunk_mb(spec, input)
    mb += spec.get("per_thread", 0) * (max(int(threads), 1) - 1)
    if spec.get("per_mb"):
        mb += spec["per_mb"] * input_mb(input, spec.get("of"))
    mb *= 1 + RETRY_GROWTH * (attempt - 1)
    return int(math.ceil(mb / 50) * 50)


def runtime_minutes(rule, wildcards, input, attempt=1):
    """The runtime limit (minutes) of one job of ``rule``; doubles with every retry."""
    spec = resource_model(rule, wildcards)
    minutes = spec.get("minutes", MIN_MINUTES) + spec.get("minutes_per_scale", 0) * _demo_scale()
    if spec.get("minutes_per_mb"):
        minutes += spec["minutes_per_mb"] * model_mb(spec, input)
    return int(math.ceil(max(minutes, MIN_MINUTES) * attempt))


def _uses_input(rule):
    specs = RESOURCES[rule]
    specs = [specs[k] for k in specs if k != "by"] if "by" in specs else [specs]
    specs += [s["gather"] for s in specs if "gather" in s]
    return any(s.get("per_mb") or s.get("minutes_per_mb") or s.get("rows_per_mb")
               for s in specs)


def mem_mb_for(rule):
    """Resource callable (wildcards, input, attempt) -> memory request of ``rule`` in MB.

    A rule whose model does not depend on its input never touches it, so its request is
    known before its inputs exist (needed inside group jobs).
    """
    if _uses_input(rule):
        return lambda wildcards, input, threads, attempt: memory_mb(rule, wildcards, input,
                                                                    attempt, threads)
    return lambda wildcards, threads, attempt: memory_mb(rule, wildcards, (), attempt, threads)


def _workers():
    return int(config.get("stream", {}).get("workers", 1))


def stream_threads(rule):
    """Threads callable of a streamed rule whose script spreads its chunks or blocks over
    worker processes: stream.workers when there is more than one chunk (the demo world:
    more than one block, demo.scale > 1; geocode: more rows than stream.chunk_rows,
    estimated from rows_per_mb of its records; in a dry run, before the records exist,
    stream.workers), else 1; 1 for geocode gathering its parts (stream.geocode_parts > 1)."""
    spec = RESOURCES[rule]
    if spec.get("rows_per_scale"):
        return lambda wildcards: _workers() if _demo_scale() > 1 else 1
    def threads(wildcards, input):
        if "gather" in spec and _geocode_parts() > 1:
            return 1
        try:
            mb = input_mb(input, spec.get("of"))
        except Exception:  # a dry run: the input is not there yet (a real run asks again)
            return _workers()
        return _workers() if spec["rows_per_mb"] * mb > _chunk_rows() else 1

    return threads


def runtime_for(rule):
    """Resource callable (wildcards, input, attempt) -> runtime limit of ``rule`` in minutes."""
    if _uses_input(rule):
        return lambda wildcards, input, attempt: runtime_minutes(rule, wildcards, input, attempt)
    return lambda wildcards, attempt: runtime_minutes(rule, wildcards, (), attempt)
