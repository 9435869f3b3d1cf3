#!/usr/bin/env bash
# The cluster examples of docs/cli.md, taken from the file itself (CTest runner.cluster_examples):
# the GNU parallel line with four job slots, and the SLURM array script run once per array index
# with the variables SLURM sets. Both must finish every cell; the report merges them.
#   run_cluster_examples.sh RUNNER_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
bindir=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
# Cells of a sweep folder whose run reached its end.
finished() { (grep -l '"interrupted": false' "$1"/*/summary.json 2> /dev/null || true) | wc -l; }
fail() { echo "run_cluster_examples: FAIL: $*" >&2; exit 1; }
export PATH="$bindir:$PATH"
command -v parallel > /dev/null || fail "GNU parallel is not installed (scripts/install-deps.sh installs it)"

cat > sweep.json <<'EOF'
{"schema": 1,
 "base": {"schema": 1, "target": {"kind": "banana"},
          "methods": [{"kind": "svgd", "label": "SVGD", "params": {"particles": 100}}],
          "budget": {"iterations": 100},
          "metrics": {"ksd_samples": 100, "every": 50, "iid_draws": 1}},
 "axes": {"seed": [1, 2, 3], "methods.SVGD.params.step_size": [0.02, 0.05]}}
EOF

# GNU parallel, exactly as documented.
line=$(grep -E '^parallel ' "$src/docs/cli.md" | head -1)
[ -n "$line" ] || fail "no 'parallel …' line in docs/cli.md"
echo "+ $line"
eval "$line" 2> parallel.log || fail "the GNU parallel line failed: $(tail -5 parallel.log)"
[ "$(finished results)" -eq 6 ] || fail "GNU parallel: not every cell finished"
samplescope-report results --out report --no-plots 2> /dev/null
grep -q "6 cells: 6 finished" report/report.md || fail "GNU parallel: $(head -3 report/report.md)"
mv results results_parallel

# The SLURM script, as documented, once per array index.
sed -n '/^#!\/bin\/bash$/,/^```$/p' "$src/docs/cli.md" | sed '$d' > sweep.sbatch
grep -q '^#SBATCH --array=' sweep.sbatch || fail "no sbatch script in docs/cli.md"
range=$(sed -n 's/^#SBATCH --array=\([0-9]*\)-\([0-9]*\).*/\1 \2/p' sweep.sbatch)
read -r first last <<< "$range"
count=$((last - first + 1))
for ((i = first; i <= last; i++)); do
  SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=$count SLURM_CPUS_PER_TASK=1 bash sweep.sbatch 2>> sbatch.log ||
    fail "array task $i failed: $(tail -5 sbatch.log)"
done
[ "$(finished results)" -eq 6 ] || fail "SLURM script: not every cell finished"
# Same cells, same samples as with GNU parallel.
for d in results/*/; do
  id=$(basename "$d")
  cmp -s "$d/samples_SVGD.csv" "results_parallel/$id/samples_SVGD.csv" || fail "$id differs between the two ways"
done
echo "run_cluster_examples: ok ($count array tasks, GNU parallel with 4 slots)"
