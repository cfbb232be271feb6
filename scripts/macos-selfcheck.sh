#!/usr/bin/env bash
# For a Mac user: compares SigWatch's two verifiers with Apple's codesign over every app in /Applications.
# For each bundle it runs
#   sigwatch check --native --json APP     (Security framework through SigWatch)
#   sigwatch check --json APP              (managed; until bundle sealing lands, falls back to the main executable)
#   codesign --verify --deep --strict APP  (Apple's verdict)
#   codesign -dvvv APP                     (Apple's identifier, team and cdhash)
# and writes a Markdown table of agreements and disagreements, plus the raw outputs of every disagreement.
# Usage: scripts/macos-selfcheck.sh [OUTPUT_DIR] [APPLICATIONS_DIR]
#   SIGWATCH=/path/to/sigwatch overrides the CLI (default: `sigwatch` on PATH, else a fresh publish of this checkout).
# Read-only: nothing under the applications directory is modified.
set -euo pipefail

if [[ "$(uname -s)" != "Darwin" ]]; then
  echo "macos-selfcheck: needs macOS (codesign and the Security framework)" >&2
  exit 2
fi

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$PWD/sigwatch-selfcheck-$(date -u +%Y%m%dT%H%M%SZ)}"
apps_dir="${2:-/Applications}"
mkdir -p "$out/raw"

sigwatch="${SIGWATCH:-}"
if [[ -z "$sigwatch" ]]; then
  if command -v sigwatch >/dev/null 2>&1; then
    sigwatch="$(command -v sigwatch)"
  else
    case "$(uname -m)" in
      arm64) rid=osx-arm64 ;;
      *) rid=osx-x64 ;;
    esac
    echo "publishing the CLI for $rid into $out/cli ..." >&2
    dotnet publish "$repo/src/SigWatch.Cli" -c Release -r "$rid" --self-contained false --nologo -v quiet -o "$out/cli" >&2
    sigwatch="$out/cli/sigwatch"
  fi
fi

# Top-level "verdict" of either JSON document (top-level keys are indented by two spaces).
json_verdict() { sed -n 's/^  "verdict": "\([a-z]*\)",\{0,1\}$/\1/p' "$1" | head -n 1; }
# The native document's signature cdhash / identifier (four spaces: inside "signature").
json_field4() { sed -n "s/^    \"$2\": \"\\([^\"]*\\)\",\\{0,1\\}\$/\\1/p" "$1" | head -n 1; }

table="$out/selfcheck.md"
{
  echo "# SigWatch self-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on macOS $(sw_vers -productVersion) ($(uname -m))"
  echo
  echo "codesign = \`codesign --verify --deep --strict\`; native/managed = \`sigwatch check [--native] --json\`."
  echo "managed(exe) means the managed verifier checked only the main executable (no bundle sealing in this build)."
  echo
  echo "| app | codesign | native | managed | identifier | cdhash | result |"
  echo "|---|---|---|---|---|---|---|"
} >"$table"

agree=0
disagree=0
while IFS= read -r -d '' app; do
  name="$(basename "$app")"
  key="$(echo "$name" | tr -c 'A-Za-z0-9._-' '_')"
  raw="$out/raw/$key"
  mkdir -p "$raw"

  # Apple's verdict.
  if codesign --verify --deep --strict "$app" >"$raw/codesign-verify.txt" 2>&1; then
    apple=valid
  elif grep -q "not signed at all" "$raw/codesign-verify.txt"; then
    apple=unsigned
  else
    apple=invalid
  fi
  codesign -dvvv "$app" >"$raw/codesign-d.txt" 2>&1 || true
  apple_id="$(sed -n 's/^Identifier=//p' "$raw/codesign-d.txt" | head -n 1)"
  apple_cdhash="$(sed -n 's/^CDHash=//p' "$raw/codesign-d.txt" | head -n 1)"

  # Native.
  "$sigwatch" check --native --json "$app" >"$raw/native.json" 2>"$raw/native.err" || true
  native="$(json_verdict "$raw/native.json")"
  native_id="$(json_field4 "$raw/native.json" identifier)"
  native_cdhash="$(json_field4 "$raw/native.json" cdhash)"

  # Managed: the bundle if this build can, else its main executable.
  managed_label=""
  set +e
  "$sigwatch" check --json "$app" >"$raw/managed.json" 2>"$raw/managed.err"
  status=$?
  set -e
  if [[ $status -eq 5 ]]; then
    exe_name="$(/usr/libexec/PlistBuddy -c 'Print :CFBundleExecutable' "$app/Contents/Info.plist" 2>/dev/null || true)"
    if [[ -n "$exe_name" && -f "$app/Contents/MacOS/$exe_name" ]]; then
      "$sigwatch" check --json "$app/Contents/MacOS/$exe_name" >"$raw/managed.json" 2>"$raw/managed.err" || true
      managed_label="(exe)"
    fi
  fi
  managed="$(json_verdict "$raw/managed.json")"
  managed_has_cdhash=no
  if [[ -n "$apple_cdhash" ]] && grep -q "\"$apple_cdhash\"" "$raw/managed.json"; then
    managed_has_cdhash=yes
  fi

  problems=()
  [[ "$native" == "$apple" ]] || problems+=("native≠codesign")
  # The managed executable-only check cannot see resource problems: only a managed "invalid" where Apple says
  # "valid" (or any difference on a whole-bundle check) is a disagreement.
  if [[ -z "$managed_label" ]]; then
    [[ "$managed" == "$apple" ]] || problems+=("managed≠codesign")
  elif [[ "$apple" == valid && "$managed" != valid ]]; then
    problems+=("managed(exe)≠codesign")
  fi
  id_cell="="
  if [[ "$native_id" != "$apple_id" ]]; then id_cell="native:$native_id apple:$apple_id"; problems+=("identifier"); fi
  cdhash_cell="="
  if [[ -n "$apple_cdhash" && "$native_cdhash" != "$apple_cdhash" ]]; then cdhash_cell="native≠apple"; problems+=("cdhash"); fi
  if [[ -n "$apple_cdhash" && "$managed_has_cdhash" == no ]]; then cdhash_cell="$cdhash_cell managed-missing"; problems+=("managed-cdhash"); fi

  if [[ ${#problems[@]} -eq 0 ]]; then
    result=AGREE
    agree=$((agree + 1))
    rm -rf "$raw"
  else
    result="DISAGREE: ${problems[*]}"
    disagree=$((disagree + 1))
  fi
  echo "| $name | $apple | ${native:-?} | ${managed:-?}$managed_label | $id_cell | $cdhash_cell | $result |" >>"$table"
done < <(find "$apps_dir" -maxdepth 2 -name '*.app' -type d -print0 | sort -z)

{
  echo
  echo "Agreements: $agree. Disagreements: $disagree (raw outputs in raw/<app>/)."
} >>"$table"
cat "$table"
