#!/usr/bin/env bash
# The daemon under load (issue #14 goal: >= 20,000 GetStatus/s at 64 concurrent clients, p99 <= 5 ms, on 2 cores).
# Starts a sigwatchd on a private socket with one small root, then runs sigwatch-load (tests/SigWatch.Load):
# GetStatus at 1, 16 and 64 concurrent clients (8 per connection) for SECONDS each, after a warm-up, and prints
# requests/s, p50, p99, max, errors and the daemon's RSS as a Markdown table (docs/benchmarks.md).
# Client and daemon share the machine's cores, as they do in production.
# Usage: scripts/bench-daemon.sh [SECONDS] [BASELINE_SIGWATCHD_DLL]
#   With a baseline (e.g. a worktree of an older commit, built), both daemons are measured in turn, twice (ABAB).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-10}
BASELINE=${2:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-daemon.XXXXXX")
DAEMON_PID=
cleanup() { [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build -c Release src/SigWatch.Daemon -v q -nologo >/dev/null
dotnet build -c Release tests/SigWatch.Load -v q -nologo >/dev/null
LOAD=tests/SigWatch.Load/bin/Release/net10.0/sigwatch-load.dll
CURRENT=src/SigWatch.Daemon/bin/Release/net10.0/sigwatchd.dll
echo "machine: $(nproc) cores, $(uname -sr), $(dotnet --version)"

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
  kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=
}

if [ -n "$BASELINE" ]; then
  measure baseline "$BASELINE"; measure current "$CURRENT"; measure baseline "$BASELINE"; measure current "$CURRENT"
else
  measure current "$CURRENT"
fi
