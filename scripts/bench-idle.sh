#!/usr/bin/env bash
# The daemon at rest (issue #20 goal: idle RSS <= 60 MB with 500 known bundles). Starts sigwatchd on a private socket
# watching a root of N small app bundles (an Info.plist and an executable each), waits until every one is assessed and
# nothing is pending, lets it settle for 10 s, then samples it for SECONDS: RSS (VmRSS) at the start, the end and the
# highest seen, and the CPU it used (utime + stime from /proc/PID/stat) as a share of one core. The baseline, measured
# in the same run with the same build and settings, is the daemon with an empty root: what the runtime, ASP.NET Core
# and SQLite cost before any bundle. Prints Markdown rows.
# Usage: scripts/bench-idle.sh [N] [SECONDS] [SIGWATCHD]   (defaults 500, 60, the Release build run by dotnet exec)
#   SIGWATCHD may be a published apphost (artifacts/publish/linux-x64/sigwatchd/sigwatchd, what the packages ship).
#   Extra runtime settings come from the environment (e.g. DOTNET_gcServer=0) and apply to both rows.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500}
SAMPLE=${2:-60}
DAEMON=${3:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-idle.XXXXXX")
PID=
cleanup() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build -c Release src/SigWatch.Daemon -v q -nologo >/dev/null
dotnet build -c Release src/SigWatch.Cli -v q -nologo >/dev/null
CLI=src/SigWatch.Cli/bin/Release/net10.0/sigwatch.dll
if [ -z "$DAEMON" ]; then
  run_daemon() { exec dotnet exec src/SigWatch.Daemon/bin/Release/net10.0/sigwatchd.dll "$@"; }
else
  run_daemon() { exec "$DAEMON" "$@"; }
fi

mkdir -p "$WORK/empty" "$WORK/apps"
for i in $(seq 1 "$N"); do
  app="$WORK/apps/App$i.app/Contents"
  mkdir -p "$app/MacOS" "$app/Resources"
  printf '<?xml version="1.0"?><plist version="1.0"><dict><key>CFBundleIdentifier</key><string>com.example.app%d</string><key>CFBundleExecutable</key><string>App%d</string></dict></plist>' "$i" "$i" \
    >"$app/Info.plist"
  printf '#!/bin/sh\necho %d\n' "$i" >"$app/MacOS/App$i"
  printf 'resource %d\n' "$i" >"$app/Resources/readme.txt"
done

status() { dotnet exec "$CLI" status --json --socket "$1" 2>/dev/null || true; }
field() { { grep -o "\"$2\": *[0-9]*" <<<"$1" || true; } | head -1 | cut -d: -f2 | tr -d ' '; }
measure() { # LABEL ROOT BUNDLES
  local label=$1 root=$2 bundles=$3 state="$WORK/state-$RANDOM"
  local socket="$state/run/d.sock"
  mkdir -p "$state"
  run_daemon --root "$root" --state-dir "$state" --log-dir "$state/logs" --socket "$socket" --quiet-window 0.2 \
    --log-level Warning >"$state/out" 2>&1 &
  PID=$!
  local s count pending
  for _ in $(seq 1 600); do
    s=$(status "$socket")
    count=$(field "$s" bundleCount); pending=$(field "$s" pendingAssessments)
    [ "${count:-0}" -ge "$bundles" ] && [ "${pending:-1}" = 0 ] && break
    sleep 0.5
  done
  [ "${count:-0}" -ge "$bundles" ] || { echo "$label: only ${count:-0} of $bundles bundles assessed" >&2; cat "$state/out" >&2; exit 1; }
  sleep 10
  local pid
  pid=$(field "$(status "$socket")" pid)
  cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
  rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
  local first max now c0 c1
  first=$(rss); max=$first; c0=$(cpu)
  for _ in $(seq 1 "$SAMPLE"); do sleep 1; now=$(rss); [ "$now" -gt "$max" ] && max=$now; done
  c1=$(cpu)
  local ticks
  ticks=$(getconf CLK_TCK)
  printf '| %s | %s | %.1f MB | %.1f MB | %.1f MB | %.2f %% |\n' "$label" "$count" "$(bc -l <<<"$first/1024")" "$(bc -l <<<"$now/1024")" \
    "$(bc -l <<<"$max/1024")" "$(bc -l <<<"100 * ($c1 - $c0) / $ticks / $SAMPLE")"
  echo "$now" >"$WORK/rss-$label"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
}

echo "machine: $(nproc) cores, $(uname -sr), $(dotnet --version); ${DAEMON:-dotnet exec sigwatchd.dll}; sampled ${SAMPLE} s; runtime settings from the environment: $(env | grep -E '^DOTNET_(gc|GC|Tiered|TC_|ReadyToRun)' | tr '\n' ' ')"
echo "| daemon | bundles | RSS at start | RSS at end | RSS max | CPU (one core) |"
echo "|---|--:|--:|--:|--:|--:|"
measure "baseline: empty root" "$WORK/empty" 0
measure "$N bundles" "$WORK/apps" "$N"
echo "ratio of RSS at end, $N bundles / empty root: $(bc -l <<<"scale=2; $(cat "$WORK/rss-$N bundles") / $(cat "$WORK/rss-baseline: empty root")")"
