#!/usr/bin/env bash
# AFL++ over SigWatch's parsers through SharpFuzz (docs/fuzzing.md).
#   scripts/fuzz.sh TARGET MINUTES   one session; corpus and findings kept in $FUZZ_OUT/TARGET (default artifacts/fuzz)
#   scripts/fuzz.sh all MINUTES      every target in turn, MINUTES each
#   scripts/fuzz.sh --smoke [EXECS]  every target for EXECS executions (default 3000): what CI runs
#   scripts/fuzz.sh --list           the targets
# Publishes tests/SigWatch.Fuzz, instruments the published SigWatch.Core.dll with sharpfuzz (a local dotnet tool),
# makes the seed corpora from ../shared/fixtures/real (SIGWATCH_FIXTURES overrides), runs afl-fuzz and prints one
# Markdown row per target: executions, speed, corpus (paths found), edges, crashes, hangs. Exit 1 on any crash or
# hang (each is kept under $FUZZ_OUT/TARGET/default/{crashes,hangs}; replay one with the command printed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

usage() { sed -n '2,6p' "$0" | sed 's/^# //' >&2; exit 2; }
[ $# -ge 1 ] || usage
MODE=$1
FIXTURES=${SIGWATCH_FIXTURES:-$ROOT/../shared/fixtures/real}
OUT=${FUZZ_OUT:-$ROOT/artifacts/fuzz}
# A .NET input under 2 s or it is a hang: every parser here is linear in its input (1 MB at most), so anything near
# this is a bug; the generous bound keeps a loaded CI machine from reporting false hangs.
TIMEOUT_MS=${FUZZ_TIMEOUT_MS:-2000}

if ! command -v afl-fuzz >/dev/null; then
  echo "afl-fuzz is not installed: apt-get install -y afl++" >&2
  exit 1
fi
if [ ! -d "$FIXTURES" ]; then
  echo "no fixtures at $FIXTURES (the seed corpora are made from them; set SIGWATCH_FIXTURES)" >&2
  exit 1
fi

BUILD=$(mktemp -d "${TMPDIR:-/tmp}/sigwatch-fuzz.XXXXXX")
trap 'rm -rf "$BUILD"' EXIT
dotnet publish tests/SigWatch.Fuzz -c Release -o "$BUILD/bin" --nologo -v quiet >/dev/null
FUZZ_DLL="$BUILD/bin/SigWatch.Fuzz.dll"
mapfile -t TARGETS < <(dotnet "$FUZZ_DLL" 2>&1 | sed -n 's/.*targets: //p' | tr -d ' ' | tr ',' '\n')
if [ "$MODE" = "--list" ]; then
  printf '%s\n' "${TARGETS[@]}"
  exit 0
fi

# Seeds first, from the uninstrumented build; then only our Core is instrumented (SharpFuzz's own assemblies, the
# harness and the framework are not: coverage of them would only blur what AFL learns about our parsers).
dotnet "$FUZZ_DLL" seeds "$FIXTURES" "$BUILD/seeds" >"$BUILD/seeds.txt"
dotnet tool restore >/dev/null
dotnet tool run sharpfuzz "$BUILD/bin/SigWatch.Core.dll" >/dev/null

export AFL_SKIP_BIN_CHECK=1 # the target is dotnet; the instrumentation is in SigWatch.Core.dll
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_FORKSRV_INIT_TMOUT=60000 # the runtime's start-up, under load
export AFL_SHUFFLE_QUEUE=0 AFL_QUIET=1

stat_of() { sed -n "s/^$2 *: //p" "$1" | head -1; }
failed=0
run() { # TARGET LIMIT-ARGS...
  local target=$1; shift
  local out="$OUT/$target"
  rm -rf "$out"
  mkdir -p "$out"
  local started=$SECONDS
  if ! afl-fuzz -i "$BUILD/seeds/$target" -o "$out" -t "$TIMEOUT_MS" -m none "$@" -- dotnet "$FUZZ_DLL" "$target" --afl >"$out/afl.log" 2>&1; then
    echo "afl-fuzz failed for $target (log: $out/afl.log):" >&2
    tail -20 "$out/afl.log" >&2
    failed=1
    return
  fi
  local stats="$out/default/fuzzer_stats"
  local crashes hangs
  crashes=$(stat_of "$stats" saved_crashes)
  hangs=$(stat_of "$stats" saved_hangs)
  printf '| %s | %s s | %s | %s/s | %s | %s | %s | %s | %s |\n' "$target" "$((SECONDS - started))" "$(stat_of "$stats" execs_done)" \
    "$(stat_of "$stats" execs_per_sec)" "$(find "$BUILD/seeds/$target" -type f | wc -l)" "$(stat_of "$stats" corpus_count)" \
    "$(stat_of "$stats" edges_found) ($(stat_of "$stats" bitmap_cvg))" "$crashes" "$hangs"
  if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
    failed=1
    for f in "$out"/default/crashes/id* "$out"/default/hangs/id*; do
      [ -e "$f" ] && echo "  finding: $f (replay: dotnet run --project tests/SigWatch.Fuzz -c Release -- $target --replay '$f')" >&2
    done
  fi
}

echo "| target | time | executions | speed | seeds | corpus (paths) | edges (map) | crashes | hangs |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
case "$MODE" in
  --smoke)
    execs=${2:-3000}
    for t in "${TARGETS[@]}"; do run "$t" -E "$execs"; done
    ;;
  all)
    [ $# -eq 2 ] || usage
    for t in "${TARGETS[@]}"; do run "$t" -V "$(($2 * 60))"; done
    ;;
  *)
    [ $# -eq 2 ] || usage
    printf '%s\n' "${TARGETS[@]}" | grep -qx "$MODE" || { echo "no target $MODE; targets: ${TARGETS[*]}" >&2; exit 2; }
    run "$MODE" -V "$(($2 * 60))"
    ;;
esac
exit "$failed"
