#!/usr/bin/env bash
# Every performance figure SigWatch tracks, each beside a baseline measured in the same run, with the ratio
# (issue #20). Writes the Markdown to stdout and, with --write, between the "bench.sh" markers in docs/benchmarks.md.
# About 8 minutes on 2 cores from a fresh clone (494 s on 2026-12-04: 160 s building and publishing, the rest
# measuring; stderr says where the time went). Needs hyperfine and clang (the Native AOT CLI, which the Debian package ships).
#   1. Seal verification of generated bundles (1k, 20k and 100k files): in process (BundleVerifier; and the whole
#      assessment `check` runs) against the hashing limit (SHA-256 of the same bytes on every core, one read per file,
#      tests/SigWatch.Benchmarks seal-limits); and cold in a new process (`sigwatch check`, Native AOT, page cache
#      warm) against that limit and against `sha256sum` over the same files (xargs -P<cores>).
#   2. One Mach-O (libcoreclr.dylib) against SHA-256 of its bytes; re-verification after 0 and 1 changed files
#      against a full verification (BenchmarkDotNet short jobs).
#   3. The daemon: idle RSS and CPU with 500 known bundles against an empty root (scripts/bench-idle.sh), Native AOT
#      (the .deb's); event log latency against the gRPC stream (scripts/bench-eventlog.sh); GetStatus throughput
#      (scripts/bench-daemon.sh); CLI start-up, JIT / ReadyToRun / Native AOT (scripts/bench-cli.sh).
# Usage: scripts/bench.sh [--write] [--quick] [--fresh]   (--quick: the 100k bundle and the BenchmarkDotNet jobs left out;
#   --fresh: publish the Native AOT programs even when they are newer than the sources)
set -euo pipefail
cd "$(dirname "$0")/.."
WRITE=false
QUICK=false
FRESH=false
for a in "$@"; do
  case "$a" in
    --write) WRITE=true ;;
    --quick) QUICK=true ;;
    --fresh) FRESH=true ;;
    *) sed -n '2,17p' "$0" | sed 's/^# //' >&2; exit 2 ;;
  esac
