#!/usr/bin/env bash
# Bundle seal verification (issue #5 targets):
#   cold full `sigwatch check` of a 20k-file / 1 GB bundle within 1.2x of sha256sum over the same files at the same
#   parallelism (xargs -P over all cores); re-verification: unchanged <= 2%, one file changed <= 3%.
# Re-verification is the daemon's: in process, with the paths its watcher reported (BenchmarkDotNet,
# SealReverifyBenchmarks); the CLI's `check --cache` is timed too, and includes process start.
# Both sides read from the page cache (the tree is read once before timing); "cold" means no hash cache.
# Usage: scripts/bench-seal.sh [FILES] [BYTES]   (defaults 20000 and 1073741824)
# BENCH_JOB (default "short") is BenchmarkDotNet's --job for the in-process part; "default" for the full job.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-20000}
BYTES=${2:-1073741824}
CORES=$(nproc)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-seal.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

dotnet build -c Release src/SigWatch.Cli -v q -nologo >/dev/null
dotnet build -c Release tests/SigWatch.Benchmarks -v q -nologo >/dev/null
SIGWATCH=src/SigWatch.Cli/bin/Release/net10.0/sigwatch
BUNDLE=$(dotnet tests/SigWatch.Benchmarks/bin/Release/net10.0/SigWatch.Benchmarks.dll seal-bundle "$WORK" "$FILES" "$BYTES")
echo "bundle: $BUNDLE ($FILES files, $BYTES bytes, $CORES cores)"

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
seconds_any() { local start end; start=$(date +%s.%N); "$@" >/dev/null || true; end=$(date +%s.%N); echo "$end - $start" | bc; }
hash_all() { find "$BUNDLE/Contents" -type f -print0 | xargs -0 -P"$CORES" -n 200 sha256sum; }
check() { "$SIGWATCH" check "$BUNDLE" "$@" || { echo "check failed" >&2; exit 1; }; }

hash_all >/dev/null  # warm the page cache for both sides
SHA=$(seconds hash_all)
FULL=$(seconds check)
seconds check --cache "$WORK/cache" >/dev/null   # populate the cache
UNCHANGED=$(seconds check --cache "$WORK/cache")
# In process, as the daemon runs it (before the one-file CLI run below modifies the bundle).
SIGWATCH_BENCH_BUNDLE="$BUNDLE" dotnet tests/SigWatch.Benchmarks/bin/Release/net10.0/SigWatch.Benchmarks.dll \
  --filter '*SealReverifyBenchmarks*' --job "${BENCH_JOB:-short}" --artifacts "$WORK/bdn" | tee "$WORK/bdn.log" >/dev/null
sed -n '/^| Method/,/^$/p' "$WORK/bdn.log"

# What the daemon keeps in memory for this bundle between assessments (InspectionMemory's budget is per file).
echo "kept for incremental re-assessment: $(dotnet tests/SigWatch.Benchmarks/bin/Release/net10.0/SigWatch.Benchmarks.dll retained "$BUNDLE")"

FIRST=$(find "$BUNDLE/Contents/Resources" -type f -name '*.bin' | sort | sed -n 1p)  # sed reads all input: head would SIGPIPE sort under pipefail
printf 'x' | dd of="$FIRST" bs=1 seek=0 conv=notrunc status=none
ONE=$(seconds_any "$SIGWATCH" check "$BUNDLE" --cache "$WORK/cache")  # exits 1: the file is now modified

ratio() { echo "scale=3; $1 / $2" | bc; }
echo "sha256sum (xargs -P$CORES):        ${SHA}s"
echo "sigwatch check, full, no cache:    ${FULL}s  (ratio to sha256sum $(ratio "$FULL" "$SHA"); target <= 1.2)"
echo "check --cache, unchanged:          ${UNCHANGED}s  ($(echo "scale=1; 100 * $UNCHANGED / $FULL" | bc)% of check full)"
echo "check --cache, one file changed:    ${ONE}s  ($(echo "scale=1; 100 * $ONE / $FULL" | bc)% of check full)"
echo "Re-verification targets (unchanged <= 2%, one file changed <= 3% of the full time) are the daemon's: the Ratio"
echo "column of the in-process table above. A new 'check' process knows nothing about what changed, walks everything"
echo "and pays process start and JIT; its cached figures are for information."
