#!/usr/bin/env bash
# Bundle seal verification (issue #5 targets):
#   cold full `sigwatch check` of a 20k-file / 1 GB bundle within 1.2x of sha256sum over the same files at the same
#   parallelism (xargs -P over all cores); re-verification with the cache: unchanged <= 2%, one file changed <= 3%.
# Both sides read from the page cache (the tree is read once before timing); "cold" means no hash cache.
# Usage: scripts/bench-seal.sh [FILES] [BYTES]   (defaults 20000 and 1073741824)
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
FIRST=$(find "$BUNDLE/Contents/Resources" -type f -name '*.bin' | sort | sed -n 1p)  # sed reads all input: head would SIGPIPE sort under pipefail
printf 'x' | dd of="$FIRST" bs=1 seek=0 conv=notrunc status=none
ONE=$(seconds_any "$SIGWATCH" check "$BUNDLE" --cache "$WORK/cache")  # exits 1: the file is now modified

ratio() { echo "scale=3; $1 / $2" | bc; }
echo "sha256sum (xargs -P$CORES):        ${SHA}s"
echo "sigwatch check, full, no cache:    ${FULL}s  (ratio to sha256sum $(ratio "$FULL" "$SHA"); target <= 1.2)"
echo "re-verify unchanged, with cache:   ${UNCHANGED}s  ($(echo "scale=1; 100 * $UNCHANGED / $FULL" | bc)% of full; target <= 2%)"
echo "re-verify one file changed, cache: ${ONE}s  ($(echo "scale=1; 100 * $ONE / $FULL" | bc)% of full; target <= 3%)"
