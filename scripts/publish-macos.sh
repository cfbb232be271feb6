#!/usr/bin/env bash
# Publishes the daemon (sigwatchd) and the CLI (sigwatch) for macOS on Apple silicon and Intel, from any OS.
# Nothing here runs the binaries: on Linux this proves the macOS build (RID-specific assets, platform
# analyzers, apphost) is sound; on a Mac the output under artifacts/publish/<rid>/ can be run directly.
# Framework-dependent (the .NET 10 runtime must be installed on the Mac); pass --self-contained to bundle it.
# Usage: scripts/publish-macos.sh [--self-contained]
set -euo pipefail
cd "$(dirname "$0")/.."

self_contained=false
if [[ "${1:-}" == "--self-contained" ]]; then
  self_contained=true
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--self-contained]" >&2
  exit 2
fi

for rid in osx-arm64 osx-x64; do
  for project in SigWatch.Daemon SigWatch.Cli; do
    out="artifacts/publish/$rid/$project"
    echo "publish $project for $rid -> $out"
    dotnet publish "src/$project" -c Release -r "$rid" --self-contained "$self_contained" \
      --nologo -v quiet -o "$out"
  done
done

# A publish that "succeeds" without producing the Mach-O apphosts is not a success.
for rid in osx-arm64 osx-x64; do
  for exe in "artifacts/publish/$rid/SigWatch.Daemon/sigwatchd" "artifacts/publish/$rid/SigWatch.Cli/sigwatch"; do
    if [[ ! -f "$exe" ]]; then
      echo "missing $exe" >&2
      exit 1
    fi
    magic=$(od -An -tx1 -N4 "$exe" | tr -d ' ')
    case "$magic" in
      cffaedfe) ;;  # MH_MAGIC_64, little-endian: arm64 and x86_64 Mach-O
      *) echo "$exe is not a 64-bit Mach-O (magic $magic)" >&2; exit 1 ;;
    esac
  done
done
echo "macOS publish OK: artifacts/publish/{osx-arm64,osx-x64}/{SigWatch.Daemon,SigWatch.Cli}"
