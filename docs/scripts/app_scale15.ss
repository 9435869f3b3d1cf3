# docs/images/app_scale15.png: the default scenario at UI scale 1.5 (Ctrl+= five times; fonts
# re-rasterized). Run from the repository root:
#   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/app/samplescope \
#       --scenario assets/scenarios/default.json --script docs/scripts/app_scale15.ss
ui_scale 1.5
play
wait 300
wait 10
assert_no_clipped_text
screenshot docs/images/app_scale15.png
