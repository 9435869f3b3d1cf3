#!/usr/bin/env bash
# The quiet-machine measurements of docs/performance.md "Session 5" (issues 14, 17, 18): MCMC and
# DFT iteration benchmarks and the app's frame times. Run with nothing else on the machine.
# Usage: bash tools/quiet_bench.sh BUILD_DIR OUT_DIR   (from the repository root)
set -u
b=${1:-build/release} out=${2:-/tmp/quiet}
mkdir -p "$out"
log() { echo "== $(date -u +%H:%M:%S) $*  [$(cut -d' ' -f1-3 /proc/loadavg)]" | tee -a "$out/log"; }
log start
log bench_mcmc
$b/bench/bench_mcmc --benchmark_filter='Nuts|Hmc' --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true 2>&1 | tee "$out/mcmc.txt" | grep -E "median|mean" 
log bench_neural DFT
$b/bench/bench_neural --benchmark_filter='BM_DftIterationAtDefaults' --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true 2>&1 | tee "$out/neural.txt" | grep -E "median"
log app default --play
xvfb-run -a -s "-screen 0 1600x1000x24" $b/app/samplescope --width 1600 --height 1000 \
  --scenario assets/scenarios/default.json --screenshot "$out/default.png" --frames 600 --perf --play \
  2>&1 | tee "$out/app_default.txt" | grep -iE "frame|p95" | head -5
printf 'play\nwait_iterations 200 600\nslow_motion HMC on 40\nwait 600\n' > "$out/slow.ss"
log app slow motion
xvfb-run -a -s "-screen 0 1600x1000x24" $b/app/samplescope --width 1600 --height 1000 \
  --scenario assets/scenarios/rwmh_vs_hmc_banana.json --script "$out/slow.ss" --perf \
  2>&1 | tee "$out/app_slow.txt" | grep -iE "frame|p95" | head -5
log end
