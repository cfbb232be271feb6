#!/usr/bin/env bash
# Property-list read benchmarks (issue #2): our XML reader against a bare XmlReader pass over the same
# ~1 MB CodeResources, plus the binary reader on the same tree. Extra arguments go to BenchmarkDotNet.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project tests/SigWatch.Benchmarks -- --filter '*Plist*' "$@"
