#!/usr/bin/env bash
# The daemon under load (issue #14 goal: >= 20,000 GetStatus/s at 64 concurrent clients, p99 <= 5 ms, on 2 cores).
# Starts a sigwatchd on a private socket with one small root, then runs sigwatch-load (tests/SigWatch.Load):
# GetStatus at 1, 16 and 64 concurrent clients (8 per connection) for SECONDS each, after a warm-up, and prints
# requests/s, p50, p99, max, errors and the daemon's RSS as a Markdown table (docs/benchmarks.md).
# Client and daemon share the machine's cores, as they do in production.
# As root (with setpriv), also the issue's flood goal: 1 admitted client while uid 65534 opens 20,000 refused
# connections, 32 at a time — p99 under 50 ms — next to the same client without the flood, measured in the same run.
# Usage: scripts/bench-daemon.sh [SECONDS] [BASELINE_SIGWATCHD_DLL]
#   With a baseline (e.g. a worktree of an older commit, built), both daemons are measured in turn, twice (ABAB).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-10}
BASELINE=${2:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-daemon.XXXXXX")
DAEMON_PID=
cleanup() { if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build -c Release src/SigWatch.Daemon -v q -nologo >/dev/null
dotnet build -c Release tests/SigWatch.Load -v q -nologo >/dev/null
LOAD=tests/SigWatch.Load/bin/Release/net10.0/sigwatch-load.dll
CURRENT=src/SigWatch.Daemon/bin/Release/net10.0/sigwatchd.dll
echo "machine: $(nproc) cores, $(uname -sr), $(dotnet --version)"

# uid 65534 must reach the socket under $WORK/run for the flood (the daemon's peer policy refuses it there).
chmod 711 "$WORK"
mkdir -p "$WORK/root"
for i in $(seq 1 20); do
  mkdir -p "$WORK/root/App$i.app/Contents/MacOS"
  printf '<?xml version="1.0"?><plist version="1.0"><dict><key>CFBundleIdentifier</key><string>com.example.app%d</string></dict></plist>' "$i" \
    > "$WORK/root/App$i.app/Contents/Info.plist"
done

measure() { # LABEL DLL
  local label=$1 dll=$2 state="$WORK/state-$RANDOM" socket="$WORK/run/d.sock"
  rm -f "$socket"
  dotnet exec "$dll" --root "$WORK/root" --state-dir "$state" --log-dir "$state/logs" --socket "$socket" \
    --quiet-window 0.2 --log-level Warning >"$state.out" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.1; done
  sleep 2 # let the startup reconcile settle
  # Warm-up: JIT tiers and pools reach their steady state before anything is measured.
  dotnet exec "$LOAD" load --socket "$socket" --clients 64 --seconds 5 --warmup 1 >/dev/null
  echo
  echo "$label ($dll)"
  dotnet exec "$LOAD" load --socket "$socket" --clients 1,16,64 --seconds "$SECONDS_EACH" --warmup 2 --markdown | grep '^|'
  if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    echo "1 admitted client, without and then during a flood of 20,000 refused connections from uid 65534:"
    dotnet exec "$LOAD" load --socket "$socket" --clients 1 --seconds 4 --warmup 1 --markdown | grep '^|'
    setpriv --reuid=65534 --regid=65534 --clear-groups dotnet exec "$LOAD" flood --socket "$socket" \
      --connections 20000 --concurrency 32 >"$WORK/flood.json" &
    local flood=$!
    sleep 1 # the flood tool's own start-up
    dotnet exec "$LOAD" load --socket "$socket" --clients 1 --seconds 3 --warmup 0 --markdown | grep '^| *1 '
    wait "$flood"
    grep -o '"Refused":[0-9]*\|"ConnectionsPerSecond":[0-9]*' "$WORK/flood.json" | tr '\n' ' '; echo
  fi
  kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=
}

if [ -n "$BASELINE" ]; then
  measure baseline "$BASELINE"; measure current "$CURRENT"; measure baseline "$BASELINE"; measure current "$CURRENT"
else
  measure current "$CURRENT"
fi
