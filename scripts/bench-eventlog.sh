#!/usr/bin/env bash
# Event log latency (issue #19 goal: a reader in a second process sees each event within 1 s of its commit).
# Starts sigwatchd with a private root and its event log, and two readers in their own processes, each stamping every
# line with the time it read it (bash $EPOCHREALTIME): `tail -F` on events.ndjson, and — the baseline, measured in the
# same run — `sigwatch events --follow`, the daemon's own gRPC event stream. Then adds N bundles to the root one at a
# time (each once the previous one was seen by both). Latency = time read - the line's @timestamp, which the daemon takes
# just before the transaction commits: an upper bound on commit -> seen. Prints p50 / p95 / max per reader (Markdown).
# Usage: scripts/bench-eventlog.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-eventlog.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build -c Release src/SigWatch.Daemon -v q -nologo >/dev/null
dotnet build -c Release src/SigWatch.Cli -v q -nologo >/dev/null
DAEMON=src/SigWatch.Daemon/bin/Release/net10.0/sigwatchd.dll
CLI=src/SigWatch.Cli/bin/Release/net10.0/sigwatch.dll
echo "machine: $(nproc) cores, $(uname -sr), $(dotnet --version); $N events"

mkdir -p "$WORK/root" "$WORK/staging"
SOCKET="$WORK/run/d.sock"
LOG="$WORK/logs/events.ndjson"
dotnet exec "$DAEMON" --root "$WORK/root" --state-dir "$WORK/state" --log-dir "$WORK/logs" --socket "$SOCKET" \
  --quiet-window 0.1 --log-level Warning >"$WORK/daemon.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do [ -S "$SOCKET" ] && break; sleep 0.1; done

stamp() { while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }
touch "$LOG"
tail -F -n +1 "$LOG" 2>/dev/null | stamp >"$WORK/tail.txt" &
PIDS+=($!)
dotnet exec "$CLI" events --follow --json --socket "$SOCKET" 2>/dev/null | stamp >"$WORK/stream.txt" &
PIDS+=($!)
sleep 2 # the readers' start-up

seen() { grep -q "Bench$1.app" "$WORK/tail.txt" && grep -q "Bench$1.app" "$WORK/stream.txt"; }
for i in $(seq 1 "$N"); do
  mkdir -p "$WORK/staging/Bench$i.app/Contents/MacOS"
  printf '<?xml version="1.0"?><plist version="1.0"><dict><key>CFBundleIdentifier</key><string>com.example.bench%d</string></dict></plist>' "$i" \
    >"$WORK/staging/Bench$i.app/Contents/Info.plist"
  mv "$WORK/staging/Bench$i.app" "$WORK/root/"
  for _ in $(seq 1 3000); do seen "$i" && break; sleep 0.01; done
  seen "$i" || { echo "event for Bench$i.app not seen within 30 s" >&2; cat "$WORK/daemon.out" >&2; exit 1; }
done

# The event time of each bundle, from the log line (@timestamp, UTC, milliseconds).
epoch() { date -u -d "$1" +%s.%N; }
latencies() { # FILE: one latency in ms per BenchN.app, read time - that bundle's @timestamp
  local file=$1
  for i in $(seq 1 "$N"); do
    local line ts read
    line=$(grep -m1 "\"file\":{\"path\":\"[^\"]*/Bench$i.app\"" "$WORK/tail.txt" | cut -d' ' -f2-)
    ts=$(printf '%s' "$line" | grep -o '"@timestamp":"[^"]*"' | cut -d'"' -f4)
    read=$(grep -m1 "Bench$i.app" "$file" | cut -d' ' -f1)
    awk -v r="$read" -v t="$(epoch "$ts")" 'BEGIN { printf "%.1f\n", (r - t) * 1000 }'
  done | sort -n
}
row() { # LABEL FILE
  local values count p50 p95 max
  values=$(latencies "$2")
  count=$(printf '%s\n' "$values" | wc -l)
  p50=$(printf '%s\n' "$values" | sed -n "$(( (count + 1) / 2 ))p")
  p95=$(printf '%s\n' "$values" | sed -n "$(( (count * 95 + 99) / 100 ))p")
  max=$(printf '%s\n' "$values" | tail -1)
  printf '| %s | %s | %s ms | %s ms | %s ms |\n' "$1" "$count" "$p50" "$p95" "$max"
  printf '%s\n' "$p95" >"$WORK/$3.p95"
}
echo
echo "| reader | events | p50 | p95 | max |"
echo "|---|---|---|---|---|"
row "tail -F events.ndjson (second process)" "$WORK/tail.txt" tail
row "baseline: sigwatch events --follow (gRPC stream)" "$WORK/stream.txt" stream
awk -v a="$(cat "$WORK/tail.p95")" -v b="$(cat "$WORK/stream.p95")" 'BEGIN { if (b > 0) printf "p95 ratio event log / gRPC stream: %.2f\n", a / b }'
