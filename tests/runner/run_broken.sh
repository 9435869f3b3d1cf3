#!/usr/bin/env bash
# End-to-end: samplescope-run on every file of tests/io/broken/ must exit 2 and name the file and
# the field (JSON pointer from tests/io/broken/expected.tsv) on stderr. Any other exit status
# (a crash, a sanitizer report, 0 or 1) fails the test.
# Usage: run_broken.sh RUNNER SOURCE_DIR WORK_DIR
set -u
runner=$1 src=$2 work=$3
dir="$src/tests/io/broken"
mkdir -p "$work"
failures=0 checked=0
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  # (read with IFS=tab would merge the empty pointer field of root-level errors)
  file=$(cut -f1 <<<"$line") pointer=$(cut -f2 <<<"$line")
  checked=$((checked + 1))
  err=$("$runner" "$dir/$file" --out "$work/out" 2>&1 >/dev/null)
  status=$?
  if [ "$status" -ne 2 ]; then
    echo "FAIL $file: exit status $status (expected 2): $err"; failures=$((failures + 1)); continue
  fi
  if ! grep -qF -- "$file" <<<"$err"; then
    echo "FAIL $file: message does not name the file: $err"; failures=$((failures + 1)); continue
  fi
  if [ -n "$pointer" ] && ! grep -qF -- "$pointer:" <<<"$err"; then
    echo "FAIL $file: message does not name $pointer: $err"; failures=$((failures + 1)); continue
  fi
done < "$dir/expected.tsv"
# Bad command lines are bad input too.
for args in "--out $work/o" "$src/assets/scenarios/default.json" \
            "$src/assets/scenarios/default.json --out $work/o --threads -1" \
            "$src/assets/scenarios/default.json --out $work/o --budget-iterations 0" \
            "$src/assets/scenarios/default.json --out $work/o --no-such-flag" \
            "$src/assets/scenarios/default.json --out $work/o --seed -1" \
            "$src/assets/scenarios/default.json --out $work/o --seed 18446744073709551616" \
            "$src/assets/scenarios/default.json --out $work/o --seed 1e3" \
            "$src/assets/scenarios/default.json --out $work/o --budget-iterations 99999999999999999999" \
            "$src/assets/scenarios/default.json --out $work/o --budget-iterations 1000000000001" \
            "$src/assets/scenarios --out $work/o" \
            "/dev/zero --out $work/o"; do
  checked=$((checked + 1))
  # shellcheck disable=SC2086
  "$runner" $args >/dev/null 2>&1
  status=$?
  if [ "$status" -ne 2 ]; then echo "FAIL args '$args': exit $status (expected 2)"; failures=$((failures + 1)); fi
done
# A FIFO is refused at once instead of blocking for a writer (defect 7 of issue 19).
rm -f "$work/fifo.json" && mkfifo "$work/fifo.json"
checked=$((checked + 1))
err=$(timeout 20 "$runner" "$work/fifo.json" --out "$work/o" 2>&1 >/dev/null)
status=$?
if [ "$status" -ne 2 ] || ! grep -q "not a regular file" <<<"$err"; then
  echo "FAIL fifo: exit $status: $err"; failures=$((failures + 1))
fi
rm -f "$work/fifo.json"
# A directory is named as one, not as an "empty file".
checked=$((checked + 1))
err=$("$runner" "$src/assets/scenarios" --out "$work/o" 2>&1 >/dev/null)
if ! grep -q "is a directory" <<<"$err"; then echo "FAIL directory: $err"; failures=$((failures + 1)); fi
# Seeds and budgets out of range are refused with the value, never clamped (defect 8).
checked=$((checked + 1))
err=$("$runner" "$src/assets/scenarios/default.json" --out "$work/o" --seed -1 2>&1 >/dev/null)
if ! grep -q -- "--seed -1: expected a whole number" <<<"$err"; then echo "FAIL seed: $err"; failures=$((failures + 1)); fi
echo "checked $checked inputs, $failures failures"
[ "$checked" -ge 25 ] && [ "$failures" -eq 0 ]
