# docs/images/app_1280x720.png: the default scenario in a projector-sized 1280x720 window at UI
# scale 1. Run from the repository root:
#   xvfb-run -a -s "-screen 0 1280x720x24" build/release/app/samplescope --width 1280 \
#       --height 720 --scenario assets/scenarios/default.json --script docs/scripts/app_1280x720.ss
play
wait 300
wait 10
assert_no_clipped_text
screenshot docs/images/app_1280x720.png
