#!/usr/bin/env bash
# The one publish layout, used by the macOS package, the Debian package and anyone running SigWatch from a build:
# self-contained, ReadyToRun sigwatchd and sigwatch for each RID, each in its own directory (their runtimes differ: the
# daemon's carries ASP.NET Core, and two apps published into one folder overwrite each other's dependencies):
#   artifacts/publish/<rid>/sigwatchd/sigwatchd   artifacts/publish/<rid>/sigwatch/sigwatch
# Works from any OS for any RID (osx-arm64, osx-x64, linux-x64, linux-arm64): nothing here runs the binaries.
# Usage: scripts/publish.sh RID [RID...]
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -eq 0 ]]; then
  echo "usage: $0 RID [RID...]   (e.g. osx-arm64 osx-x64 linux-x64)" >&2
  exit 2
fi

for rid in "$@"; do
  for app in sigwatchd sigwatch; do
    case "$app" in
      sigwatchd) project=SigWatch.Daemon ;;
      sigwatch) project=SigWatch.Cli ;;
    esac
    out="artifacts/publish/$rid/$app"
    rm -rf "$out"
    echo "publish $project for $rid -> $out"
    dotnet publish "src/$project" -c Release -r "$rid" --self-contained true -p:PublishReadyToRun=true \
      --nologo -v quiet -o "$out"
    exe="$out/$app"
    if [[ ! -f "$exe" ]]; then
      echo "publish produced no $exe" >&2
      exit 1
    fi
    # A publish that "succeeds" without the right executable is not a success.
    magic=$(od -An -tx1 -N4 "$exe" | tr -d ' ')
    case "$rid:$magic" in
      osx-*:cffaedfe) ;;   # MH_MAGIC_64, little-endian: arm64 and x86_64 Mach-O
      linux-*:7f454c46) ;; # ELF
      *) echo "$exe is not an executable for $rid (magic $magic)" >&2; exit 1 ;;
    esac
  done
done
echo "published: $(printf 'artifacts/publish/%s ' "$@")"
