# shellcheck shell=sh
# Sourced by preinstall and postinstall (POSIX sh). Prints the uid of every user with a GUI login
# session, one per line: each such session has its own loginwindow process running as that user (at the login window
# it runs as root, which is skipped). UNSURE: verified from ps(1) and launchd(8) documentation, not on a Mac with fast
# user switching; a session this misses gets the agent at its next login, when launchd loads /Library/LaunchAgents.
gui_users() {
  ps -axo uid=,comm= | awk '$2 ~ /(^|\/)loginwindow$/ && $1 != 0 { print $1 }' | sort -un
}
