#!/usr/bin/env bash
# End-to-end test of sweeps (CTest runner.sweep): shards disjoint and covering, a sweep interrupted
# with SIGINT resumes without redoing finished cells, a cell reruns alone to identical samples,
# the report merges shards (and lists missing cells), a failing cell is reported and not averaged.
#   run_sweep.sh RUNNER REPORT PNG_PROBE SOURCE_DIR WORK_DIR
set -euo pipefail
run=$1 report=$2 probe=$3 src=$4 work=$5
rm -rf "$work" && mkdir -p "$work" && cd "$work"
# Cells of a sweep folder whose run reached its end.
finished() { (grep -l '"interrupted": false' "$1"/*/summary.json 2> /dev/null || true) | wc -l; }
fail() { echo "run_sweep: FAIL: $*" >&2; exit 1; }

# 3 seeds × 2 radii; each cell takes a few tenths of a second.
cat > sweep.json <<'EOF'
{"schema": 1, "name": "test sweep",
 "base": {"schema": 1, "name": "sweep test", "target": {"kind": "donut"},
          "methods": [{"kind": "svgd", "label": "SVGD", "params": {"particles": 200}},
                      {"kind": "mala", "label": "MALA", "params": {"chains": 100}}],
          "budget": {"iterations": 300},
          "metrics": {"ksd_samples": 200, "every": 50, "iid_draws": 1}},
 "axes": {"seed": [1, 2, 3], "target.params.radius": [2, 3]}}
EOF

# Shards: disjoint and covering, for N = 1..4.
"$run" --sweep sweep.json --list > all.txt
[ "$(wc -l < all.txt)" -eq 6 ] || fail "expected 6 cells, got $(wc -l < all.txt)"
for n in 1 2 3 4; do
  : > union.txt
  for ((i = 0; i < n; i++)); do "$run" --sweep sweep.json --list --shard "$i/$n" >> union.txt; done
  [ "$(sort union.txt | uniq -d | wc -l)" -eq 0 ] || fail "shards of $n overlap"
  diff <(sort union.txt) <(sort all.txt) > /dev/null || fail "shards of $n do not cover the sweep"
done
set +e
"$run" --sweep sweep.json --list --shard 3/3 2> shard_err.txt; rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- "--shard 3/3" shard_err.txt || fail "--shard 3/3 not refused (rc $rc)"

# A bad axis is refused before anything runs, naming the axis.
sed 's/"target.params.radius"/"target.params.raduis"/' sweep.json > bad.json
set +e
"$run" --sweep bad.json --out bad_out 2> bad_err.txt; rc=$?
set -e
[ $rc -eq 2 ] || fail "bad axis: exit $rc, expected 2"
grep -q "bad.json: /axes/target.params.raduis/0: value 2 of axis 'target.params.raduis'" bad_err.txt ||
  fail "bad axis message: $(cat bad_err.txt)"
[ ! -e bad_out/seed=1_radius=2 ] || fail "a cell ran although the sweep was refused"

# Interrupt after the first finished cell (one cell at a time), then resume.
"$run" --sweep sweep.json --out out --jobs 1 2> first.log &
pid=$!
for _ in $(seq 1 600); do
  n=$(finished out)
  [ "$n" -ge 1 ] && break
  sleep 0.05
done
kill -INT $pid
set +e
wait $pid; rc=$?
set -e
[ $rc -eq 130 ] || fail "interrupted sweep exited $rc, expected 130: $(cat first.log)"
grep -q "run the same command again to resume" first.log || fail "no resume hint: $(cat first.log)"
finished_before=$(finished out)
[ "$finished_before" -ge 1 ] && [ "$finished_before" -lt 6 ] ||
  fail "expected 1-5 finished cells after the interrupt, got $finished_before"
stat -c '%n %i %Y' $(grep -l '"interrupted": false' out/*/summary.json) > finished_before.txt
"$run" --sweep sweep.json --out out 2> second.log || fail "resumed sweep failed: $(cat second.log)"
grep -q "skipped $finished_before, failed 0" second.log || fail "resume did not skip $finished_before cells: $(cat second.log)"
[ "$(finished out)" -eq 6 ] || fail "not every cell finished"
stat -c '%n %i %Y' $(cut -d' ' -f1 finished_before.txt) | diff - finished_before.txt > /dev/null ||
  fail "finished cells were rewritten on resume"
"$run" --sweep sweep.json --out out 2> third.log
grep -q "ran 0, skipped 6" third.log || fail "a finished sweep reran cells: $(cat third.log)"

# Every cell is an ordinary scenario: run alone, it gives the same samples.
cell=$(head -1 all.txt)
"$run" "out/$cell/scenario.json" --out alone 2> /dev/null
for f in out/"$cell"/samples_*.csv; do cmp -s "$f" "alone/$(basename "$f")" || fail "$f differs when the cell runs alone"; done

# A changed sweep is refused in the same folder.
sed 's/"iterations": 300/"iterations": 301/' sweep.json > changed.json
set +e
"$run" --sweep changed.json --out out 2> changed_err.txt; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "holds the results of a different sweep" changed_err.txt || fail "changed sweep accepted (rc $rc)"

# Shards into separate folders, merged by the report; one shard alone lists the missing cells.
"$run" --sweep sweep.json --out shard0 --shard 0/2 2> /dev/null
"$run" --sweep sweep.json --out shard1 --shard 1/2 2> /dev/null
"$report" shard0 shard1 --out merged 2> merged.log
head -1 merged/summary.csv | grep -qx "label,target.params.radius,metric,n,mean,sd,min,max" ||
  fail "summary.csv header: $(head -1 merged/summary.csv)"
grep -q "^SVGD,2,ksd2_imq,3," merged/summary.csv || fail "merged shards: SVGD at radius 2 lacks 3 seeds"
grep -q "6 cells: 6 finished, 0 failed, 0 incomplete, 0 missing" merged/report.md || fail "merged report counts"
# The merged shards equal the single-folder sweep (same cells, same numbers) apart from timing.
"$report" out --out whole --no-plots 2> /dev/null
diff <(grep -v -e sampler_seconds -e metric_seconds merged/summary.csv) \
     <(grep -v -e sampler_seconds -e metric_seconds whole/summary.csv) > /dev/null ||
  fail "shards merged differ from the whole sweep"
"$report" shard0 --out half --no-plots 2> /dev/null
grep -q "6 cells: 3 finished, 0 failed, 0 incomplete, 3 missing" half/report.md || fail "missing cells not listed"
[ "$(grep -c ': missing' half/report.md)" -eq 3 ] || fail "expected 3 missing cells listed"
for png in merged/plots/ksd2_imq.png merged/plots/energy_distance.png; do
  "$probe" "$png" --min-colors 50 --min-stddev 10 > /dev/null || fail "$png looks empty"
done
# SVGD's colour (the second Okabe–Ito colour, sky blue) is drawn.
"$probe" merged/plots/ksd2_imq.png --count 86 180 233 30 200 > /dev/null || fail "no SVGD curve in the plot"

# A cell whose run dies (here: its process is killed, as the OOM killer would) is reported as
# failed, the sweep goes on and exits 1, and the report lists the cell and leaves it out.
"$run" --sweep sweep.json --out killed --jobs 1 2> killed.log &
pid=$!
child=""
for _ in $(seq 1 600); do
  child=$(pgrep -P $pid || true)
  [ -n "$child" ] && break
  sleep 0.02
done
[ -n "$child" ] || fail "no cell process appeared"
victim=$(tr '\0' '\n' < /proc/$child/cmdline | sed -n 2p | xargs dirname | xargs basename)
kill -KILL $child
set +e
wait $pid; rc=$?
set -e
[ $rc -eq 1 ] || fail "a sweep with a killed cell exited $rc, expected 1: $(cat killed.log)"
grep -q "cell $victim failed (killed by signal 9)" killed.log || fail "failed cell not named: $(cat killed.log)"
[ -f "killed/$victim/failed.json" ] || fail "no failed.json for $victim"
"$report" killed --out killed_report --no-plots 2> /dev/null
grep -q "6 cells: 5 finished, 1 failed" killed_report/report.md || fail "report counts: $(head -3 killed_report/report.md)"
grep -q "\`$victim\`: failed" killed_report/report.md || fail "report does not list $victim"
# Its group has 2 seeds, not 3, and the failed cell has no value rows in cells.csv.
radius=$(sed 's/.*radius=//' <<< "$victim")
grep -q "^SVGD,$radius,ksd2_imq,2," killed_report/summary.csv || fail "the failed cell was averaged"
[ "$(grep -c "^$victim,failed" killed_report/cells.csv)" -eq 1 ] || fail "cells.csv: failed cell"
# Rerunning retries only the failed cell.
"$run" --sweep sweep.json --out killed 2> retry.log
grep -q "ran 1, skipped 5, failed 0" retry.log || fail "retry: $(cat retry.log)"
echo "run_sweep: ok"
