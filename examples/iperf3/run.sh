#!/usr/bin/env bash
# Runs the iperf3 example (shadow.yaml) with umbra and prints both ends' reports.
# Usage: examples/iperf3/run.sh [UMBRA]   (default: build/umbra of this checkout)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
umbra=${1:-$here/../../build/umbra}
umbra=$(cd "$(dirname "$umbra")" && pwd)/$(basename "$umbra")
run=${RUN_DIR:-$here/../../build/iperf3-example}
rm -rf "$run" && mkdir -p "$run" && cd "$run"
"$umbra" "$here/shadow.yaml" > umbra.log 2> umbra.stderr
status=$?
echo "== umbra exited with $status (log: $run/umbra.log)"
for h in client server; do
    echo "== $h"
    cat shadow.data/hosts/$h/iperf3.*.stdout 2>/dev/null
done
exit $status
