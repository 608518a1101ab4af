#!/usr/bin/env bash
# How fast bad input is refused: runs umbra on every config in tests/configs/bad and prints the
# wall time of each and the slowest. The goal (issue 2): every one exits 1 within a second.
# Usage: bench/bad_configs.sh [UMBRA_BINARY]
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
umbra=$(realpath "${1:-$src/build/umbra}")
work=$(mktemp -d /tmp/umbra-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
max=0; maxname=""; n=0
for cfg in "$src"/tests/configs/bad/*.yaml; do
    start=$(date +%s%N)
    "$umbra" "$cfg" >/dev/null 2>&1
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf '%-45s exit %d  %4d ms\n' "$(basename "$cfg")" "$rc" "$ms"
    n=$((n + 1))
    if [ "$ms" -gt "$max" ]; then max=$ms; maxname=$(basename "$cfg"); fi
done
echo "bad configs: $n; slowest: $max ms ($maxname)"
