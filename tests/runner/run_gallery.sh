#!/usr/bin/env bash
# End-to-end: every gallery scenario (assets/scenarios/*.json) runs with a short budget, writes
# the files of the contract (ARCHITECTURE.md §5) with their exact headers, and a rerun with the
# same seed — on a different number of threads — gives byte-identical samples files and a
# metrics.csv identical apart from its wall_seconds column.
# Usage: run_gallery.sh RUNNER SOURCE_DIR WORK_DIR [ITERATIONS]
set -u
runner=$1 src=$2 work=$3 iterations=${4:-4}
rm -rf "$work"
mkdir -p "$work"
failures=0 count=0
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
drop_wall_seconds() { cut -d, -f1-4,6- "$1"; }  # gallery labels hold no commas
for scenario in "$src"/assets/scenarios/*.json; do
  name=$(basename "$scenario" .json)
  count=$((count + 1))
  a="$work/$name.a" b="$work/$name.b"
  if ! "$runner" "$scenario" --out "$a" --budget-iterations "$iterations" --threads 1 2>"$work/$name.a.log"; then
    fail "$name: run 1 exited $? ($(tail -n 3 "$work/$name.a.log"))"; continue
  fi
  if ! "$runner" "$scenario" --out "$b" --budget-iterations "$iterations" --threads 2 2>"$work/$name.b.log"; then
    fail "$name: run 2 exited $? ($(tail -n 3 "$work/$name.b.log"))"; continue
  fi
  header=$(head -n 1 "$a/metrics.csv")
  [ "$header" = "method,label,iteration,gradient_evals,wall_seconds,metric,value" ] ||
    fail "$name: metrics.csv header is '$header'"
  for metric in ksd2_imq ksd2_imq_iid energy_distance mode_tv; do
    grep -q ",$metric," "$a/metrics.csv" || fail "$name: metrics.csv has no $metric rows"
  done
  for key in '"scenario"' '"seed"' '"methods"' '"label"' '"kind"' '"status"' '"iterations"' \
             '"gradient_evals"' '"sampler_seconds"' '"metric_seconds"' '"metric_evaluations"' '"final"'; do
    grep -q "$key" "$a/summary.json" || fail "$name: summary.json lacks $key"
  done
  grep -q '"status": "diverged"' "$a/summary.json" && fail "$name: a method diverged in $iterations iterations"
  samples=0
  for f in "$a"/samples_*.csv; do
    [ -e "$f" ] || continue
    samples=$((samples + 1))
    [ "$(head -n 1 "$f")" = "x,y" ] || fail "$name: $(basename "$f") header"
    [ "$(wc -l < "$f")" -gt 1 ] || fail "$name: $(basename "$f") has no samples"
    cmp -s "$f" "$b/$(basename "$f")" || fail "$name: $(basename "$f") differs between reruns"
  done
  [ "$samples" -gt 0 ] || fail "$name: no samples files"
  cmp -s <(drop_wall_seconds "$a/metrics.csv") <(drop_wall_seconds "$b/metrics.csv") ||
    fail "$name: metrics.csv differs between reruns (beyond wall_seconds)"
  ls "$a" | grep -q '\.tmp\.' && fail "$name: a temporary file was left behind"
done
echo "ran $count gallery scenarios, $failures failures"
[ "$count" -gt 0 ] && [ "$failures" -eq 0 ]
