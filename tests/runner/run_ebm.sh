#!/usr/bin/env bash
# End-to-end: the runner on small "task": "ebm" scenarios (issue 15).
# - data drawn from a target: exit 0; metrics.csv has the EBM metrics (nll_test, kl_true_model,
#   mode_tv) and not the sampling ones; summary.json says "task": "ebm" with each method's final
#   EBM metrics and its density file; density_<label>.csv has the header x,y,log_density, 128²
#   rows at distinct cell centres, and Σ exp(log_density)·cell area = 1 within 1e-6; a rerun on
#   another thread count gives byte-identical samples and density files; a stale density_*.csv of
#   an earlier run in the folder is removed;
# - data from a CSV file next to the scenario (a relative path): exit 0, the data box is the grid;
# - bad data (a NaN row, a point outside data.box, an empty file, all points identical, a missing
#   file) exits 2 naming the scenario, the field (/data or /data/csv) and what is wrong;
# - the blow-up rule at its smallest bound stops every run as diverged with its reason (exit 0).
# Usage: run_ebm.sh RUNNER SOURCE_DIR WORK_DIR
set -u
runner=$1 work=$3
rm -rf "$work"
mkdir -p "$work"
failures=0 checks=0
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
check() { checks=$((checks + 1)); }

cat > "$work/target.json" <<'EOF'
{"schema": 1, "name": "ebm runner test", "seed": 3, "task": "ebm",
 "target": {"kind": "gmm_2to1"},
 "data": {"samples": 512, "test_samples": 128},
 "ebm": {"hidden": [16, 16], "batch": 32, "persistent": 64},
 "methods": [{"kind": "ula_ebm", "label": "ULA", "params": {"steps": 3}},
             {"kind": "mala_ebm", "label": "MALA", "params": {"steps": 3}}],
 "budget": {"iterations": 30},
 "metrics": {"ksd_samples": 64, "every": 10}}
EOF

# Σ exp(log_density) · cell area over a density file (cell area from the distinct centres:
# n centres per axis spaced w/n apart span (n − 1)/n of the box).
mass() {
  awk -F, 'NR > 1 { ld[NR] = $3; xs[$1] = 1; ys[$2] = 1
                    if (NR == 2 || $1 < x0) x0 = $1; if (NR == 2 || $1 > x1) x1 = $1
                    if (NR == 2 || $2 < y0) y0 = $2; if (NR == 2 || $2 > y1) y1 = $2 }
           END { nx = 0; for (k in xs) nx++; ny = 0; for (k in ys) ny++
                 area = ((x1 - x0) / (nx - 1)) * ((y1 - y0) / (ny - 1)); s = 0
                 for (i in ld) s += exp(ld[i]) * area
                 printf "%d %d %.12f\n", nx, ny, s }' "$1"
}

a="$work/a" b="$work/b"
mkdir -p "$a" && echo "x,y,log_density" > "$a/density_old.csv"
check
if ! "$runner" "$work/target.json" --out "$a" --threads 1 2>"$work/a.log"; then
  fail "target data: exit $? ($(tail -n 3 "$work/a.log"))"
else
  check; [ -e "$a/density_old.csv" ] && fail "stale density_old.csv was not removed"
  for metric in nll_test nll_true kl_true_model mode_tv loss; do
    check; grep -q ",$metric," "$a/metrics.csv" || fail "metrics.csv has no $metric rows"
  done
  check; grep -q ",ksd2_imq," "$a/metrics.csv" && fail "metrics.csv has sampling rows (ksd2_imq)"
  check; grep -q '"task": "ebm"' "$a/summary.json" || fail "summary.json lacks \"task\": \"ebm\""
  for key in '"density_file": "density_ULA.csv"' '"density_file": "density_MALA.csv"' \
             '"nll_test"' '"kl_true_model"' '"status": "ok"'; do
    check; grep -qF "$key" "$a/summary.json" || fail "summary.json lacks $key"
  done
  for label in ULA MALA; do
    f="$a/density_$label.csv"
    check; [ "$(head -n 1 "$f")" = "x,y,log_density" ] || { fail "$label: density header"; continue; }
    check; [ "$(wc -l < "$f")" -eq $((128 * 128 + 1)) ] || fail "$label: $(wc -l < "$f") lines, expected 128² + 1"
    read -r nx ny total <<<"$(mass "$f")"
    check; [ "$nx" -eq 128 ] && [ "$ny" -eq 128 ] || fail "$label: $nx × $ny distinct centres"
    check; awk -v s="$total" 'BEGIN { exit !(s > 1 - 1e-6 && s < 1 + 1e-6) }' ||
      fail "$label: Σ exp(log_density)·area = $total, not 1 within 1e-6"
    check; [ "$(head -n 1 "$a/samples_$label.csv")" = "x,y" ] || fail "$label: samples header"
    check; [ "$(wc -l < "$a/samples_$label.csv")" -gt 1 ] || fail "$label: no samples"
  done
  check
  if ! "$runner" "$work/target.json" --out "$b" --threads 2 2>"$work/b.log"; then
    fail "rerun: exit $? ($(tail -n 3 "$work/b.log"))"
  else
    for f in density_ULA.csv density_MALA.csv samples_ULA.csv samples_MALA.csv; do
      check; cmp -s "$a/$f" "$b/$f" || fail "$f differs between reruns"
    done
  fi
