#!/bin/bash
# Presentation support under Xvfb (issue 17): UI scale 1, 1.5 and 2 and presentation mode at
# 1280x720 and 1920x1080 with no text cut off (assert_no_clipped_text checks ImGui's item
# rectangles and every glyph against its clip rectangle), and a 3-second GIF of the window
# that decodes with at least 30 frames (a scripted recording uses the frame clock: one GIF
# frame of 1/25 s per frame drawn, see app/main.cpp), some of which change the picture.
set -euo pipefail
app=$1 gif_probe=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
for size in 1280x720 1920x1080; do
  w=${size%x*} h=${size#*x}
  cat > "$out/scale_$size.ss" <<SCRIPT
play
wait 20
assert_no_clipped_text
ui_scale 1.5
wait 10
assert_no_clipped_text
ui_scale 2
wait 10
assert_no_clipped_text
screenshot $out/scale2_$size.png
presentation on
wait 10
assert_no_clipped_text
ui_scale 1
wait 10
assert_no_clipped_text
SCRIPT
  xvfb-run -a -s "-screen 0 ${w}x${h}x24" "$app" --width "$w" --height "$h" --script "$out/scale_$size.ss"
done
cat > "$out/record.ss" <<SCRIPT
play
wait 10
record $out/clip.gif 3
SCRIPT
xvfb-run -a -s "-screen 0 1280x720x24" "$app" --width 1280 --height 720 --script "$out/record.ss"
# 3 s at 25 frames a second; the runs play, so at least a few frames must change the picture.
"$gif_probe" "$out/clip.gif" --min-frames 30 --min-changing 5 --width 1280 --height 720
echo "xvfb presentation: ok"
