#!/usr/bin/env bash
# How long the CLI takes to start and answer (issue #17 goal: `sigwatch status` p50 <= 80 ms on our 2-core machines).
# Starts a sigwatchd on a private socket, then hyperfine (Debian package hyperfine) runs, each after warm-up runs:
#   status and check of a small binary, with the framework-dependent build (dotnet exec sigwatch.dll, JIT), with the
#   self-contained ReadyToRun publish (scripts/publish.sh, what the packages ship) and with the Native AOT CLI
#   (scripts/publish.sh --aot-cli; needs clang).
# Usage: scripts/bench-cli.sh [RUNS]   (default 30). Prints hyperfine's Markdown tables (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-30}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-cli.XXXXXX")
DAEMON_PID=
cleanup() { if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT

command -v hyperfine >/dev/null || { echo "bench-cli.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
dotnet build -c Release src/SigWatch.Daemon -v q -nologo >/dev/null
dotnet build -c Release src/SigWatch.Cli -v q -nologo >/dev/null
# SIGWATCH_BENCH_AOT_CLI: a Native AOT sigwatch already published from this tree (bench.sh passes its own), so the
# two-minute AOT compilation is not done twice.
if [ -n "${SIGWATCH_BENCH_AOT_CLI:-}" ] && [ -x "$SIGWATCH_BENCH_AOT_CLI" ]; then
  AOT=$SIGWATCH_BENCH_AOT_CLI
else
  ./scripts/publish.sh --aot-cli "$rid" >/dev/null
  cp -a "artifacts/publish/$rid/sigwatch" "$WORK/aot"
  AOT="$WORK/aot/sigwatch"
fi
# SIGWATCH_BENCH_R2R_CLI: the same for the ReadyToRun publish.
if [ -n "${SIGWATCH_BENCH_R2R_CLI:-}" ] && [ -x "$SIGWATCH_BENCH_R2R_CLI" ]; then
  R2R=$SIGWATCH_BENCH_R2R_CLI
else
  ./scripts/publish.sh --only sigwatch "$rid" >/dev/null
  R2R="artifacts/publish/$rid/sigwatch/sigwatch"
fi
JIT="dotnet exec src/SigWatch.Cli/bin/Release/net10.0/sigwatch.dll"
echo "machine: $(nproc) cores, $(uname -sr), $(dotnet --version)"

mkdir -p "$WORK/root"
dotnet exec src/SigWatch.Daemon/bin/Release/net10.0/sigwatchd.dll --root "$WORK/root" --state-dir "$WORK/state" \
  --log-dir "$WORK/logs" --socket "$WORK/run/d.sock" --log-level Warning >"$WORK/daemon.out" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 100); do [ -S "$WORK/run/d.sock" ] && break; sleep 0.1; done
# A small signed Mach-O from the publish itself: the runtime's libSystem.Native.dylib for macOS, if published;
# else the CLI's own (ELF: check says not Mach-O, which is still the whole start-up path).
small=$(find artifacts/publish -path '*osx-arm64*' -name libSystem.Native.dylib | head -1)
small=${small:-$R2R}

hyperfine --style basic --warmup 3 --runs "$RUNS" -N --export-markdown "$WORK/status.md" --export-json "$WORK/status.json" \
  -n "status (dotnet exec, JIT)" "$JIT status --socket $WORK/run/d.sock" \
  -n "status (self-contained ReadyToRun)" "$R2R status --socket $WORK/run/d.sock" \
  -n "status (Native AOT)" "$AOT status --socket $WORK/run/d.sock" >/dev/null
hyperfine --style basic --warmup 3 --runs "$RUNS" -N -i --export-markdown "$WORK/check.md" --export-json "$WORK/check.json" \
  -n "check small file (dotnet exec, JIT)" "$JIT check $small" \
  -n "check small file (self-contained ReadyToRun)" "$R2R check $small" \
  -n "check small file (Native AOT)" "$AOT check $small" >/dev/null
cat "$WORK/status.md"; echo; cat "$WORK/check.md"; echo
# The goal is on the median (p50), which hyperfine's tables do not show.
python3 - "$WORK/status.json" "$WORK/check.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        print(f"p50 {r['median'] * 1000:7.1f} ms  {r['command']}")
PY
