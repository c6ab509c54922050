# Shared by testbin/build.sh (the control plane) and testbin/engine/build.sh (the Pulumi engine): logging, the
# cache key of a folder's pins, and the per-key lock. Sourced, never run.

# log MESSAGE...: progress on stderr, prefixed with $TESTBIN_LOG (the script's name)
log() { printf '[%s] %s\n' "${TESTBIN_LOG:-testbin}" "$*" >&2; }

# need_go MIN_VERSION: exit 2 when there is no Go toolchain
need_go() { command -v go >/dev/null || { log "go is not installed (need Go >= $1)"; exit 2; }; }

# key_digest DIR BUILD_REV: a hash of DIR's pins (versions.env), its wrapper modules and the build flags' revision
key_digest() {
  { echo "rev=$2"; cat "$1/versions.env" "$1"/*/go.mod "$1"/*/go.sum; } | sha256sum | cut -c1-10
}

# lock_key CACHE KEY: one build per key at a time; a second run (another terminal, CI beside a developer) waits
# here for the first and then finds its binaries present. The lock is released when the script exits.
lock_key() {
  exec 9>"$1/.lock-$2"
  if ! flock -n 9; then
    log "another build of $2 is running; waiting for it"
    flock 9
  fi
}
