#!/usr/bin/env bash
# End-to-end: every gallery scenario (assets/scenarios/*.json) runs with a short budget, writes
# the files of the contract (ARCHITECTURE.md §5) with their exact headers, and a rerun with the
# same seed — on a different number of threads — gives byte-identical samples files and a
# metrics.csv identical apart from its wall_seconds column. An ebm scenario's EBM metrics and
# density_<label>.csv files are checked the same way (at 4 iterations an EBM gallery scenario
# costs about what a sampling one does: measured 2.8 s (ebm_2to1), 5.8 s (ebm_4line), 4.8 s (default)).
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
  # An ebm scenario (issue 15) records the EBM's exact metrics instead of the sampling ones, and
  # writes the learned density of each method beside its samples.
  ebm=0
  grep -q '"task": "ebm"' "$a/summary.json" && ebm=1
  if [ "$ebm" -eq 1 ]; then metrics="nll_test kl_true_model mode_tv"; else metrics="ksd2_imq ksd2_imq_iid energy_distance mode_tv"; fi
  for metric in $metrics; do
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
  if [ "$ebm" -eq 1 ]; then
    densities=0
    for f in "$a"/density_*.csv; do
      [ -e "$f" ] || continue
      densities=$((densities + 1))
      [ "$(head -n 1 "$f")" = "x,y,log_density" ] || fail "$name: $(basename "$f") header"
      [ "$(wc -l < "$f")" -gt 16384 ] || fail "$name: $(basename "$f") has fewer than 128² rows"
      cmp -s "$f" "$b/$(basename "$f")" || fail "$name: $(basename "$f") differs between reruns"
    done
    [ "$densities" -eq "$samples" ] || fail "$name: $densities density files for $samples methods"
  fi
  cmp -s <(drop_wall_seconds "$a/metrics.csv") <(drop_wall_seconds "$b/metrics.csv") ||
    fail "$name: metrics.csv differs between reruns (beyond wall_seconds)"
  ls "$a" | grep -q '\.tmp\.' && fail "$name: a temporary file was left behind"
done
echo "ran $count gallery scenarios, $failures failures"
[ "$count" -gt 0 ] && [ "$failures" -eq 0 ]
