#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a fixed time on its committed seed corpus.
#   usage: scripts/run-fuzz.sh BUILD_DIR SECONDS      (e.g. scripts/run-fuzz.sh build/fuzz 60)
# The build dir comes from `cmake --preset fuzz && cmake --build --preset fuzz` (clang, ASan+UBSan).
# Seeds are read from fuzz/corpus/<name>/ and never modified: new inputs go to a scratch corpus in
# the build dir. A crash, sanitizer report, leak or an input running longer than 10 s (a hang)
# fails the run; the reproducer is kept in BUILD_DIR/fuzz-artifacts/<name>/.
set -euo pipefail

build_dir=${1:?usage: run-fuzz.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run-fuzz.sh BUILD_DIR SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)

targets=("formula")
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

for name in "${targets[@]}"; do
  exe="$build_dir/fuzz/fuzz_$name"
  if [[ ! -x "$exe" ]]; then
    echo "run-fuzz: $exe not found; build it with: cmake --preset fuzz && cmake --build --preset fuzz" >&2
    exit 1
  fi
  seeds="$root/fuzz/corpus/$name"
  scratch="$build_dir/fuzz-corpus/$name"
  artifacts="$build_dir/fuzz-artifacts/$name"
  mkdir -p "$scratch" "$artifacts"
  echo "== fuzz_$name for ${seconds}s (seeds: $(ls "$seeds" | wc -l) files in fuzz/corpus/$name)"
  # -max_len: inputs beyond the language's 4096-character limit are rejected up front anyway;
  # -timeout: one input taking more than 10 s is reported as a hang; -rss_limit_mb: memory blow-up.
  "$exe" "$scratch" "$seeds" -max_total_time="$seconds" -max_len=4200 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" 2>"$build_dir/fuzz-$name.log" \
    || { tail -n 60 "$build_dir/fuzz-$name.log" >&2; echo "run-fuzz: fuzz_$name FAILED (log: $build_dir/fuzz-$name.log)" >&2; exit 1; }
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$build_dir/fuzz-$name.log" || true
  echo "fuzz_$name: no crash, no hang, no sanitizer report in ${seconds}s"
done
