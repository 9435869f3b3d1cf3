# docs/images/app_presentation.png: presentation mode (F11) on the default scenario at
# 1920x1080. Run from the repository root:
#   xvfb-run -a -s "-screen 0 1920x1080x24" build/release/app/samplescope --width 1920 \
#       --height 1080 --scenario assets/scenarios/default.json \
#       --script docs/scripts/app_presentation.ss
presentation on
play
wait 300
wait 10
assert_no_clipped_text
screenshot docs/images/app_presentation.png
