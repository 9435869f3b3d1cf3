#!/bin/bash
# The EBM laboratory under Xvfb (issue 16): runs docs/scripts/app_ebm_2to1.ss (task ebm opens the
# 2:1 EBM scenario, trains every run 400 iterations, screenshots) with its outputs redirected here, and
# checks that the script reported no error (exit status 0) and that the pictures are not blank.
set -euo pipefail
app=$1 probe=$2 out=$3 src=$4
rm -rf "$out" && mkdir -p "$out"
sed "s#docs/images/#$out/#g" "$src/docs/scripts/app_ebm_2to1.ss" > "$out/ebm.ss"
cd "$src"
timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --script "$out/ebm.ss" \
  > "$out/log.txt" 2>&1 || { cat "$out/log.txt"; echo "the EBM script failed"; exit 1; }
"$probe" "$out/app_ebm_2to1.png" --min-colors 500 --min-stddev 20
"$probe" "$out/app_ebm_mode_weights.png" --min-colors 20
"$probe" "$out/app_ebm_difference.png" --min-colors 50
echo "xvfb ebm: ok"
