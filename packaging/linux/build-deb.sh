#!/usr/bin/env bash
# Builds the Debian package of SigWatch: sigwatchd and sigwatch compiled Native AOT (scripts/publish.sh --aot:
# `sigwatch status` starts in ~30 ms instead of ~280 ms; the idle daemon needs half the memory) under /usr/lib/sigwatch,
# /usr/sbin/sigwatchd and /usr/bin/sigwatch linked to them, the systemd system unit and the agent's user unit,
# /etc/sigwatch/sigwatch.json as a conffile, and the maintainer scripts in debian/.
#   packaging/linux/build-deb.sh [--arch amd64|arm64] [--compile aot|r2r] [--version V] [--out DIR] [--no-publish]
# Output: OUT/sigwatch_V_ARCH.deb (default OUT: artifacts/deb). Needs dpkg-deb; builds as any user (the files are
# recorded as root:root with --root-owner-group).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../product.env
. "$REPO/packaging/product.env"

usage() { sed -n '5,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

deb_arch=amd64 compile=aot version="" out="$REPO/artifacts/deb" publish=true
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch) deb_arch=${2:?--arch needs amd64 or arm64}; shift ;;
    --compile) compile=${2:?--compile needs aot or r2r}; shift ;;
    --version) version=${2:?--version needs a value}; shift ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --no-publish) publish=false ;;
    -h|--help) usage ;;
    *) echo "build-deb.sh: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
case "$deb_arch" in
  amd64) rid=linux-x64 ;;
  arm64) rid=linux-arm64 ;;
  *) echo "build-deb.sh: --arch must be amd64 or arm64, not '$deb_arch'" >&2; exit 2 ;;
esac
case "$compile" in
  aot)
    # Native AOT compiles for the machine it runs on only, and links with clang.
    case "$(uname -m)" in
      x86_64) host_arch=amd64 ;;
      aarch64) host_arch=arm64 ;;
      *) host_arch=$(uname -m) ;;
    esac
    if [[ "$host_arch" != "$deb_arch" ]]; then
      echo "build-deb.sh: a Native AOT SigWatch for $deb_arch must be built on $deb_arch (this is $host_arch); build there, or pass --compile r2r" >&2
      exit 2
    fi
    if [[ "$publish" == true ]] && ! compgen -c clang | grep -qE '^clang(-[0-9]+)?$'; then
      echo "build-deb.sh: Native AOT needs clang (sudo apt-get install clang), or pass --compile r2r" >&2
      exit 2
    fi
    ;;
  r2r) ;;
  *) echo "build-deb.sh: --compile must be aot or r2r, not '$compile'" >&2; exit 2 ;;
esac
if [[ -z "$version" ]]; then
  version=$(cd "$REPO" && dotnet msbuild src/SigWatch.Cli -getProperty:Version -nologo)
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [[ "$publish" == true ]]; then
  if [[ "$compile" == aot ]]; then
    "$REPO/scripts/publish.sh" --aot "$rid"
  else
    "$REPO/scripts/publish.sh" "$rid"
  fi
fi
for app in sigwatchd sigwatch; do
  if [[ ! -x "$REPO/artifacts/publish/$rid/$app/$app" ]]; then
    echo "build-deb.sh: no published $app for $rid (run scripts/publish.sh $rid, or drop --no-publish)" >&2
    exit 1
  fi
done

tree="$out/$DEB_PACKAGE-$deb_arch"
rm -rf "$tree"
install -d -m 0755 "$tree/DEBIAN" "$tree$DEB_PREFIX" "$tree/usr/bin" "$tree/usr/sbin" \
  "$tree/lib/systemd/system" "$tree/usr/lib/systemd/user" "$tree/etc/sigwatch" "$tree/usr/share/doc/$DEB_PACKAGE"
