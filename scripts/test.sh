#!/usr/bin/env bash
# The one command that runs SigWatch's whole test suite (README: "Run the tests").
# Tests that need ../shared/fixtures/real skip with a stated reason when it is absent;
# tests that need an external tool (plistutil) skip outside CI and fail inside CI when it is missing.
# Then every fuzz target runs under AFL++ for a fixed number of executions (scripts/fuzz.sh --smoke): any crash or hang
# fails the run. Without the fixtures it is skipped with the reason; without afl-fuzz too, except in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build SigWatch.sln -c Release --nologo -v quiet
dotnet test SigWatch.sln -c Release --no-build --nologo --logger "console;verbosity=minimal" "$@"
if [ ! -d ../shared/fixtures/real ]; then
  echo "skipped: the fuzzing smoke pass (its seed corpora are made from ../shared/fixtures/real, which is absent)"
elif command -v afl-fuzz >/dev/null; then
  ./scripts/fuzz.sh --smoke 3000
elif [ "${CI:-}" = true ]; then
  echo "the fuzzing smoke pass needs afl-fuzz: apt-get install -y afl++" >&2
  exit 1
else
  echo "skipped: the fuzzing smoke pass (needs afl-fuzz: apt-get install -y afl++)"
fi
