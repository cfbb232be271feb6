#!/usr/bin/env bash
# From a broken copy to the notification (issue #15 goal: p95 <= quiet window + 500 ms).
# A real sigwatchd watches an Applications root and a source root (standing for /Volumes) that holds a valid, ad-hoc
# sealed app; a real `sigwatch agent` posts through a recording notify-send that stamps the time it was called. Each of
# COPIES rounds copies the app into Applications (cp -R), then writes one more file into the copy (a licence file,
# USER-PROBLEMS.md row 3): the copy-broke-seal notification is timed from that last write to notify-send's stamp.
# Usage: scripts/bench-notify.sh [COPIES] [QUIET_WINDOW_SECONDS] [FILES]   (defaults 20, 2, 200)
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-20}
QUIET=${2:-2}
FILES=${3:-200}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-notify.XXXXXX")
DAEMON_PID=
AGENT_PID=
cleanup() {
  if [ -n "$AGENT_PID" ]; then kill "$AGENT_PID" 2>/dev/null || true; fi
  if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

dotnet build -c Release src/SigWatch.Daemon -v q -nologo >/dev/null
dotnet build -c Release src/SigWatch.Cli -v q -nologo >/dev/null
dotnet build -c Release tests/SigWatch.Benchmarks -v q -nologo >/dev/null
DAEMON=src/SigWatch.Daemon/bin/Release/net10.0/sigwatchd.dll
CLI=src/SigWatch.Cli/bin/Release/net10.0/sigwatch.dll
mkdir -p "$WORK/Applications" "$WORK/Volumes/Disk" "$WORK/bin" "$WORK/staging"
SOCKET="$WORK/run/d.sock"
NOTES="$WORK/notifications"
cat >"$WORK/bin/notify-send" <<'SCRIPT'
#!/bin/sh
printf '%s\t%s\n' "$(date +%s.%N)" "$5" >> "$BENCH_NOTIFY_LOG"
SCRIPT
chmod +x "$WORK/bin/notify-send"

BUILT=$(dotnet tests/SigWatch.Benchmarks/bin/Release/net10.0/SigWatch.Benchmarks.dll seal-bundle "$WORK/staging" "$FILES" $((FILES * 4096)))
mv "$BUILT" "$WORK/Volumes/Disk/Bench.app"
SOURCE="$WORK/Volumes/Disk/Bench.app"

dotnet exec "$DAEMON" --root "$WORK/Applications" --source-root "$WORK/Volumes" --state-dir "$WORK/state" --log-dir "$WORK/logs" \
  --socket "$SOCKET" --quiet-window "$QUIET" --log-level Warning >"$WORK/daemon.out" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 100); do [ -S "$SOCKET" ] && break; sleep 0.1; done
until dotnet exec "$CLI" show "$SOURCE" --json --socket "$SOCKET" 2>/dev/null | grep -q '"verdict": "valid"'; do sleep 0.5; done

env -u DBUS_SESSION_BUS_ADDRESS PATH="$WORK/bin:$PATH" BENCH_NOTIFY_LOG="$NOTES" \
  dotnet exec "$CLI" agent --socket "$SOCKET" --state-dir "$WORK/agent" --notifier notify-send --burst-window 0 >"$WORK/agent.out" 2>"$WORK/agent.log" &
AGENT_PID=$!
until grep -q "following sigwatchd" "$WORK/agent.log" 2>/dev/null; do sleep 0.1; done
touch "$NOTES"

echo "machine: $(nproc) cores; quiet window ${QUIET} s; app: $FILES files; $COPIES copies"
LATENCIES=()
for i in $(seq 1 "$COPIES"); do
  before=$(wc -l <"$NOTES")
  cp -R "$SOURCE" "$WORK/Applications/Copy$i.app"
  echo "LICENSED TO: bench" >"$WORK/Applications/Copy$i.app/Contents/Resources/devel.lic"
  written=$(date +%s.%N)
  until [ "$(wc -l <"$NOTES")" -gt "$before" ]; do sleep 0.02; done
  line=$(tail -n 1 "$NOTES")
  case "$line" in *"seal broke when it was copied from"*) ;; *) echo "unexpected notification: $line" >&2; exit 1 ;; esac
  posted=${line%%$'\t'*}
  LATENCIES+=("$(echo "($posted - $written) * 1000" | bc)")
done

printf '%s\n' "${LATENCIES[@]}" | sort -n | awk -v quiet="$QUIET" '
  { v[NR] = $1 }
  END {
    p50 = v[int(NR * 0.50 + 0.999)]; p95 = v[int(NR * 0.95 + 0.999)]
    goal = quiet * 1000 + 500
    printf "last write -> notification posted (ms): min %.0f  p50 %.0f  p95 %.0f  max %.0f  (goal p95 <= %.0f: %s)\n", v[1], p50, p95, v[NR], goal, (p95 <= goal ? "met" : "NOT met")
    printf "beyond the quiet window: p50 %.0f ms, p95 %.0f ms\n", p50 - quiet * 1000, p95 - quiet * 1000
  }'
