#!/usr/bin/env bash
# Loopback load test of jwtgate's adapters (cmd/loadserver) with wrk.
#
#   bench/load.sh
#
# Two server runs, each with GOMAXPROCS=2 and the mutex profile on:
#   first-sight  -cache=false: every request verifies the token in full
#   repeated     -cache=true:  the repeated token is answered from the cache
# and in each, wrk against /noauth, /nethttp, /echo and /gin (the protected
# routes require scope "read") with the fixture token in the Authorization
# header. Prints requests/second per scenario and route, then the mutex
# profile of each run (go tool pprof -top).
#
# Environment: DURATION (wrk -d, default 10s), THREADS (wrk -t, default 2),
# CONNECTIONS (wrk -c, default 32), ROUNDS (default 1: each scenario runs
# its routes round-robin this many times and the median is shown; wrk and
# the server share the cores, so single runs vary by tens of percent), ALG
# (default RS256), PORT (default 18080), OUT (directory for profiles and wrk
# output, default a temp dir). Only 127.0.0.1 is ever targeted. With the
# defaults a run takes about 90 s (8 x 10 s of load plus builds); ROUNDS=3
# about four minutes.
set -euo pipefail
# Go 1.27 is required (go.mod); machines that start on an older Go with
# GOTOOLCHAIN=local fetch it from the module proxy with this.
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")"

DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
ROUNDS="${ROUNDS:-1}"
ALG="${ALG:-RS256}"
PORT="${PORT:-18080}"
OUT="${OUT:-$(mktemp -d -t jwtgate-load.XXXXXX)}"
mkdir -p "$OUT"
ADDR="127.0.0.1:$PORT"

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq wrk >/dev/null
fi

echo "== building cmd/loadserver"
go build -o "$OUT/loadserver" ./cmd/loadserver

cat >"$OUT/auth.lua" <<'EOF'
-- Sends every request with the fixture token read from TOKEN_FILE.
local f = assert(io.open(os.getenv("TOKEN_FILE"), "r"))
local token = f:read("*a")
f:close()
wrk.headers["Authorization"] = "Bearer " .. token
EOF

server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  server_pid=""
}
trap stop_server EXIT

wait_ready() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then echo "loadserver exited" >&2; return 1; fi
    sleep 0.1
  done
  echo "loadserver did not start listening on $ADDR" >&2
  return 1
}

declare -A rps
failures=0
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }
routes=(noauth nethttp echo gin)
scenarios=(first-sight repeated)

for scenario in "${scenarios[@]}"; do
  cache=false
  [ "$scenario" = repeated ] && cache=true
  echo "== $scenario: loadserver -alg $ALG -cache=$cache, GOMAXPROCS=2"
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "127.0.0.1:$PORT is already in use; set PORT" >&2
    exit 1
  fi
  GOMAXPROCS=2 "$OUT/loadserver" -addr "$ADDR" -alg "$ALG" -cache="$cache" \
    -token-file "$OUT/token" -mutexprofile "$OUT/mutex-$scenario.pprof" \
    2>"$OUT/server-$scenario.log" &
  server_pid=$!
  wait_ready
  for round in $(seq 1 "$ROUNDS"); do
    for route in "${routes[@]}"; do
      log="$OUT/wrk-$scenario-$route-$round.txt"
      TOKEN_FILE="$OUT/token" timeout 120 wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" \
        -s "$OUT/auth.lua" "http://$ADDR/$route" >"$log"
      r=$(awk '/^Requests\/sec:/ {print $2}' "$log")
      bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$log")
      if [ -n "$bad" ]; then
        echo "   $route: $bad non-2xx answers; see $log" >&2
        failures=$((failures + 1))
      fi
      rps[$scenario/$route]="${rps[$scenario/$route]:-} $r"
      printf '   round %s %-8s %s req/s\n' "$round" "$route" "$r"
    done
  done
  stop_server
done

echo
echo "== requests/second, median of $ROUNDS round(s) ($ALG, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, server GOMAXPROCS=2, $(nproc) cores shared with wrk)"
printf '| %-11s |' scenario
for route in "${routes[@]}"; do printf ' %-10s |' "/$route"; done
echo
printf '|%s' "-------------|"
for _ in "${routes[@]}"; do printf '%s' "------------|"; done
echo
for scenario in "${scenarios[@]}"; do
  printf '| %-11s |' "$scenario"
  for route in "${routes[@]}"; do printf ' %-10s |' "$(echo "${rps[$scenario/$route]}" | median)"; done
  echo
done

# mutex_summary prints the profile's total delay and the delay of every
# contended sync lock that jwtgate's own code took (the first frame above the
# sync.* frames is in a jwtgate package); runtime-internal locks and
# net/http's are counted in the total only.
mutex_summary() {
  go tool pprof -traces "$1" "$2" 2>/dev/null | awk '
    function us(v) {
      if (v ~ /ms$/) return v * 1000; if (v ~ /us$/) return v + 0
      if (v ~ /ns$/) return v / 1000; if (v ~ /s$/) return v * 1e6; return v
    }
    function flush() {
      if (n > 0) {
        total += val
        if (own) { ownsum += val; list = list sprintf("  %12.1f us  %s, taken in %s\n", val, top, where) }
      }
      n = 0; own = 0; chain = 0
    }
    /^-+\+-+$/ { flush(); next }
    /^ +[0-9.]+(ns|us|ms|s) +[^ ]/ { flush(); val = us($1); top = $2; n = 1; chain = (top ~ /^sync\./); next }
    n > 0 {
      n++
      if (chain && $1 !~ /^sync\./) {
        chain = 0
        if ($1 ~ /jwtgate\/jwtgate\//) { own = 1; where = $1 }
      }
    }
    END {
      flush()
      printf "total contention delay %.2f ms; in sync locks taken by jwtgate code: %.3f ms\n", total / 1000, ownsum / 1000
      printf "%s", list
    }'
}

for scenario in "${scenarios[@]}"; do
  echo
  echo "== mutex profile, $scenario"
  mutex_summary "$OUT/loadserver" "$OUT/mutex-$scenario.pprof"
  echo "-- go tool pprof -top:"
  go tool pprof -top "$OUT/loadserver" "$OUT/mutex-$scenario.pprof" 2>&1 | awk '/^Showing nodes/ {on = 1} on && shown < 20 {print; shown++}'
done
echo
echo "wrk output, server logs and profiles: $OUT"
if [ "$failures" -gt 0 ]; then
  echo "$failures wrk run(s) saw non-2xx answers" >&2
  exit 1
fi
