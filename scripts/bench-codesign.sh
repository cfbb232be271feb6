#!/usr/bin/env bash
# Code-signature verification of libcoreclr.dylib vs a plain SHA-256 of the same bytes (issue #4 target: <= 1.2x).
# Extra arguments go to BenchmarkDotNet, e.g. `--job short` for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project tests/SigWatch.Benchmarks -- --filter '*CodeSigningBenchmarks*' "$@"