cp -R "$REPO/artifacts/publish/$rid/sigwatchd" "$REPO/artifacts/publish/$rid/sigwatch" "$tree$DEB_PREFIX/"
find "$tree$DEB_PREFIX" -name '*.pdb' -delete
# Policy 10.5: a link within one top-level directory is relative.
ln -s "../lib/sigwatch/sigwatchd/sigwatchd" "$tree/usr/sbin/sigwatchd"
ln -s "../lib/sigwatch/sigwatch/sigwatch" "$tree/usr/bin/sigwatch"
install -m 0644 "$HERE/sigwatchd.service" "$tree/lib/systemd/system/sigwatchd.service"
install -m 0644 "$HERE/sigwatch-agent.service" "$tree/usr/lib/systemd/user/sigwatch-agent.service"
install -m 0644 "$HERE/sigwatch.json" "$tree/etc/sigwatch/sigwatch.json"
install -m 0644 "$HERE/debian/copyright" "$tree/usr/share/doc/$DEB_PACKAGE/copyright"
install -m 0644 "$REPO/README.md" "$tree/usr/share/doc/$DEB_PACKAGE/README.md"
# The changelog's date is the commit's, so that two builds of one commit are the same.
revision=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null) || revision="a source tree"
commit_time=$(git -C "$REPO" log -1 --format=%ct 2>/dev/null) || commit_time=$(date +%s)
{
  printf '%s (%s) unstable; urgency=medium\n\n' "$DEB_PACKAGE" "$version"
  printf '  * Built from %s.\n\n' "$revision"
  printf ' -- SigWatch developers <sigwatch@example.org>  %s\n' "$(date -R -d "@$commit_time")"
} | gzip -9n >"$tree/usr/share/doc/$DEB_PACKAGE/changelog.gz"

# Modes: directories 0755, files 0644, executables (ELF, the apphosts and native libraries' owners decide) 0755.
find "$tree" -type d -exec chmod 0755 {} +
find "$tree" -type f -exec chmod 0644 {} +
while IFS= read -r -d '' file; do
  if [[ "$(od -An -tx1 -N4 "$file" | tr -d ' \n')" == 7f454c46 ]]; then
    case "$file" in
      *.so) ;; # shared libraries are not executables (policy 8.1)
      *) chmod 0755 "$file" ;;
    esac
  fi
done < <(find "$tree$DEB_PREFIX" -type f -print0)

# Debian strips shared objects (policy 10.1); the SQLite library in SQLitePCLRaw's package carries its symbols.
while IFS= read -r -d '' file; do
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$file"
done < <(find "$tree$DEB_PREFIX" -type f -name '*.so' -print0)
install -d -m 0755 "$tree/usr/share/lintian/overrides"
# Only the overrides for files this build ships (the AOT and ReadyToRun daemons differ): lintian warns about the rest.
while IFS= read -r line; do
  if [[ "$line" =~ \[([^]]+)\]$ ]] && [[ ! -e "$tree/${BASH_REMATCH[1]}" ]]; then continue; fi
  printf '%s\n' "$line"
done <"$HERE/debian/lintian-overrides" >"$tree/usr/share/lintian/overrides/$DEB_PACKAGE"
chmod 0644 "$tree/usr/share/lintian/overrides/$DEB_PACKAGE"

for script in postinst prerm postrm; do
  install -m 0755 "$HERE/debian/$script" "$tree/DEBIAN/$script"
done
echo "/etc/sigwatch/sigwatch.json" >"$tree/DEBIAN/conffiles"
chmod 0644 "$tree/DEBIAN/conffiles"
installed_kib=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
sed -e "s|@DEB_PACKAGE@|$DEB_PACKAGE|g" -e "s|@VERSION@|$version|g" -e "s|@DEB_ARCH@|$deb_arch|g" \
    -e "s|@INSTALLED_SIZE@|$installed_kib|g" "$HERE/debian/control" >"$tree/DEBIAN/control"
(cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$tree/DEBIAN/md5sums"
chmod 0644 "$tree/DEBIAN/control" "$tree/DEBIAN/md5sums"

deb="$out/${DEB_PACKAGE}_${version}_${deb_arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$tree" "$deb" >/dev/null
echo "built $deb"
