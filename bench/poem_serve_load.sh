#!/usr/bin/env bash
# Load test of ink-poem serve (docs/benchmarks.md, "The poem web server"): wrk against
# POST /api/generate (n = 10) with dynamic batching (the default) and without (--no-batching), and POST /api/acrostic, for 10 s each
# at 50 connections (acrostic also at 1 connection: its latency alone). Prints wrk's summary
# (requests/s, latency percentiles, errors) and the machine's load. wrk runs one thread (-t1).
#
#   bench/poem_serve_load.sh [--binary build/release/bin/ink-poem] [--model FILE] [--seconds 10] [--connections 50]
set -euo pipefail
binary=build/release/bin/ink-poem
model=models/poem-simplified.safetensors
seconds=10
connections=50
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "usage: $0 [--binary FILE] [--model FILE] [--seconds N] [--connections N]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "$0: wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
[ -x "$binary" ] || { echo "$0: no ink-poem at $binary (build it: cmake --build build/release --target ink-poem)" >&2; exit 1; }
[ -f "$model" ] || { echo "$0: no model at $model (pass --model)" >&2; exit 1; }

work=$(mktemp -d)
server=
stop_server() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  server=
}
trap 'stop_server; rm -rf "$work"' EXIT

# Starts the server on a free port; sets $url.
start_server() {
  "$binary" serve --model "$model" --port 0 "$@" 2>"$work/server.log" &
  server=$!
  for _ in $(seq 100); do
    url=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/server.log" || true)
    [ -n "$url" ] && return 0
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$0: the server did not start" >&2; exit 1
}

# A wrk script that POSTs one JSON body.
post() {
  cat >"$work/$1.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$2'
LUA
  echo "$work/$1.lua"
}

# The server's CPU time so far (user + system), in clock ticks: on a shared machine the requests per
# CPU-second tell what an idle machine would do better than the wall clock.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }

run() {  # path, connections, lua script, note
  echo "== POST $1 ${4:-}: $2 connections, ${seconds} s   ($(uptime | sed 's/.*load/load/'))"
  local before after out
  before=$(cpu_ticks)
  # One wrk thread: wrk shares the 2 cores with the server, and a second thread takes CPU the
  # server needs (one thread drives 50 connections easily at these rates).
  out=$(wrk --latency --timeout 30s -t 1 -c "$2" -d "${seconds}s" -s "$3" "$url$1")
  after=$(cpu_ticks)
  echo "$out" | grep -E 'Requests/sec|Latency|50%|99%|requests in|Non-2xx|Socket errors'
  local requests
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v r="$requests" -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { s = t / hz; printf "  server CPU: %.2f s for %d requests = %.2f ms per request (%.0f requests per CPU-second)\n", s, r, 1000 * s / r, r / s }'
}

generate=$(post generate '{"n":10,"seed":1}')
acrostic=$(post acrostic '{"heads":"春风","seed":1}')

start_server
run /api/generate "$connections" "$generate" "(n=10, batching)"
stop_server

start_server --no-batching
curl -sf "$url/healthz" >/dev/null
run /api/generate "$connections" "$generate" "(n=10, no batching)"
run /api/acrostic 1 "$acrostic"
run /api/acrostic "$connections" "$acrostic"
stop_server
