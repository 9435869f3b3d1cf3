#!/bin/bash
# The real app under Xvfb on the default scenario: a few hundred frames with the runs playing, a
# screenshot that is not blank, points on every method canvas, the KSD plot drawn, frame times
# reported. Run colours are the method colours (app/ui/app_state.cpp method_color: DFT cyan, SVGD magenta).
set -euo pipefail
app=$1 probe=$2 out=$3 scenario=$4
rm -rf "$out" && mkdir -p "$out"
cat > "$out/smoke.ss" <<SCRIPT
play
wait 200
wait_iterations 60 300
screenshot $out/window.png
show density off
wait 2
screenshot_plot ksd $out/ksd.png
SCRIPT
# One canvas screenshot per method, by label, taken from the scenario's own labels.
labels=$(grep -o '"label": *"[^"]*"' "$scenario" 2>/dev/null | sed 's/.*: *"//; s/"$//' || true)
if [ -z "$labels" ]; then labels="first"; fi
i=0
while IFS= read -r l; do
  [ -z "$l" ] && continue
  case "$l" in *" "*) continue;; esac
  echo "screenshot_canvas $l $out/canvas_$i.png" >> "$out/smoke.ss"; i=$((i+1))
done <<< "$labels"
xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --scenario "$scenario" --script "$out/smoke.ss" --perf > "$out/perf.txt"
cat "$out/perf.txt"
grep -Eq '^frame_ms p50=[0-9.]+ p95=[0-9.]+ p99=[0-9.]+ max=[0-9.]+ frames=[0-9]+$' "$out/perf.txt"
"$probe" "$out/window.png" --min-colors 500 --min-stddev 20
# The KSD plot holds at least one run's curve (any of the three run colours).
"$probe" "$out/ksd.png" --min-colors 20 --count 0 235 255 40 15 || "$probe" "$out/ksd.png" --count 255 64 200 40 15
k=0
for f in "$out"/canvas_*.png; do
  cols=("0 235 255" "255 64 200" "60 255 90")  # DFT, SVGD, flowMC (method_color)
  "$probe" "$f" --count ${cols[$((k % 3))]} 30 30
  k=$((k+1))
done
# Kept window images (gfx::RetainedRenderer) against drawing every window every frame, on the
# paused scenario: the same picture up to rounding. Blending into the kept RGBA8 images rounds
# differently by a level or two, and glyph edges exactly on a pixel centre may land one pixel
# over; the status bar's frame time differs between any two runs. A window missing, misplaced or
# stale would differ in whole regions (a few per cent of the window or more), hence the 0.2 %.
"$app" --help > /dev/null
xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --scenario "$scenario" --screenshot "$out/kept.png" --frames 20 --no-partial-redraw
xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --scenario "$scenario" --screenshot "$out/direct.png" --frames 20 --direct-render
"$probe" "$out/kept.png" --diff "$out/direct.png" 4 0.002
# Partial redraw (gfx::PartialRenderer: the back buffer kept, only changed windows drawn, under
# llvmpipe): the same picture as drawing everything, to the pixel. --check-partial draws every
# partial frame again in full while the runs play and counts the pixels that differ: none may.
xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --scenario "$scenario" --screenshot "$out/partial.png" --frames 20
"$probe" "$out/partial.png" --diff "$out/direct.png" 4 0.002
xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --scenario "$scenario" --screenshot "$out/checked.png" \
  --frames 120 --play --perf --check-partial > "$out/check.txt"
cat "$out/check.txt"
grep -q '^present copy_sub_buffer' "$out/check.txt"
grep -Eq '^partial_redraw full=[0-9]+ partial=[1-9][0-9]+ windows_drawn=[1-9]' "$out/check.txt"
grep -Eq '^check_partial frames=[1-9][0-9]* differing_frames=0 max_differing_pixels=0$' "$out/check.txt"
echo "xvfb smoke: ok"