fi

# The blow-up rule (ebm.max_log_density_range): under the smallest bound, 1 nat, the fresh model's
# own range (a few nats) trips it at the first metric pass (iteration 0): exit 0 (a diverged run is
# reported, not an error), status diverged at iteration 0 with the rule's reason in summary.json.
sed 's/"ebm": {/"ebm": {"max_log_density_range": 1, /' "$work/target.json" > "$work/blowup.json"
check
if ! "$runner" "$work/blowup.json" --out "$work/blowup" --threads 1 2>"$work/blowup.log"; then
  fail "blow-up rule: exit $? ($(tail -n 3 "$work/blowup.log"))"
else
  for key in '"status": "diverged"' '"diverged_at_iteration": 0' \
             '"reason": "EBM blew up: log_density_range (max - min of log p over the 128x128 grid of the box) is ' \
             'above ebm.max_log_density_range = 1"'; do
    check; grep -qF "$key" "$work/blowup/summary.json" || fail "blow-up rule: summary.json lacks $key"
  done
  check; grep -qF '"status": "ok"' "$work/blowup/summary.json" && fail "blow-up rule: a run is ok"
fi

# Data from a CSV file beside the scenario (relative path), no target: the box is the grid.
mkdir -p "$work/csv"
awk 'BEGIN { print "x,y"; for (i = 0; i < 400; i++) printf "%.6f,%.6f\n", -1 + 2 * ((i * 37) % 101) / 101, ((i * 53) % 97) / 97 - 0.5 }' > "$work/csv/points.csv"
write_csv_scenario() {  # $1 = scenario path, $2 = csv name
  cat > "$1" <<EOF
{"schema": 1, "name": "csv", "task": "ebm",
 "data": {"csv": "$2", "box": [-2, 2, -1.5, 1.5]},
 "ebm": {"hidden": [8], "batch": 16, "persistent": 16},
 "methods": [{"kind": "ula_ebm", "label": "ULA", "params": {"steps": 2}}],
 "budget": {"iterations": 10}, "metrics": {"ksd_samples": 16, "every": 5}}
EOF
}
write_csv_scenario "$work/csv/ok.json" points.csv
check
if ! "$runner" "$work/csv/ok.json" --out "$work/csv_out" --threads 1 2>"$work/csv.log"; then
  fail "csv data: exit $? ($(tail -n 3 "$work/csv.log"))"
else
  read -r nx ny total <<<"$(mass "$work/csv_out/density_ULA.csv")"
  check; [ "$nx" -eq 128 ] && [ "$ny" -eq 128 ] || fail "csv: $nx × $ny centres"
  check; awk -v s="$total" 'BEGIN { exit !(s > 1 - 1e-6 && s < 1 + 1e-6) }' || fail "csv: mass $total"
  check; awk -F, 'NR > 1 && ($1 < -2 || $1 > 2 || $2 < -1.5 || $2 > 1.5) { bad = 1 } END { exit bad }' \
    "$work/csv_out/density_ULA.csv" || fail "csv: density grid outside data.box"
  check; grep -q '"source": "csv"' "$work/csv_out/summary.json" || fail "csv: summary data source"
fi

# Bad data: exit 2, the scenario file, the field and the phrase named on stderr.
bad_case() {  # $1 = name, $2 = csv contents (printf format), $3 = field, $4 = phrase
  printf "$2" > "$work/csv/$1.csv"
  write_csv_scenario "$work/csv/$1.json" "$1.csv"
  check
  err=$("$runner" "$work/csv/$1.json" --out "$work/bad_$1" 2>&1 >/dev/null)
  status=$?
  grep -q "warning" <<<"$err" && fail "$1: a CSV scenario's implicit target gives warnings: $err"
  if [ "$status" -ne 2 ]; then fail "$1: exit $status (expected 2): $err"; return; fi
  grep -qF "$1.json" <<<"$err" || fail "$1: message does not name the scenario: $err"
  grep -qF "$3:" <<<"$err" || fail "$1: message does not name $3: $err"
  grep -qiF "$4" <<<"$err" || fail "$1: message does not say '$4': $err"
}
rows() { awk 'BEGIN { for (i = 0; i < 40; i++) printf "%.3f,%.3f\\n", (i % 7) / 7, (i % 5) / 5 }'; }
bad_case nan_row "x,y\n$(rows)0.5,nan\n$(rows)" /data "line 42"
bad_case outside_box "x,y\n$(rows)7,0\n" /data "outside"
bad_case empty "" /data "empty"
bad_case identical "x,y\n$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "1,1\\n" }')" /data "identical"
write_csv_scenario "$work/csv/missing.json" no_such_file.csv
check
err=$("$runner" "$work/csv/missing.json" --out "$work/bad_missing" 2>&1 >/dev/null)
status=$?
[ "$status" -eq 2 ] && grep -qF "/data/csv:" <<<"$err" || fail "missing file: exit $status: $err"

echo "ran $checks checks, $failures failures"
[ "$failures" -eq 0 ]
