#!/usr/bin/env bash
# Builds SigWatch's macOS installer packages: one product archive per architecture, each with the self-contained
# ReadyToRun sigwatchd and sigwatch, the LaunchDaemon and LaunchAgent, the install scripts and the uninstaller.
#
#   packaging/macos/build-pkg.sh [--stage-only] [--arch arm64|x64|all] [--version V] [--out DIR] [--no-publish]
#                                [--sign-app "Developer ID Application: NAME (TEAM)"]
#                                [--sign-installer "Developer ID Installer: NAME (TEAM)"] [--notary-profile PROFILE]
#
# --stage-only (any OS; what CI runs on Linux): publish, build the payload tree and the scripts exactly as the
#   package would hold them under OUT/<arch>/{root,scripts} (plus the Distribution file), and check every staged
#   Mach-O with our own `sigwatch check`. Nothing from Apple's tools is needed or run.
# Otherwise (macOS only): also codesign every Mach-O inside-out with the hardened runtime, a timestamp and
#   entitlements.plist (with --sign-app), pkgbuild the component package (identifier PKG_ID from product.env,
#   version V), productbuild the product archive OUT/SigWatch-V-<arch>.pkg, productsign it (with --sign-installer),
#   and notarize and staple it (with --notary-profile: a profile stored by `xcrun notarytool store-credentials`).
#
# Why no universal package: lipo can merge the apphost and the dylibs, but a self-contained .NET app is mostly
# managed assemblies precompiled (ReadyToRun) for one architecture, System.Private.CoreLib included: there is no
# universal form of them to lipo. A universal payload would carry both sets side by side for twice the size; two
# per-architecture packages (hostArchitectures arm64 / x86_64) install only what runs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../product.env
. "$REPO/packaging/product.env"

usage() { sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

stage_only=false publish=true arch_choice=all version="" out="$REPO/artifacts/pkg"
sign_app="" sign_installer="" notary_profile=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stage-only) stage_only=true ;;
    --no-publish) publish=false ;;
    --arch) arch_choice=${2:?--arch needs arm64, x64 or all}; shift ;;
    --version) version=${2:?--version needs a value}; shift ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --sign-app) sign_app=${2:?--sign-app needs an identity}; shift ;;
    --sign-installer) sign_installer=${2:?--sign-installer needs an identity}; shift ;;
    --notary-profile) notary_profile=${2:?--notary-profile needs a keychain profile}; shift ;;
    -h|--help) usage ;;
    *) echo "build-pkg.sh: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done

case "$arch_choice" in
  arm64) archs=(arm64) ;;
  x64) archs=(x64) ;;
  all) archs=(arm64 x64) ;;
  *) echo "build-pkg.sh: --arch must be arm64, x64 or all, not '$arch_choice'" >&2; exit 2 ;;
esac
if [[ "$stage_only" == false && "$(uname -s)" != Darwin ]]; then
  echo "build-pkg.sh: pkgbuild and productbuild exist only on macOS; use --stage-only here" >&2
  exit 2
fi
if [[ -n "$notary_profile" && ( -z "$sign_app" || -z "$sign_installer" ) ]]; then
  echo "build-pkg.sh: notarization needs signed code and a signed package: give --sign-app and --sign-installer" >&2
  exit 2
fi
if [[ -z "$version" ]]; then
  version=$(cd "$REPO" && dotnet msbuild src/SigWatch.Cli -getProperty:Version -nologo)
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The CLI that checks the staged Mach-Os: the portable build, which runs on this machine whatever its OS (built below:
# by publish.sh, which builds it with the libraries before publishing, or here when nothing is published).
SIGWATCH=("dotnet" "$REPO/src/SigWatch.Cli/bin/Release/net10.0/sigwatch.dll")

substitute() { # TEMPLATE OUTPUT [HOST_ARCH COMPONENT_PKG]
  sed -e "s|@PRODUCT_NAME@|$PRODUCT_NAME|g" -e "s|@DAEMON_LABEL@|$DAEMON_LABEL|g" -e "s|@AGENT_LABEL@|$AGENT_LABEL|g" \
      -e "s|@PKG_ID@|$PKG_ID|g" -e "s|@MACOS_PREFIX@|$MACOS_PREFIX|g" -e "s|@MACOS_STATE_DIR@|$MACOS_STATE_DIR|g" \
      -e "s|@MACOS_LOG_DIR@|$MACOS_LOG_DIR|g" -e "s|@MACOS_MIN_VERSION@|$MACOS_MIN_VERSION|g" \
      -e "s|@VERSION@|$version|g" -e "s|@HOST_ARCH@|${3:-}|g" -e "s|@COMPONENT_PKG@|${4:-}|g" "$1" >"$2"
  if grep -n '@[A-Z_]*@' "$2" >&2; then
    echo "build-pkg.sh: $2 still has placeholders" >&2
    exit 1
  fi
}

is_macho() { # 64-bit thin (either byte order) or fat
  case "$(od -An -tx1 -N4 "$1" | tr -d ' \n')" in
    cffaedfe|feedfacf|cafebabe|bebafeca) return 0 ;;
    *) return 1 ;;
  esac
}

