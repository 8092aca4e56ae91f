"""Cluster execution without a cluster: the SLURM profile, the rules' resource requests
(rules/resources.smk) and the parsing in make test-slurm's checks (.ci/check_slurm_run.py).
The run through a real SLURM is `make test-slurm`."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import check_requests  # noqa: E402


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rules() -> dict[str, str]:
    """rule name -> its text, from rules/*.smk."""
    rules = {}
    for smk in sorted((REPO / "rules").glob("*.smk")):
        for block in re.split(r"(?m)^(?=rule )", smk.read_text(encoding="utf-8"))[1:]:
            rules[block.split()[1].rstrip(":")] = block
    return rules


@pytest.fixture(scope="module")
def res():
    return check_requests.load_resources({"demo": {"scale": 1.0}})


def test_profile_asks_for_memory_once_and_groups_the_tiny_jobs():
    profile = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text(encoding="utf-8"))
    assert profile["executor"] == "slurm"
    assert profile["slurm-status-command"] == "squeue"
    assert profile["retries"] >= 1 and profile["latency-wait"] >= 5
    # one memory setting: mem_mb from the rules, never mem_mb_per_cpu (multiplied by threads)
    assert "mem_mb_per_cpu" not in profile["default-resources"]
    assert "slurm_extra" not in profile["default-resources"]  # no second --mem there
    groups = {g.split("=")[0] for g in profile["group-components"]}
    used = {m for block in _rules().values() for m in re.findall(r'group:\n\s+"(\w+)"', block)}
    assert groups == used == {"figures", "tables", "sweep"}


def test_every_rule_requests_its_own_memory_and_runtime(res):
    rules = _rules()
    assert set(rules) == set(res["RESOURCES"]), set(rules) ^ set(res["RESOURCES"])
    for name, block in rules.items():
        # single-threaded, but for extract (OpenAlex parsing workers) and the streamed rules
        # with worker processes (stream.workers), asked for in memory too
        threads = {"extract": "threads: 4 if any(",
                   "demo_world": 'threads: stream_threads("demo_world")',
                   "geocode": 'threads: stream_threads("geocode")'}.get(name, "threads: 1")
        assert threads in block, name
        assert f'mem_mb=mem_mb_for("{name}")' in block, name
        assert f'runtime=runtime_for("{name}")' in block, name
        assert "mem_mb_per_cpu" not in block and "benchmark:" in block, name


def test_streamed_rules_ask_for_workers_only_with_more_than_one_chunk():
    """demo_world: stream.workers threads above scale 1 (more than one block); geocode: when
    its records hold more rows than a chunk (53,000 rows per MB); memory grows per worker."""
    cfg = {"demo": {"scale": 1.0}, "stream": {"workers": 3, "chunk_rows": 1_000_000}}
    one = check_requests.load_resources(cfg)
    big = check_requests.load_resources({**cfg, "demo": {"scale": 30.0}})
    assert one["stream_threads"]("demo_world")({}) == 1
    assert big["stream_threads"]("demo_world")({}) == 3
    small = check_requests.Inputs({"results/extract/records.parquet": 18.0})  # 954,000 rows
    large = check_requests.Inputs({"results/extract/records.parquet": 19.0})  # 1,007,000
    assert one["stream_threads"]("geocode")({}, small) == 1
    assert one["stream_threads"]("geocode")({}, large) == 3

    class NotThereYet(list):  # a dry run: Snakemake cannot size records not yet made
        @property
        def size_files_mb(self):
            raise FileNotFoundError("results/extract/records.parquet")

    assert one["stream_threads"]("geocode")({}, NotThereYet(["x"])) == 3
    per = one["RESOURCES"]["geocode"]["per_thread"]
    assert (one["memory_mb"]("geocode", {}, large, 1, 3)
            - one["memory_mb"]("geocode", {}, large, 1, 1)) == pytest.approx(2 * per, abs=50)


def test_memory_follows_the_input_and_grows_with_each_attempt(res):
    raw = check_requests.Inputs({"results/demo/raw_extract.parquet": 4.27,
                                 "stclusters/extract.py": 0.05})
    # a streamed rule: 600 wrappers + 400 + 1500 MB per million rows of its chunk, the
    # chunk being the 298,900 rows 4.27 MB of Parquet hold (70,000 a MB; the package
    # code does not count): 1448.4 -> 1450
    assert res["memory_mb"]("extract", {}, raw, 1) == 1450
    assert res["memory_mb"]("extract", {}, raw, 2) == 2200  # x 1.5, rounded up to 50
    assert res["memory_mb"]("extract", {}, raw, 3) == 2900
    # with 4 threads (OpenAlex workers) three more worker processes: + 3 x 250
    assert res["memory_mb"]("extract", {}, raw, 1, 4) == 2200
    # 10x the input: the chunk is stream.chunk_rows (1 M), not the 3 M rows: 600+400+1500
    big = check_requests.Inputs({"results/demo/raw_extract.parquet": 42.7})
    assert res["memory_mb"]("extract", {}, big, 1) == 2500
    assert res["memory_mb"]("extract", {}, check_requests.Inputs(
        {"results/demo/raw_extract.parquet": 4270.0}), 1) == 2500  # 100x: still one chunk
    # geocode sizes from the records only, not from the gazetteer tables beside them:
    # 600 + 400 + 750 x 0.3021 M rows (5.7 MB x 53,000) + 6.4 x 5.7 (keys) = 1263 -> 1300
    geo = check_requests.Inputs({"results/extract/records.parquet": 5.7,
                                 "results/gazetteer/names.parquet": 8.0})
    assert res["memory_mb"]("geocode", {}, geo, 1) == 1300
    # one rule, two models by the algorithm wildcard (DBSCAN pairs, HDBSCAN hierarchy)
    loc = check_requests.Inputs({"results/locations/x/locations.parquet": 1.0})
    assert res["memory_mb"]("cluster_source", {"algorithm": "dbscan"}, loc, 1) == 1000  # 965 up
    assert res["memory_mb"]("cluster_source", {"algorithm": "hdbscan"}, loc, 1) == 1100  # 600+400+100
    assert res["runtime_minutes"]("extract", {}, raw, 1) == 11  # 10 + 0.1 x 4.27, up
    assert res["runtime_minutes"]("extract", {}, raw, 2) == 21  # (10 + 0.427) x 2, up


def test_check_requests_flags_a_request_far_above_the_peak(res):
    jobs = [{"rule": "gazetteer", "wildcards": {}, "inputs": {}, "peak_mb": 600.0,
             "seconds": 5.0},
            {"rule": "map_figure", "wildcards": {}, "inputs": {}, "peak_mb": 100.0,
             "seconds": 5.0}]
    rows = check_requests.compare(jobs, res, wrapper_mb=300)
    assert rows["gazetteer"]["requests"] == [1250]
    assert rows["gazetteer"]["ratios"] == [pytest.approx(1250 / 900)]
    # a request more than twice the job's peak is what the check flags
    assert rows["map_figure"]["ratios"] == [pytest.approx(850 / 400)] and 850 / 400 > 2


def test_test_slurm_reads_job_ids_and_memory_from_the_logs():
    check = _module(REPO / ".ci" / "check_slurm_run.py")
    log = (
        "Job 7 has been submitted with SLURM jobid 41 (log: /w/.snakemake/slurm_logs/"
        "rule_extract/41.log).\n"
        "Job 9303bf has been submitted with SLURM jobid 42 (log: /w/.snakemake/slurm_logs/"
        "group_figures/42.log).\n"
        "5 of 9 steps (56%) done\n9 of 9 steps (100%) done\n"
    )
    subs = check.submissions(log)
    assert [(s["slurm_jobid"], s["runs"]) for s in subs] == [("41", "rule_extract"),
                                                             ("42", "group_figures")]
    assert check.steps_done(log) == 9
    assert check.memory_mb("650M") == 650 and check.memory_mb("2G") == 2048


def test_a_smaller_chunk_asks_for_less_memory():
    """stream.chunk_rows bounds a streamed rule's request; an unstreamed rule ignores it."""
    big = check_requests.Inputs({"results/demo/raw_extract.parquet": 42.7})
    locs = check_requests.Inputs({"results/locations/x/locations.parquet": 1.0})
    default = check_requests.load_resources({})
    small = check_requests.load_resources({"stream": {"chunk_rows": 100_000}})
    # 600 + 400 + 1500 x 0.1 = 1150
    assert small["memory_mb"]("extract", {}, big, 1) == 1150
    assert default["memory_mb"]("extract", {}, big, 1) == 2500
    assert (small["memory_mb"]("merge_clusters", {}, locs, 1)
            == default["memory_mb"]("merge_clusters", {}, locs, 1))
