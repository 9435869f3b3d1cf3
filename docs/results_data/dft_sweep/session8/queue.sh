#!/usr/bin/env bash
# Runs the lines of a queue file (NAME TARGET SEED ITERS [k=v ...]) with run.sh, two at a time.
# usage: queue.sh FILE   (lines starting with # are skipped)
grep -v '^#' "$1" | grep -v '^\s*$' | xargs -P 2 -L 1 ./run.sh
