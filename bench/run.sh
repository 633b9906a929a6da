#!/usr/bin/env bash
# Runs the benchmarks of this module and summarises them.
#
#   bench/run.sh [BENCH_REGEXP]     run (default: all), save raw output, summarise
#   bench/run.sh table FILE...      print the BENCHMARKS.md tables of saved output
#   bench/run.sh stat FILE...       print benchstat summaries of saved output
#   bench/compare.sh OLD_REV [RE]   an old revision against the working tree,
#                                   interleaved, then benchstat (see its header)
#
# Environment: COUNT (default 10) runs of each benchmark, BENCHTIME (go test
# -benchtime, default 1s), CPU (go test -cpu, default the machine's cores),
# RESULTS_DIR (default bench/results), INTERLEAVE=1 to run COUNT rounds of
# every benchmark once (a test binary built once, run COUNT times) instead of
# each benchmark COUNT times in a row: on a machine whose load drifts, every
# contender then sees the same drift. Raw output goes to
# $RESULTS_DIR/<UTC timestamp>.txt, with the machine described at the top, so
# benchstat and cmd/table can read it again later.
#
# Example, the RS256 and HS256 rows only, three runs:
#   COUNT=3 bench/run.sh 'Middleware/(RS256|HS256)/'
# The default configuration (token cache on) given a token never seen before
# on every request, as ns/op beside the floor and the peers, and paired with
# the floor:
#   INTERLEAVE=1 COUNT=6 bench/run.sh 'Middleware/[^/]+/(floor|ours|ours-default|keyfunc|echo-jwt)$|AboveFloorDefault'
set -euo pipefail
# Go 1.27 is required (go.mod); machines that start on an older Go with
# GOTOOLCHAIN=local fetch it from the module proxy with this.
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")"

benchstat() { go run golang.org/x/perf/cmd/benchstat@latest "$@"; }

summarise() {
  echo
  echo "== benchstat (medians with 95% confidence intervals)"
  benchstat "$@"
  echo
  echo "== tables for BENCHMARKS.md"
  go run ./cmd/table "$@"
}

case "${1:-}" in
  table) shift; go run ./cmd/table "$@"; exit ;;
  stat) shift; summarise "$@"; exit ;;
esac

filter="${1:-.}"
results="${RESULTS_DIR:-results}"
mkdir -p "$results"
out="$results/$(date -u +%Y%m%d-%H%M%S).txt"

{
  echo "# go test -run '^\$' -bench '$filter' -benchmem -count ${COUNT:-10} -benchtime ${BENCHTIME:-1s} ${CPU:+-cpu $CPU} (INTERLEAVE=${INTERLEAVE:-0})"
  echo "# $(go version); $(uname -srm); $(nproc) cores"
  echo "# load before: $(uptime)"
} | tee "$out"

if [ "${INTERLEAVE:-0}" = 1 ]; then
  bin="$(mktemp -d)/bench.test"
  go test -c -o "$bin" .
  for round in $(seq 1 "${COUNT:-10}"); do
    echo "# round $round of ${COUNT:-10}" | tee -a "$out"
    "$bin" -test.run '^$' -test.bench "$filter" -test.benchmem -test.count 1 \
      -test.benchtime "${BENCHTIME:-1s}" ${CPU:+-test.cpu "$CPU"} -test.timeout 60m | tee -a "$out"
  done
  rm -f "$bin"
else
  go test -run '^$' -bench "$filter" -benchmem \
    -count "${COUNT:-10}" -benchtime "${BENCHTIME:-1s}" ${CPU:+-cpu "$CPU"} \
    -timeout 60m . | tee -a "$out"
fi

echo "# load after: $(uptime)" | tee -a "$out"
echo
echo "raw output: $out"
summarise "$out"
