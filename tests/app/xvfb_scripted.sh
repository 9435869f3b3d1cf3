#!/bin/bash
# A scripted session with the real app under Xvfb: change target to a Gaussian mixture, drag a
# mode on the canvas with real mouse input, run, and export PNG + CSV; then check the files.
set -euo pipefail
app=$1 probe=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
cat > "$out/session.ss" <<SCRIPT
target gmm
wait 30
play
wait 60
drag first -1.5 0.5 0 3 25
wait 60
screenshot $out/after_drag.png
screenshot_canvas first $out/canvas.png
export_csv $out/metrics.csv
export_samples $out/samples
save_scenario $out/scenario.json
SCRIPT
xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --script "$out/session.ss"
"$probe" "$out/after_drag.png" --min-colors 500 --min-stddev 20
"$probe" "$out/canvas.png" --min-colors 100
head -1 "$out/metrics.csv" | grep -qx 'method,label,iteration,gradient_evals,wall_seconds,metric,value'
[ "$(wc -l < "$out/metrics.csv")" -gt 3 ]
ls "$out"/samples/samples_*.csv > /dev/null
head -1 "$(ls "$out"/samples/samples_*.csv | head -1)" | grep -qx 'x,y'
grep -q '"gmm"' "$out/scenario.json"
echo "xvfb scripted session: ok"
