# Shared helpers for the CLI tests. Usage: source lib.sh "$@" (args: UMBRA_BINARY SOURCE_DIR).
set -uo pipefail
UMBRA=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d /tmp/umbra-cli-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
failures=0
passes=0

pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@"; then pass; else fail "$what"; fi
}
finish() {
    echo "$passes passed, $failures failed"
    [ "$failures" -eq 0 ]
    exit $?
}
