#!/usr/bin/env bash
# One session-8 run: run.sh NAME TARGET SEED ITERS [k=v ...] (from this folder; binary of the
# worktree's release build; an argument kind=K runs method K instead of dft, final_draws=K
# passes --final-draws K). Writes runs/NAME.log (checkpoints, wall time, load) and runs/NAME.csv.
set -u
name=$1 target=$2 seed=$3 iters=$4; shift 4
kind=dft sets=()
for kv in "$@"; do
  case $kv in
    kind=*) kind=${kv#kind=} ;;
    final_draws=*) sets+=(--final-draws "${kv#final_draws=}") ;;
    *) sets+=(--set "$kv") ;;
  esac
done
bin=${BIN:-../../../../build/release/bench/dft_vs_svgd}
start=$(date +%s)
nice -n 10 "$bin" --single "$kind" --target "$target" --iters "$iters" --every $((iters / 6)) \
  --seed "$seed" --threads 1 --out "runs/$name.csv" "${sets[@]}" >"runs/$name.log" 2>&1
echo "knobs: ${*:-defaults}" >>"runs/$name.log"
echo "wall $(( $(date +%s) - start )) s load $(cut -d' ' -f1-3 /proc/loadavg)" >>"runs/$name.log"
python3 ../session7/stats.py "$target" "runs/$name.csv" >>"runs/$name.log" 2>&1
