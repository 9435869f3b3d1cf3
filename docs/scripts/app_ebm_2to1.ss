# docs/images/app_ebm_2to1.png (the whole window) and app_ebm_mode_weights.png (the mode-weight
# plot): the 2:1 EBM scenario (assets/scenarios/ebm_2to1.json, opened by `task ebm`) after 400
# training iterations of every run (metric passes at 0, 200, 400; a budget in iterations, so the
# pictures do not depend on the machine's speed or load: ~10 s of CPU). Runs whose energy blows up
# stop as diverged at the pass at 200 (the blow-up rule). Run from the repository root:
#   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/app/samplescope \
#       --script docs/scripts/app_ebm_2to1.ss
# tests/app/xvfb_ebm.sh runs this script with the outputs in its own folder.
task ebm
wait 20
budget iterations 400
play
wait_finished 90
wait 20
assert_no_clipped_text
screenshot docs/images/app_ebm_2to1.png
screenshot_plot mode_weights docs/images/app_ebm_mode_weights.png
heatmap difference
wait 5
screenshot_canvas flowMC docs/images/app_ebm_difference.png