label_of() { # PLIST: the string after <key>Label</key>
  sed -n '/<key>Label<\/key>/{n;s/.*<string>\(.*\)<\/string>.*/\1/p;}' "$1"
}

for plist_label in "$REPO/launchd/org.sigwatch.daemon.plist:$DAEMON_LABEL" "$REPO/launchd/org.sigwatch.agent.plist:$AGENT_LABEL"; do
  if [[ "$(label_of "${plist_label%%:*}")" != "${plist_label##*:}" ]]; then
    echo "build-pkg.sh: ${plist_label%%:*} is not labelled ${plist_label##*:} (packaging/product.env)" >&2
    exit 1
  fi
done

# Every architecture in one publish.sh run: it holds the checkout's build lock throughout.
if [[ "$publish" == true ]]; then
  rids=()
  for arch in "${archs[@]}"; do rids+=("osx-$arch"); done
  "$REPO/scripts/publish.sh" "${rids[@]}"
else
  # Under scripts/publish.sh's lock: a build beside a publish of this checkout would share obj/project.assets.json.
  mkdir -p "$REPO/artifacts"
  if command -v flock >/dev/null; then
    flock -o "$REPO/artifacts/.build.lock" dotnet build "$REPO/src/SigWatch.Cli" -c Release -nologo -v q >/dev/null
  else
    dotnet build "$REPO/src/SigWatch.Cli" -c Release -nologo -v q >/dev/null
  fi
fi

