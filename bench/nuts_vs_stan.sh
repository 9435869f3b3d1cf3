#!/usr/bin/env bash
# Our NUTS vs Stan's NUTS (rstan) on N(0, I) and a ρ = 0.9 Gaussian at the same step size, unit
# metric, no adaptation: tree depth and acceptance statistic distributions (docs/results.md).
# Needs r-cran-rstan (apt-get install r-cran-rstan; compiling the Stan model takes minutes).
# Usage: bench/nuts_vs_stan.sh [BUILD_DIR=build/release] [WORK_DIR=build/nuts_vs_stan]
#   UTURN=stan (default: the criterion of Stan's base_nuts, also in rstan 2.21's StanHeaders) or
#   UTURN=merged_only (without the checks across merges)
set -eu
build=${1:-build/release}
work=${2:-build/nuts_vs_stan}
uturn=${UTURN:-stan}
mkdir -p "$work"
here=$(cd "$(dirname "$0")" && pwd)
"$build/bench/nuts_vs_stan" std "${EPS_STD:-0.9}" "$work/ours_std.csv" 2000 30 100 "$uturn" 1
"$build/bench/nuts_vs_stan" corr "${EPS_CORR:-0.3}" "$work/ours_corr.csv" 2000 30 100 "$uturn" 2
Rscript "$here/nuts_vs_stan.R" "$work"
