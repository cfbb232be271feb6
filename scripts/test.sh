#!/usr/bin/env bash
# The one command that runs SigWatch's whole test suite (README: "Run the tests").
# Tests that need ../shared/fixtures/real skip with a stated reason when it is absent;
# tests that need an external tool (plistutil) skip outside CI and fail inside CI when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build SigWatch.sln -c Release --nologo -v quiet
dotnet test SigWatch.sln -c Release --no-build --nologo --logger "console;verbosity=minimal" "$@"
