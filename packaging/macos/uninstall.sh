#!/bin/sh
# Removes SigWatch installed by its package: stops the daemon and every user's agent, removes every installed file
# and the package receipt. The database, logs and configuration stay unless --remove-data is given.
# Usage: sudo "@MACOS_PREFIX@/uninstall.sh" [--remove-data]
set -eu

DAEMON_LABEL="@DAEMON_LABEL@"
AGENT_LABEL="@AGENT_LABEL@"
PKG_ID="@PKG_ID@"
# SIGWATCH_UNINSTALL_ROOT: a staged tree to remove instead of the system's (how the tests run this on Linux).
ROOT="${SIGWATCH_UNINSTALL_ROOT:-}"
PREFIX="$ROOT@MACOS_PREFIX@"
STATE_DIR="$ROOT@MACOS_STATE_DIR@"
LOG_DIR="$ROOT@MACOS_LOG_DIR@"

remove_data=false
case "${1:-}" in
  --remove-data) remove_data=true ;;
  "") ;;
  *) echo "usage: sudo $0 [--remove-data]" >&2; exit 2 ;;
esac
if [ "$(id -u)" != 0 ]; then
  echo "uninstall.sh: run it as root: sudo $0 $*" >&2
  exit 1
fi

# As in the installer scripts (gui-users.sh), which are not installed.
gui_users() {
  ps -axo uid=,comm= | awk '$2 ~ /(^|\/)loginwindow$/ && $1 != 0 { print $1 }' | sort -un
}

if [ -z "$ROOT" ]; then
  for uid in $(gui_users); do
    launchctl bootout "gui/$uid/$AGENT_LABEL" 2>/dev/null || true
  done
  launchctl bootout "system/$DAEMON_LABEL" 2>/dev/null || true
fi

rm -f "$ROOT/Library/LaunchDaemons/$DAEMON_LABEL.plist" "$ROOT/Library/LaunchAgents/$AGENT_LABEL.plist"
if [ "$(readlink "$ROOT/usr/local/bin/sigwatch" 2>/dev/null || true)" = "@MACOS_PREFIX@/bin/sigwatch/sigwatch" ]; then
  rm -f "$ROOT/usr/local/bin/sigwatch"
fi
rm -rf "${PREFIX:?}/bin"
rm -f "$PREFIX/uninstall.sh"
rm -rf "$ROOT/var/run/sigwatch"

if [ "$remove_data" = true ]; then
  rm -rf "$STATE_DIR" "$LOG_DIR"
  rm -f "$ROOT/Library/Preferences/$DAEMON_LABEL.plist"
  rmdir "$PREFIX" 2>/dev/null || true
  echo "SigWatch removed, with its database, logs and settings."
else
  echo "SigWatch removed; its database ($STATE_DIR), logs ($LOG_DIR) and settings stay (--remove-data removes them)."
fi

if [ -z "$ROOT" ]; then
  pkgutil --forget "$PKG_ID" >/dev/null 2>&1 || true
fi