done
command -v hyperfine >/dev/null || { echo "bench.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
CORES=$(nproc)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/bench.md"
started=$SECONDS

quiet() { "$@" >"$WORK/step.log" 2>&1 || { cat "$WORK/step.log" >&2; echo "bench.sh: failed: $*" >&2; exit 1; }; }
quiet dotnet build -c Release tests/SigWatch.Benchmarks -v q -nologo
BENCH="dotnet tests/SigWatch.Benchmarks/bin/Release/net10.0/SigWatch.Benchmarks.dll"
rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
# What the Debian package ships: sigwatch and sigwatchd compiled Native AOT.
# Native AOT compilation of both programs is ~5-7 of the run's minutes on 2 cores: the programs are kept in
# artifacts/bench/RID and compiled again only when a source, project or build file is newer (or with --fresh).
# (artifacts/publish/RID is not the keeper: bench-cli.sh publishes the ReadyToRun CLI there.)
kept="artifacts/bench/$rid"
stale() {
  local p
  for p in "$kept/sigwatch/sigwatch" "$kept/sigwatchd/sigwatchd" "$kept/r2r/sigwatch/sigwatch"; do
    [ -x "$p" ] || return 0
    [ -n "$(find src Directory.Build.props Directory.Packages.props global.json -newer "$p" -type f \
      \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.proto' -o -name '*.json' \) -print -quit)" ] && return 0
  done
  return 1
}
if [ "$FRESH" = true ] || stale; then
  quiet ./scripts/publish.sh --aot "$rid"
  rm -rf "$kept" && mkdir -p "$kept/r2r"
  cp -a "artifacts/publish/$rid/sigwatch" "artifacts/publish/$rid/sigwatchd" "$kept/"
  # The ReadyToRun CLI the packages ship, for bench-cli.sh's start-up rows.
  quiet ./scripts/publish.sh --only sigwatch "$rid"
  cp -a "artifacts/publish/$rid/sigwatch" "$kept/r2r/"
else
  echo "bench.sh: the Native AOT programs in $kept are newer than every source; not compiled again (--fresh to force)" >&2
fi
SIGWATCH="$kept/sigwatch/sigwatch"
SIGWATCHD="$kept/sigwatchd/sigwatchd"
export SIGWATCH_BENCH_AOT_CLI="$SIGWATCH" SIGWATCH_BENCH_R2R_CLI="$kept/r2r/sigwatch/sigwatch"
# Where the time goes, on stderr: the whole run is meant to take under 10 minutes.
exec 3>&2
section() { echo "bench.sh: $1 at $((SECONDS - started)) s" >&3; }
section "built and published"

{
  echo "Measured $(date -u +%Y-%m-%d) by \`scripts/bench.sh\` on $CORES cores, $(uname -sr), .NET SDK $(dotnet --version), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' with changes')."
  echo
  echo "### Seal verification (page cache warm)"
  echo
  echo "| bundle | hashing limit (in process) | \`sha256sum\`, xargs -P$CORES | BundleVerifier, in process | assessment (\`check\`'s work), in process | \`sigwatch check\`, new process (AOT) |"
  echo "|---|--:|--:|--:|--:|--:|"
} >"$OUT"

ms() { awk '{ printf "%.0f", $1 * 1000 }'; }
kept_bundle=
seal_row() { # LABEL FILES BYTES [keep]   (keep: the bundle stays, its path in kept_bundle)
  local label=$1 files=$2 bytes=$3 dir="$WORK/b$2"
  mkdir -p "$dir"
  local bundle
  bundle=$($BENCH seal-bundle "$dir" "$files" "$bytes")
  local limits
  limits=$($BENCH seal-limits "$bundle" 5)
  echo "$limits" >&2
  local limit verify assess
  limit=$(sed -n 's/^hash limit.*: \([0-9.]*\) ms.*/\1/p' <<<"$limits")
  verify=$(sed -n 's/^BundleVerifier.Verify, no cache: \([0-9.]*\) ms.*/\1/p' <<<"$limits")
  assess=$(sed -n 's/^BundleAssessor.Assess.*: \([0-9.]*\) ms.*/\1/p' <<<"$limits")
  hyperfine -N --warmup 1 --runs 5 --export-json "$WORK/check.json" "$SIGWATCH check $bundle" >/dev/null
  hyperfine --warmup 1 --runs 5 --export-json "$WORK/sha.json" \
    "find $bundle -type f -print0 | xargs -0 -P$CORES -n 200 sha256sum" >/dev/null
  local check sha
  check=$(grep -o '"median": *[0-9.e-]*' "$WORK/check.json" | head -1 | sed 's/.*: *//' | ms)
  sha=$(grep -o '"median": *[0-9.e-]*' "$WORK/sha.json" | head -1 | sed 's/.*: *//' | ms)
  r() { awk -v a="$1" -v b="$limit" 'BEGIN { printf "%.2f×", a / b }'; }
  printf '| %s | %.0f ms | %s ms (%s) | %.0f ms (**%s**) | %.0f ms (%s) | %s ms (**%s**; %s of sha256sum) |\n' "$label" "$limit" "$sha" "$(r "$sha")" \
    "$verify" "$(r "$verify")" "$assess" "$(r "$assess")" "$check" "$(r "$check")" \
    "$(awk -v a="$check" -v b="$sha" 'BEGIN { printf "%.2f×", a / b }')" >>"$OUT"
  if [ "${4:-}" = keep ]; then kept_bundle=$bundle; else rm -rf "$dir"; fi
}
section "seal rows"
seal_row "1,000 files, 64 MiB" 1000 67108864
# The 20k bundle is kept for the re-verification benchmarks (generating another 1 GiB would take half a minute).
seal_row "20,000 files, 1 GiB" 20000 1073741824 keep
if [ "$QUICK" = false ]; then
  seal_row "100,000 files, 400 MiB" 100000 419430400
fi
echo "Ratios are to the hashing limit of the same row (bold: the issue's goals, ≤ 1.5× for 20k / 1 GiB and ≤ 2× for 100k files)." >>"$OUT"

if [ "$QUICK" = false ]; then
  {
    echo
    echo "### One Mach-O, and re-verification (BenchmarkDotNet short job)"
    echo
  } >>"$OUT"
  section "BenchmarkDotNet"
  # In process: no benchmark project generated and built per run (a minute each); the ratios compare methods of one run.
  $BENCH --filter '*CodeSigningBenchmarks*' --job short --inProcess --artifacts "$WORK/bdn1" >"$WORK/bdn1.log" 2>&1
  sed -n '/^| *Method/,/^$/p' "$WORK/bdn1.log" >>"$OUT"
  # The 20k row's bundle: the benchmarks change one file of it, after that row has been measured.
  SIGWATCH_BENCH_BUNDLE="$kept_bundle" $BENCH --filter '*SealReverifyBenchmarks*' --job short --inProcess \
    --artifacts "$WORK/bdn2" >"$WORK/bdn2.log" 2>&1
  sed -n '/^| *Method/,/^$/p' "$WORK/bdn2.log" >>"$OUT"
fi
rm -rf "$WORK/b20000"

{
  echo
  echo "### The daemon at rest (\`scripts/bench-idle.sh 500 60 SIGWATCHD\`)"
  echo
  echo "Native AOT (\`publish.sh --aot\`, what the .deb ships):"
  echo
  section "daemon at rest"
  ./scripts/bench-idle.sh 500 60 "$SIGWATCHD" | grep -v '^machine'
  echo
  echo "(The JIT daemon, \`scripts/bench-idle.sh 500 60\`, is not part of this run: see \"Daemon memory and idle CPU\".)"
  echo
  echo "### Event log latency (\`scripts/bench-eventlog.sh 30\`)"
  echo
  section "event log latency"
  ./scripts/bench-eventlog.sh 30 | grep -v '^machine'
  echo
  echo "### GetStatus throughput (\`scripts/bench-daemon.sh 5\`)"
  echo
  section "GetStatus throughput"
  ./scripts/bench-daemon.sh 5 | grep '^|\|^1 admitted\|Refused'
  echo
  echo "### CLI start-up (\`scripts/bench-cli.sh 10\`)"
  echo
  section "CLI start-up"
  ./scripts/bench-cli.sh 10 | grep '^|'
  echo
  echo "(bench.sh took $((SECONDS - started)) s.)"
} >>"$OUT" 2>"$WORK/daemon.err" || { cat "$WORK/daemon.err" >&2; exit 1; }

cat "$OUT"
if [ "$WRITE" = true ]; then
  python3 - "$OUT" <<'PY'
import sys, re
body = open(sys.argv[1]).read()
path = "docs/benchmarks.md"
doc = open(path).read()
begin, end = "<!-- bench.sh: begin -->", "<!-- bench.sh: end -->"
if begin not in doc:
    doc = doc.rstrip("\n") + "\n\n## Latest full run (`scripts/bench.sh --write`)\n\n" + begin + "\n" + end + "\n"
doc = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: begin + "\n" + body + end, doc, flags=re.S)
open(path, "w").write(doc)
PY
fi
