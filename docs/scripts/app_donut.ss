# docs/images/app_donut.png: the default scenario (donut; DFT, SVGD, flowMC) after a few hundred
# iterations. Run from the repository root:
#   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/app/samplescope \
#       --scenario assets/scenarios/default.json --script docs/scripts/app_donut.ss
play
wait 300
wait 10
screenshot docs/images/app_donut.png
