#!/usr/bin/env bash
# Measures an old revision of jwtgate against the working tree, in one run.
#
#   bench/compare.sh OLD_REV [BENCH_REGEXP]
#
# Checks OLD_REV out into a scratch `git worktree`, builds two test binaries
# of this module, "old" (the library at OLD_REV) and "new" (the library as it
# is in the working tree, uncommitted changes included), then runs them in
# turn, old then new, COUNT rounds, on the benchmarks BENCH_REGEXP selects
# (default: all), so that drift in the machine's load reaches both alike.
# Writes the raw output of each side to old.txt and new.txt (benchstat names
# its columns after them; `run.sh table new.txt` makes the BENCHMARKS.md
# tables), prints `benchstat old.txt new.txt`, and removes the worktree.
#
# Which benchmark code the old binary runs, SOURCES:
#   auto (default)  new if it builds, else old, said on stderr and in old.txt
#   new             this directory's benchmark sources, built against the
#                   library at OLD_REV (a temporary copy of bench/ whose
#                   go.mod replace points at the scratch worktree): both
#                   sides run the same benchmark code, so every difference
#                   is the library's, and benchmarks added since OLD_REV are
#                   measured on both sides. Needs every library API the
#                   benchmarks use to exist at OLD_REV.
#   old             bench/ as it was at OLD_REV, against the library at
#                   OLD_REV: what existed then; benchmarks added since show
#                   in new.txt only, and changes to shared benchmark code
#                   count as differences.
# Nothing in this directory is changed; go.mod edits happen in the copy.
#
# Environment: COUNT (default 6) rounds, BENCHTIME (go test -benchtime,
# default 1s), CPU (go test -cpu, default the machine's cores), OUT (the
# directory for old.txt and new.txt, default results/compare-<UTC
# timestamp>), SOURCES as above.
#
# Example, today's main against the working tree, the default-configuration
# rows only:
#   COUNT=6 bench/compare.sh c4dfcaf 'Middleware/.*/(floor|ours-default|keyfunc)$|AboveFloorDefault'
set -euo pipefail
# Go 1.27 is required (go.mod); machines that start on an older Go with
# GOTOOLCHAIN=local fetch it from the module proxy with this.
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")"

# benchstat, pinned so that summaries compare across runs and machines.
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
MODULE=github.com/jwtgate/jwtgate

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: bench/compare.sh OLD_REV [BENCH_REGEXP]" >&2
  exit 2
fi
old_rev="$1"
filter="${2:-.}"
count="${COUNT:-6}"
benchtime="${BENCHTIME:-1s}"
sources="${SOURCES:-auto}"
case "$sources" in
  auto | new | old) ;;
  *) echo "SOURCES=$sources: want auto, new or old" >&2; exit 2 ;;
esac

bench_dir="$(pwd)"
root="$(git rev-parse --show-toplevel)"
rel="$(git rev-parse --show-prefix)" # bench/
old_sha="$(git rev-parse --verify --quiet "$old_rev^{commit}")" || {
  echo "compare: $old_rev is not a commit of this repository" >&2
  exit 2
}
new_desc="working tree at $(git rev-parse --short HEAD)"
if [ -n "$(git -C "$root" status --porcelain -- . ":(exclude)$rel")" ]; then
  new_desc="$new_desc with uncommitted changes"
fi

out="${OUT:-${RESULTS_DIR:-results}/compare-$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

tmp="$(mktemp -d -t jwtgate-compare.XXXXXX)"
old_tree="$tmp/old"
cleanup() {
  if [ -d "$old_tree" ]; then
    git -C "$root" worktree remove --force "$old_tree" || true
  fi
  git -C "$root" worktree prune || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== scratch worktree of $old_rev ($(git rev-parse --short "$old_sha")) in $old_tree"
git -C "$root" worktree add --quiet --detach "$old_tree" "$old_sha"

# build_old_new_sources builds this directory's benchmark sources against
# the library in the scratch worktree, in a copy of this directory.
# (Written as one && chain: errexit does not apply where it is called as
# an if condition.)
build_old_new_sources() {
  old_dir="$tmp/bench-src"
  rm -rf "$old_dir" && mkdir -p "$old_dir" &&
    tar -C "$bench_dir" --exclude=./results -cf - . | tar -C "$old_dir" -xf - &&
    (cd "$old_dir" && go mod edit -replace "$MODULE=$old_tree" &&
      # The old library may need other versions of shared dependencies:
      # -mod=mod lets the copy's go.mod and go.sum follow.
      go test -mod=mod -c -o "$tmp/old.test" .)
}

# build_old_old_sources builds bench/ as it was at OLD_REV, whose go.mod
# replace (../) points at the library in the scratch worktree.
build_old_old_sources() {
  old_dir="$old_tree/$rel"
  if [ ! -f "$old_dir/go.mod" ]; then
    echo "compare: $old_rev has no $rel module" >&2
    return 1
  fi
  (cd "$old_dir" && go test -c -o "$tmp/old.test" .)
}

echo "== building the old binary (SOURCES=$sources)"
case "$sources" in
  new) build_old_new_sources; old_sources="this directory's benchmark sources" ;;
  old) build_old_old_sources; old_sources="bench/ at $old_rev" ;;
  auto)
    if build_old_new_sources >"$tmp/build.log" 2>&1; then
      old_sources="this directory's benchmark sources"
    else
      echo "compare: the current benchmark sources do not build against $old_rev:" >&2
      tail -n 20 "$tmp/build.log" >&2
      echo "compare: falling back to bench/ at $old_rev (SOURCES=old); benchmarks added since show in new.txt only" >&2
      build_old_old_sources
      old_sources="bench/ at $old_rev (the current sources did not build against it)"
    fi
    ;;
esac
echo "== building the new binary"
go test -c -o "$tmp/new.test" .

header() { # side, library, sources
  echo "# $1: library $2; benchmark sources: $3"
  echo "# compare.sh $old_rev '$filter': COUNT=$count BENCHTIME=$benchtime ${CPU:+CPU=$CPU }rounds of old then new"
  echo "# $(go version); $(uname -srm); $(nproc) cores"
  echo "# load before: $(uptime)"
}
header old "$old_rev ($old_sha)" "$old_sources" >"$out/old.txt"
header new "$new_desc" "this directory" >"$out/new.txt"

run() { # side, dir
  (cd "$2" && "$tmp/$1.test" -test.run '^$' -test.bench "$filter" -test.benchmem -test.count 1 \
    -test.benchtime "$benchtime" ${CPU:+-test.cpu "$CPU"} -test.timeout 60m) | tee -a "$out/$1.txt"
}
for round in $(seq 1 "$count"); do
  for side in old new; do
    echo "# round $round of $count: $side" | tee -a "$out/$side.txt"
    if [ "$side" = old ]; then run old "$old_dir"; else run new "$bench_dir"; fi
  done
done
for side in old new; do echo "# load after: $(uptime)" >>"$out/$side.txt"; done

echo
echo "== benchstat old.txt new.txt ($out)"
(cd "$out" && go run "$BENCHSTAT" old.txt new.txt)
echo
echo "raw output: $out/old.txt $out/new.txt"
echo "tables: bench/run.sh table $out/new.txt"
