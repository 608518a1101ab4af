#!/usr/bin/env bash
# Wall time of examples/clock.yaml: an hour of simulated sleep and a bash loop of date/sleep
# (issue 3: the sleep 3600 process must finish in under 2 s of wall time).
# Usage: bench/clock_example.sh [UMBRA_BINARY]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
umbra=$(realpath "${1:-$src/build/umbra}")
work=$(mktemp -d /tmp/umbra-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
for i in 1 2 3; do
    rm -rf shadow.data
    start=$(date +%s%N)
    "$umbra" "$src/examples/clock.yaml" > /dev/null 2>&1
    end=$(date +%s%N)
    echo "run $i: $(( (end - start) / 1000000 )) ms wall for 2 h simulated (sleep 3600 + date loop)"
done