for arch in "${archs[@]}"; do
  rid="osx-$arch"
  host_arch=$([[ "$arch" == x64 ]] && echo x86_64 || echo arm64)
  for app in sigwatchd sigwatch; do
    if [[ ! -x "$REPO/artifacts/publish/$rid/$app/$app" ]]; then
      echo "build-pkg.sh: no published $app for $rid (run scripts/publish.sh $rid, or drop --no-publish)" >&2
      exit 1
    fi
  done

  work="$out/$arch"
  root="$work/root"
  scripts="$work/scripts"
  rm -rf "$work"
  mkdir -p "$root$MACOS_PREFIX/bin" "$root/Library/LaunchDaemons" "$root/Library/LaunchAgents" "$scripts"
  cp -R "$REPO/artifacts/publish/$rid/sigwatchd" "$REPO/artifacts/publish/$rid/sigwatch" "$root$MACOS_PREFIX/bin/"
  # Debug symbols stay out of the payload.
  find "$root$MACOS_PREFIX/bin" -name '*.pdb' -delete
  cp "$REPO/launchd/org.sigwatch.daemon.plist" "$root/Library/LaunchDaemons/$DAEMON_LABEL.plist"
  cp "$REPO/launchd/org.sigwatch.agent.plist" "$root/Library/LaunchAgents/$AGENT_LABEL.plist"
  substitute "$HERE/uninstall.sh" "$root$MACOS_PREFIX/uninstall.sh"
  substitute "$HERE/scripts/preinstall" "$scripts/preinstall"
  substitute "$HERE/scripts/postinstall" "$scripts/postinstall"
  cp "$HERE/scripts/gui-users.sh" "$scripts/gui-users.sh"

  # Modes as installed: directories 0755, files 0644, executables (Mach-O and scripts) 0755; owner root:wheel
  # (uid 0, gid 0 on macOS). pkgbuild's default --ownership recommended records root:wheel whoever builds.
  find "$root" -type d -exec chmod 0755 {} +
  find "$root" -type f -exec chmod 0644 {} +
  chmod 0755 "$root$MACOS_PREFIX/uninstall.sh" "$scripts/preinstall" "$scripts/postinstall"
  chmod 0644 "$scripts/gui-users.sh"
  machos=()
  while IFS= read -r -d '' file; do
    if is_macho "$file"; then
      machos+=("$file")
      chmod 0755 "$file"
    fi
  done < <(find "$root" -type f -print0 | sort -z)
  if [[ "$(id -u)" == 0 ]]; then
    chown -R 0:0 "$root" "$scripts"
  fi

  # Every Mach-O must verify before anything is signed: the SDK signs the apphost ad hoc, Microsoft's dylibs are
  # Developer ID signed; code whose signature is already broken must not be shipped, signed or not. Unsigned code
  # is accepted on x86_64 only, which loads it (SQLitePCLRaw's x86_64 libe_sqlite3.dylib has no signature):
  # --sign-app signs it with the rest; arm64 refuses to run unsigned code at all.
  # The two programs carry the same runtime libraries: each distinct file is checked once.
  unsigned=()
  declare -A verdict_of=()
  for file in "${machos[@]}"; do
    digest=$(sha256sum "$file" | cut -d' ' -f1)
    if [[ -z "${verdict_of[$digest]:-}" ]]; then
      report=$("${SIGWATCH[@]}" check --json "$file" 2>&1) || true
      verdict_of[$digest]=$(printf '%s\n' "$report" | sed -n 's/^  "verdict": "\(.*\)",$/\1/p')
    fi
    verdict=${verdict_of[$digest]}
    case "$arch:$verdict" in
      *:valid) ;;
      x64:unsigned) unsigned+=("${file#"$root"}") ;;
      *)
        echo "build-pkg.sh: sigwatch check does not accept ${file#"$root"} (verdict '${verdict:-none}'):" >&2
        "${SIGWATCH[@]}" check "$file" >&2 || true
        exit 1
        ;;
    esac
  done
  echo "staged $rid: $((${#machos[@]} - ${#unsigned[@]})) of ${#machos[@]} Mach-O files valid by sigwatch check -> $root"
  for file in "${unsigned[@]}"; do
    echo "  unsigned (x86_64 loads it; --sign-app signs it): $file"
  done
  if [[ "$stage_only" == false && -z "$sign_app" && ${#unsigned[@]} -gt 0 ]]; then
    echo "build-pkg.sh: warning: without --sign-app the package ships ${#unsigned[@]} unsigned Mach-O file(s)" >&2
  fi

  component="$PKG_ID-$host_arch.pkg"
  substitute "$HERE/Distribution.xml" "$work/Distribution.xml" "$host_arch" "$component"
  [[ "$stage_only" == true ]] && continue

  if [[ -n "$sign_app" ]]; then
    # Inside-out: libraries first, the two executables (with the entitlements) last.
    for file in "${machos[@]}"; do
      case "$file" in
        */bin/sigwatchd/sigwatchd|*/bin/sigwatch/sigwatch) ;;
        *) codesign --force --timestamp --options runtime --sign "$sign_app" "$file" ;;
      esac
    done
    # Explicit identifiers: the SDK's ad-hoc signature names both apphosts "apphost", and the Full Disk Access
    # profile's code requirement names the daemon's.
    for app in sigwatchd sigwatch; do
      codesign --force --timestamp --options runtime --entitlements "$HERE/entitlements.plist" \
        --identifier "$LABEL_PREFIX.$app" --sign "$sign_app" "$root$MACOS_PREFIX/bin/$app/$app"
    done
    for file in "${machos[@]}"; do
      codesign --verify --strict --verbose=2 "$file"
    done
    # For the Full Disk Access profile (profiles/sigwatchd-full-disk-access.mobileconfig, CodeRequirement).
    codesign --display --requirements - "$root$MACOS_PREFIX/bin/sigwatchd/sigwatchd" 2>&1 \
      | sed -n 's/^designated => //p' >"$work/designated-requirement.txt"
  fi

  pkgbuild --root "$root" --scripts "$scripts" --identifier "$PKG_ID" --version "$version" \
    --install-location / --ownership recommended "$work/$component"
  product="$out/$PRODUCT_NAME-$version-$host_arch.pkg"
  productbuild --distribution "$work/Distribution.xml" --package-path "$work" "$work/unsigned.pkg"
  if [[ -n "$sign_installer" ]]; then
    productsign --timestamp --sign "$sign_installer" "$work/unsigned.pkg" "$product"
    pkgutil --check-signature "$product"
  else
    mv "$work/unsigned.pkg" "$product"
  fi
  if [[ -n "$notary_profile" ]]; then
    xcrun notarytool submit "$product" --keychain-profile "$notary_profile" --wait
    xcrun stapler staple "$product"
    xcrun stapler validate "$product"
  fi
  echo "built $product"
done
