#!/usr/bin/env bash
# The one publish layout, used by the macOS package, the Debian package and anyone running SigWatch from a build:
# self-contained sigwatchd and sigwatch for each RID, each in its own directory (their runtimes differ: the daemon's
# carries ASP.NET Core, and two apps published into one folder overwrite each other's dependencies):
#   artifacts/publish/<rid>/sigwatchd/sigwatchd   artifacts/publish/<rid>/sigwatch/sigwatch
# By default both are ReadyToRun, which works from any OS for any RID (osx-arm64, osx-x64, linux-x64, linux-arm64):
# nothing here runs the binaries. Native AOT needs clang and the host's own OS (Linux for linux-*, a Mac for osx-*):
# --aot-cli: the CLI compiled ahead of time (starts in ~30 ms instead of ~280 ms);
# --aot:     the CLI and the daemon (idle RSS with 500 bundles ~56 MB instead of ~120 MB; docs/benchmarks.md).
# --only APP: only sigwatchd or only sigwatch (the other's directory is left as it was); bench.sh needs only the
#            ReadyToRun CLI, and the daemon's publish would be a minute of its run.
# Usage: scripts/publish.sh [--aot | --aot-cli] [--only sigwatchd|sigwatch] RID [RID...]
set -euo pipefail
cd "$(dirname "$0")/.."

# One build at a time per checkout, for the whole publish: two publishes restore the same projects (for other RIDs and
# options) into the same obj/project.assets.json and would each read the other's mid-build — the packaging tests build
# the macOS and the Debian package side by side. The script runs again under flock -o, which keeps the lock itself:
# the MSBuild server processes dotnet leaves running must not inherit it (they would hold it for good). Without
# flock(1) (macOS) nothing is locked.
if [[ -z "${SIGWATCH_BUILD_LOCK_HELD:-}" ]] && command -v flock >/dev/null; then
  mkdir -p artifacts
  SIGWATCH_BUILD_LOCK_HELD=1 exec flock -o artifacts/.build.lock "$PWD/scripts/publish.sh" "$@" # all the arguments, before any is parsed
fi

aot_cli=false
aot_daemon=false
apps=(sigwatchd sigwatch)
usage() {
  echo "usage: $0 [--aot | --aot-cli] [--only sigwatchd|sigwatch] RID [RID...]   (e.g. osx-arm64 osx-x64 linux-x64)" >&2
  exit 2
}
case "${1:-}" in
  --aot-cli) aot_cli=true; shift ;;
  --aot) aot_cli=true; aot_daemon=true; shift ;;
esac
if [[ "${1:-}" == --only ]]; then
  case "${2:-}" in
    sigwatchd | sigwatch) apps=("$2"); shift 2 ;;
    *) usage ;;
  esac
fi
[[ $# -gt 0 ]] || usage
# Native AOT links with clang; Debian ships it versioned (clang-14) without a plain `clang`.
aot_linker=()
if [[ "$aot_cli" == true ]] && ! command -v clang >/dev/null; then
  for candidate in clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
    if command -v "$candidate" >/dev/null; then aot_linker=("-p:CppCompilerAndLinker=$candidate"); break; fi
  done
fi

no_libraries=(-p:RestoreRecursive=false) # see the build of the libraries below

# The daemon under Native AOT: two third-party assemblies carry trim warnings, each on a path sigwatchd does not take.
# They are listed one by one (TrimmerSingleWarn=false) and these two alone are let through; any other warning fails
# the publish, as TreatWarningsAsErrors does for every other build.
#  - Grpc.AspNetCore.Server.Reflection, GetDescriptorPropertyFallback: finds a service's descriptor by reflection only
#    when the generated code's BindServiceMethod attribute is missing; ours has it (the .deb install test resolves
#    sigwatch.v1.SigWatch's file descriptor through reflection against the AOT daemon).
#  - Serilog, PropertyValueConverter.TryConvertStructure: destructuring an object's properties ({@Value}); no message
#    template in sigwatchd destructures (scalars only).
known_daemon_warnings='GrpcReflectionServiceExtensions\.GetDescriptorPropertyFallback|Serilog\.Capturing\.PropertyValueConverter\.TryConvertStructure'

project_of() { case "$1" in sigwatchd) echo SigWatch.Daemon ;; sigwatch) echo SigWatch.Cli ;; esac; }
publish_app() { # RID APP OUT: one app, its output in OUT, what dotnet says on stdout
  local project
  project=$(project_of "$2")
  # BuildProjectReferences=false: the libraries were built just before (below) and are only read here, so the
  # publishes of one RID can run side by side without either writing what the other reads.
  local common=(-c Release -r "$1" "${no_libraries[@]}" -p:BuildProjectReferences=false --nologo -v quiet -o "$3")
  if [[ "$2" == sigwatchd && "$aot_daemon" == true ]]; then
    dotnet publish "src/$project" -p:PublishAot=true "${aot_linker[@]}" -p:TreatWarningsAsErrors=false \
      -p:TrimmerSingleWarn=false "${common[@]}"
  elif [[ "$2" == sigwatch && "$aot_cli" == true ]]; then
    dotnet publish "src/$project" -p:PublishAot=true "${aot_linker[@]}" "${common[@]}"
  else
    dotnet publish "src/$project" --self-contained true -p:PublishReadyToRun=true "${common[@]}"
  fi
}

# The libraries, built as in every build (a no-op when current). Each publish below then restores its app alone
# (RestoreRecursive=false) and reads the libraries' output without building them: it compiles and writes only the
# app's RID-specific output, never the libraries' (Directory.Build.props, SigWatchAppOnlyProperties).
for app in "${apps[@]}"; do
  dotnet build "src/$(project_of "$app")" -c Release --nologo -v quiet >/dev/null
done
logs=$(mktemp -d)
pids=()
# A failed publish ends the script: the other app's publish must not go on writing behind it.
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap stop_all EXIT
for rid in "$@"; do
  # The apps of one RID side by side: Native AOT compilation has long single-threaded stretches (scanning, object
  # writing, linking), so two at once keep both cores busy (bench.sh publishes both before it measures).
  pids=()
  for app in "${apps[@]}"; do
    out="artifacts/publish/$rid/$app"
    rm -rf "$out"
    echo "publish $(project_of "$app") for $rid -> $out"
    publish_app "$rid" "$app" "$out" >"$logs/$app.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!apps[@]}"; do
    app=${apps[$i]}
    out="artifacts/publish/$rid/$app"
    if ! wait "${pids[$i]}"; then
      echo "publish of $app for $rid failed:" >&2
      cat "$logs/$app.log" >&2
      exit 1
    fi
    if [[ "$app" == sigwatchd && "$aot_daemon" == true ]] &&
      grep -E '(warning|error) [A-Z]+[0-9]+' "$logs/$app.log" | grep -vE "$known_daemon_warnings" | sort -u | grep . >&2; then
      echo "publish: sigwatchd under Native AOT has warnings beyond the two known ones (above)" >&2
      exit 1
    fi
    rm -f "$out"/*.dbg
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
