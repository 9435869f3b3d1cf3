# docs/images/app_slow_motion_hmc.png (1600×1000) and app_slow_motion_hmc_720.png (1280×720):
# random walk vs HMC vs NUTS on the banana; HMC in slow motion (one move per animation, 40 frames
# per move), captured when the leapfrog path is drawn and its outcome shown. Run from the
# repository root:
#   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/app/samplescope --width 1600 \
#       --height 1000 --scenario assets/scenarios/rwmh_vs_hmc_banana.json \
#       --script docs/scripts/app_slow_motion_hmc.ss
#   (and with 1280x720, --width 1280 --height 720 and the _720 file name below)
play
wait_iterations 200 600
slow_motion HMC on 40 wait
wait 34
screenshot docs/images/app_slow_motion_hmc.png
