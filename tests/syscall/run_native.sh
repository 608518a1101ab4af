#!/usr/bin/env bash
# The -native variant of a syscall test: runs the program directly (without UMBRA_SIMULATED) and
# passes if it exits 0 and its last stdout line is EXIT-SUCCESS.
# Usage: run_native.sh BINARY [ARGS...]
set -uo pipefail
out=$(mktemp /tmp/umbra-native-test.XXXXXX)
trap 'rm -f "$out"' EXIT
env -u UMBRA_SIMULATED "$@" > "$out"
rc=$?
cat "$out"
if [ $rc -ne 0 ]; then
    echo "FAIL: $1 exited with status $rc"
    exit 1
fi
if [ "$(tail -n 1 "$out")" != "EXIT-SUCCESS" ]; then
    echo "FAIL: $1 exited 0 but its last line is not EXIT-SUCCESS"
    exit 1
fi
exit 0
