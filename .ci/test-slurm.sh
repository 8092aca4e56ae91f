#!/usr/bin/env bash
# make test-slurm: the tiny scenario (config/test/tiny.yaml) through a real SLURM.
#
# Starts a single-node SLURM on this machine (.ci/slurm-local.sh), runs the same targets
# twice in temporary working directories, once locally and once with
#   snakemake --executor slurm --workflow-profile profiles/slurm
# and checks that the jobs went through sbatch (job ids in the log, squeue and sacct saw
# them finish), that the grouped rules went as few submissions, and that the rankings and
# sweep summaries are byte-identical to the local run. Stops the daemons it started.
#
# Environment: PYTHON (default .venv/bin/python), KEEP=1 keeps the working directories.
#
# The local run goes first, in the background: it needs no SLURM, so the installs, the
# daemons' start and the SLURM run (which mostly waits on job start-ups and status
# queries) go on beside it; the two wall times are measured side by side.
#
# Environment: PYTHON (default .venv/bin/python), KEEP=1 keeps the working directories,
# INSTALL_SLURM_PLUGIN=1 pip-installs the `slurm` extra's executor plugin into PYTHON's
# environment when it is missing there (make test-slurm sets it).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
PYTHON="${PYTHON:-$REPO/.venv/bin/python}"
SLURM_LOCAL="$REPO/.ci/slurm-local.sh"
CONFIG="$REPO/config/test/tiny.yaml"

say() { echo "test-slurm: $*"; }
die() { echo "test-slurm: FAILED: $*" >&2; exit 1; }

bash "$SLURM_LOCAL" check
[ -x "$PYTHON" ] || die "no Python at $PYTHON (make test-slurm creates .venv)"
has_plugin() { "$PYTHON" -c "import snakemake_executor_plugin_slurm" 2>/dev/null; }
if [ "${INSTALL_SLURM_PLUGIN:-0}" != 1 ] && ! has_plugin; then
    die "snakemake-executor-plugin-slurm is not installed in $PYTHON (pip install -e '.[slurm]')"
fi
export PATH="$(dirname "$PYTHON"):$PATH"

# the daemons: started here (and stopped at exit) unless they already ran
started=0
if ! bash "$SLURM_LOCAL" status >/dev/null 2>&1; then
    started=1
fi
WORK="$(mktemp -d /tmp/stclusters-test-slurm.XXXXXX)"
cleanup() {
    local rc=$?
    # a local run still going (the script failed before waiting for it) is stopped
    if [ -s "$WORK/local.pid" ] && [ ! -e "$WORK/local.done" ]; then
        kill "$(cat "$WORK/local.pid")" 2>/dev/null || true
    fi
    [ "$started" = 1 ] && bash "$SLURM_LOCAL" stop || true
    if [ "$rc" = 0 ] && [ "${KEEP:-0}" != 1 ]; then
        rm -rf "$WORK"
    else
        echo "test-slurm: working directories kept in $WORK"
    fi
}
trap cleanup EXIT

# the targets: every variant's ranking, map and tables, and the sweep (summaries, heatmaps)
mapfile -t TARGETS < <("$PYTHON" - "$CONFIG" <<'EOF'
import sys

import yaml
from snakemake.utils import validate

config = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
validate(config, "schemas/config.schema.yaml")  # fills in the defaults
for v in config["variants"]:
    print(f"results/ranking/{v}/clusters.csv")
    print(f"results/figures/{v}/map_top{config['top_n']}.png")
    print(f"results/tables/{v}/top100.md")
sweep = config["sweep"]
if sweep["enabled"]:
    for s in sweep["sources"]:
        print(f"results/sweep/summary/{sweep['variant']}/{s}.csv")
        print(f"results/figures/sweep/{sweep['variant']}_{s}.png")
EOF
)
[ ${#TARGETS[@]} -gt 0 ] || die "no targets from $CONFIG"

for run in local slurm; do
    mkdir -p "$WORK/$run"
    cp "$CONFIG" "$WORK/$run/config.yaml"
done
cores=$(nproc); [ "$cores" -gt 2 ] && cores=2
SMK=("$PYTHON" -m snakemake --snakefile "$REPO/Snakefile")

say "local run of ${#TARGETS[@]} targets, in the background (log: $WORK/local.log)"
# at a lower CPU priority: the SLURM run is the longer of the two, its jobs come first
(
    t0=$(date +%s)
    nice -n 10 "${SMK[@]}" --directory "$WORK/local" --cores "$cores" --benchmark-extended "${TARGETS[@]}" \
        >"$WORK/local.log" 2>&1 &
    echo $! >"$WORK/local.pid"
    rc=0
    wait $! || rc=$?
    echo "$rc $(( $(date +%s) - t0 ))" >"$WORK/local.done"
) &
local_job=$!

# the executor plugin alone (the project's own editable install is left as it is, the
# local run imports it), then the cluster
if ! has_plugin; then
    plugin="$("$PYTHON" -c 'import tomllib
extra = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["slurm"]
print(next(r for r in extra if r.startswith("snakemake-executor-plugin-slurm")))')"
    say "installing $plugin (the slurm extra) into $("$PYTHON" -c 'import sys; print(sys.prefix)')"
    "$PYTHON" -m pip install --quiet "$plugin" || die "pip install $plugin failed"
    has_plugin || die "snakemake-executor-plugin-slurm is not importable after pip install $plugin"
fi
bash "$SLURM_LOCAL" start
eval "$(bash "$SLURM_LOCAL" env)"

# Test only: the chain that makes the inputs of the clusterings (demo world, gazetteer,
# institutions, extract, its check, population raster, geocode, locations: 9 jobs of a
# few seconds' work each on the tiny world) goes as one group job instead of 9 single
# jobs in 6 rounds, each round waiting for sbatch, a Snakemake start-up in the batch step
# and a status query. Inside the job the members still run one after another, each in its
# own srun step with its own Snakemake, exactly as a single job does (the plugin passes
# --groups to neither), so their requests are checked one by one against what they held.
# Rules not in the DAG are ignored by --groups.
INPUT_GROUP=(demo_world=inputs gazetteer=inputs institutions=inputs extract=inputs
             check_data=inputs population_raster=inputs geocode=inputs locations=inputs)

say "SLURM run of the same targets (log: $WORK/slurm.log)"
# peak memory of every SLURM job, sampled from /proc (no accounting database here)
"$PYTHON" "$REPO/.ci/slurm_job_rss.py" --out "$WORK/job_rss.json" --stop-file "$WORK/slurm.done" &
sampler=$!
t1=$(date +%s)
"${SMK[@]}" --directory "$WORK/slurm" --workflow-profile "$REPO/profiles/slurm" \
    --groups "${INPUT_GROUP[@]}" \
    --cores "$cores" --slurm-no-account --slurm-init-seconds-before-status-checks 3 \
    --slurm-keep-successful-logs --benchmark-extended "${TARGETS[@]}" >"$WORK/slurm.log" 2>&1 \
    || { touch "$WORK/slurm.done"; tail -40 "$WORK/slurm.log" >&2; die "the SLURM run failed"; }
t2=$(date +%s)
touch "$WORK/slurm.done"
wait "$sampler" || true
slurm_s=$((t2 - t1))

wait "$local_job" || true
read -r local_rc local_s <"$WORK/local.done" || die "the local run did not finish"
[ "$local_rc" = 0 ] || { tail -30 "$WORK/local.log" >&2; die "the local run failed"; }

"$PYTHON" "$REPO/.ci/check_slurm_run.py" --work "$WORK" --local-seconds "$local_s" \
    --slurm-seconds "$slurm_s" --cores "$cores"
