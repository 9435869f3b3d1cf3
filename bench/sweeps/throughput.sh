#!/usr/bin/env bash
# Sweep throughput (docs/performance.md, "Sweeps"): the 36 cells of throughput.json (3 seeds ×
# 3 methods × 4 targets, 1000 iterations) run once one cell at a time (--jobs 1) and once with the
# default (one cell per core), into fresh folders; prints both wall times and their ratio.
#   bench/sweeps/throughput.sh [RUNNER] [WORK_DIR] [EXTRA SWEEP OPTIONS...]
# (extra options, e.g. "--shard 0/4 --budget-iterations 200", go to both runs: a smaller slice)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=${1:-build/release/app/samplescope-run}
work=${2:-/tmp/samplescope_sweep_throughput}
shift $(( $# < 2 ? $# : 2 ))
rm -rf "$work" && mkdir -p "$work"
echo "load before: $(uptime)"
t0=$(date +%s.%N)
"$run" --sweep "$here/throughput.json" --out "$work/serial" --jobs 1 "$@" 2> "$work/serial.log"
t1=$(date +%s.%N)
echo "load between: $(uptime)"
"$run" --sweep "$here/throughput.json" --out "$work/parallel" "$@" 2> "$work/parallel.log"
t2=$(date +%s.%N)
echo "load after: $(uptime)"
tail -1 "$work/serial.log"
tail -1 "$work/parallel.log"
awk -v a="$t0" -v b="$t1" -v c="$t2" -v cores="$(nproc)" 'BEGIN {
  s = b - a; p = c - b;
  printf "one cell at a time: %.1f s; %d at once (default): %.1f s; throughput ratio %.2fx\n", s, cores, p, s / p }'
