#!/usr/bin/env bash
# Regenerates the sweep tables of docs/results.md, one command for all of them:
#   bash scripts/regenerate-results.sh [STUDY...]        (default: every study)
# For each docs/results_data/<study>/sweep.json: runs the sweep into build/results/<study>
# (resuming: finished cells are kept, so a second call only reports), writes the merged report
# (cells.csv, summary.csv, report.md, plots/) into docs/results_data/<study>/report/, and replaces
# the lines between "<!-- report:<study> -->" and "<!-- /report:<study> -->" in docs/results.md
# with the report's table and its list of missing or failed cells.
# Cells are not recomputed when the code changes (a cell's scenario.json names knobs, not
# defaults): FRESH=1 starts each study over; REPORT_ONLY=1 skips running and reports on the
# cells already in build/results/<study> (e.g. copied there from cluster shards). RUNNER and REPORT override the programs (default:
# the Release build's).
set -euo pipefail
cd "$(dirname "$0")/.."
run=${RUNNER:-build/release/app/samplescope-run}
report=${REPORT:-build/release/app/samplescope-report}
[ -x "$run" ] && [ -x "$report" ] || { echo "regenerate-results: build first (make build)" >&2; exit 2; }
studies=("$@")
if [ ${#studies[@]} -eq 0 ]; then
  for f in docs/results_data/*/sweep.json; do studies+=("$(basename "$(dirname "$f")")"); done
fi
for study in "${studies[@]}"; do
  sweep=docs/results_data/$study/sweep.json
  [ -f "$sweep" ] || { echo "regenerate-results: no $sweep" >&2; exit 2; }
  [ "${FRESH:-0}" = 1 ] && rm -rf "build/results/$study"
  echo "== $study: $("$run" --sweep "$sweep" --list | wc -l) cells ($(uptime))" >&2
  [ "${REPORT_ONLY:-0}" = 1 ] || "$run" --sweep "$sweep" --out "build/results/$study"
  "$report" "build/results/$study" --out "docs/results_data/$study/report"
  # The table and the problem list of report.md (up to the plots), between the markers.
  table=$(sed -n '/^| label |/,/^## Plots/p' "docs/results_data/$study/report/report.md" | sed '/^## Plots/d')
  begin="<!-- report:$study -->" end="<!-- /report:$study -->"
  if grep -qF "$begin" docs/results.md; then
    awk -v begin="$begin" -v end="$end" -v table="$table" '
      $0 == begin { print; print table; skip = 1; next }
      $0 == end { skip = 0 }
      !skip { print }' docs/results.md > docs/results.md.tmp && mv docs/results.md.tmp docs/results.md
    echo "== $study: docs/results.md updated" >&2
  else
    echo "== $study: no '$begin' block in docs/results.md; the table is in docs/results_data/$study/report/report.md" >&2
  fi
done
