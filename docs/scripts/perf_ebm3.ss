# docs/performance.md, the app in the ebm task: the 2:1 EBM scenario with three negative
# samplers (ULA, MALA, flowMC) training while 600 frames are drawn. Run from the repository root:
#   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/app/samplescope --width 1600 \
#       --height 1000 --perf --script docs/scripts/perf_ebm3.ss
open assets/scenarios/ebm_2to1.json
wait 30
remove SteinGAN
remove DFT
wait 30
play
wait 600
