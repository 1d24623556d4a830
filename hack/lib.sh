# shellcheck shell=bash
# Shared by the build scripts of hack/ (source it; it is not a command).
#
# The scripts build the real components that the tests and the demo run into
# a cache folder outside the checkout, keyed by version, and build only what
# is missing there. Environment:
#   IMAGEPIN_CACHE   the cache folder (default ${XDG_CACHE_HOME:-~/.cache}/imagepin)

# shellcheck disable=SC2034 # used by the scripts that source this file
cache=${IMAGEPIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/imagepin}

# lock DIR: create DIR and hold its lock until the script exits, so that
# test packages running in parallel on a cold cache do not each spend
# minutes building the same binaries.
lock() {
  mkdir -p "$1"
  if command -v flock >/dev/null; then
    exec 9>"$1/.lock"
    flock 9
  fi
}

# building WHAT MINUTES: the one progress line of a build, with what it
# costs on a cold 2-core machine (empty Go module and build caches); the
# time starts for built.
building() {
  build_start=$SECONDS
  echo "building $1 (about $2 min on a cold 2-core machine) ..." >&2
}

# built WHAT: the line that ends a build, with how long it took.
built() {
  echo "built $1 in $((SECONDS - build_start))s" >&2
}

# quietly LOG CMD...: runs CMD with its output in LOG, so that go's
# "downloading" lines do not bury the progress lines; when CMD fails, the
# end of LOG is shown.
quietly() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "failed: $* (the end of $log follows)" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
}

# spawn CMD...: runs CMD in the background and records it for await, or
# in the foreground when IMAGEPIN_PARALLEL_BUILDS=off. Independent Go
# modules build side by side: while one downloads modules or links (one core),
# another compiles.
spawned=()
spawn() {
  if [ "${IMAGEPIN_PARALLEL_BUILDS:-on}" = off ]; then
    "$@"
    return
  fi
  "$@" &
  spawned+=($!)
}

# await: waits for what spawn started; fails when any of it failed. A script
# that ends early (set -e) still waits for it, so that no build outlives it.
await() {
  local pid failed=0
  for pid in "${spawned[@]}"; do
    wait "$pid" || failed=1
  done
  spawned=()
  return $failed
}
wait_on_exit() {
  local rc=$?
  wait
  exit "$rc"
}
trap wait_on_exit EXIT
