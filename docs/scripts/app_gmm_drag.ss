# docs/images/app_gmm_drag.png: switch to a Gaussian mixture, run, drag one mode up with real
# mouse input (the reference and heat map follow; the samplers keep running). Run from the
# repository root:
#   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/app/samplescope \
#       --script docs/scripts/app_gmm_drag.ss
target gmm
wait 30
play
wait 60
drag first -1.5 0.5 0 3 25
wait_iterations 400 600
wait 10
screenshot docs/images/app_gmm_drag.png
