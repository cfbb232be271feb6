#!/usr/bin/env bash
# The daemon at rest (issue #20 goal: idle RSS <= 60 MB with 500 known bundles). Starts sigwatchd on a private socket
# watching a root of N small app bundles (an Info.plist and an executable each), waits until every one is assessed and
# nothing is pending, lets it settle for 10 s, then samples it for SECONDS: RSS (VmRSS) at the start, the end and the
# highest seen, and the CPU it used (utime + stime from /proc/PID/stat) as a share of one core. The baseline, measured
# in the same run with the same build and settings, is the daemon with an empty root: what the runtime, ASP.NET Core
# and SQLite cost before any bundle; both run side by side and are sampled over the same seconds. Prints Markdown rows.
# Usage: scripts/bench-idle.sh [N] [SECONDS] [SIGWATCHD]   (defaults 500, 60, the Release build run by dotnet exec)
#   SIGWATCHD may be a published apphost (artifacts/publish/linux-x64/sigwatchd/sigwatchd, what the packages ship).
#   Extra runtime settings come from the environment (e.g. DOTNET_gcServer=0) and apply to both rows.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500}
SAMPLE=${2:-60}
DAEMON=${3:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-idle.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

[ -n "$DAEMON" ] || dotnet build -c Release src/SigWatch.Daemon -v q -nologo >/dev/null
[ -x "${SIGWATCH_BENCH_AOT_CLI:-}" ] || dotnet build -c Release src/SigWatch.Cli -v q -nologo >/dev/null
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

# bench.sh hands its Native AOT CLI over (a status poll costs milliseconds instead of a JIT start).
if [ -n "${SIGWATCH_BENCH_AOT_CLI:-}" ] && [ -x "$SIGWATCH_BENCH_AOT_CLI" ]; then
  status() { "$SIGWATCH_BENCH_AOT_CLI" status --json --socket "$1" 2>/dev/null || true; }
else
  status() { dotnet exec "$CLI" status --json --socket "$1" 2>/dev/null || true; }
fi
field() { { grep -o "\"$2\": *[0-9]*" <<<"$1" || true; } | head -1 | cut -d: -f2 | tr -d ' '; }
# Both daemons run side by side and are sampled over the same seconds: each is at rest (its CPU is a fraction of a
# percent), so neither disturbs the other, and the run takes one sampling period instead of two.
LABELS=() SOCKETS=() BUNDLES=()
start() { # LABEL ROOT BUNDLES
  local state="$WORK/state-${#LABELS[@]}"
  mkdir -p "$state"
  run_daemon --root "$2" --state-dir "$state" --log-dir "$state/logs" --socket "$state/run/d.sock" --quiet-window 0.2 \
    --log-level Warning >"$state/out" 2>&1 &
  LABELS+=("$1") SOCKETS+=("$state/run/d.sock") BUNDLES+=("$3") PIDS+=($!)
}
ready() { # INDEX: every bundle assessed, nothing pending; prints the daemon's pid
  local socket=${SOCKETS[$1]} bundles=${BUNDLES[$1]} s count pending
  for _ in $(seq 1 600); do
    s=$(status "$socket")
    count=$(field "$s" bundleCount); pending=$(field "$s" pendingAssessments)
    [ "${count:-0}" -ge "$bundles" ] && [ "${pending:-1}" = 0 ] && { field "$s" pid; return; }
    sleep 0.5
  done
  echo "${LABELS[$1]}: only ${count:-0} of $bundles bundles assessed" >&2; cat "$(dirname "$(dirname "$socket")")/out" >&2; exit 1
}
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

echo "machine: $(nproc) cores, $(uname -sr), $(dotnet --version); ${DAEMON:-dotnet exec sigwatchd.dll}; sampled ${SAMPLE} s; runtime settings from the environment: $(env | grep -E '^DOTNET_(gc|GC|Tiered|TC_|ReadyToRun)' | tr '\n' ' ')"
echo "| daemon | bundles | RSS at start | RSS at end | RSS max | CPU (one core) |"
echo "|---|--:|--:|--:|--:|--:|"
start "baseline: empty root" "$WORK/empty" 0
start "$N bundles" "$WORK/apps" "$N"
pids=()
for i in "${!LABELS[@]}"; do pid=$(ready "$i") || exit 1; pids+=("$pid"); done
sleep 10
first=() max=() c0=() now=()
for i in "${!pids[@]}"; do first+=("$(rss "${pids[$i]}")"); max+=("${first[$i]}"); c0+=("$(cpu "${pids[$i]}")"); now+=("${first[$i]}"); done
for _ in $(seq 1 "$SAMPLE"); do
  sleep 1
  for i in "${!pids[@]}"; do now[i]=$(rss "${pids[$i]}"); [ "${now[$i]}" -gt "${max[$i]}" ] && max[i]=${now[$i]}; done
done
ticks=$(getconf CLK_TCK)
for i in "${!pids[@]}"; do
  c1=$(cpu "${pids[$i]}")
  printf '| %s | %s | %.1f MB | %.1f MB | %.1f MB | %.2f %% |\n' "${LABELS[$i]}" "${BUNDLES[$i]}" "$(bc -l <<<"${first[$i]}/1024")" \
    "$(bc -l <<<"${now[$i]}/1024")" "$(bc -l <<<"${max[$i]}/1024")" "$(bc -l <<<"100 * ($c1 - ${c0[$i]}) / $ticks / $SAMPLE")"
done
echo "ratio of RSS at end, $N bundles / empty root: $(bc -l <<<"scale=2; ${now[1]} / ${now[0]}")"
