#!/usr/bin/env bash
# Determinism of the shaped UDP bulk transfers (udp_bulk.yaml.in: the upload bucket;
# udp_bulk_codel.yaml.in: CoDel and the download bucket): each config run once with one worker
# and once with two gives byte-identical stdout/stderr for every process and the same log
# (minus the wall-clock time and thread columns, the worker count and the heartbeat's resource
# usage).
# Usage: determinism_udp_bulk.sh UMBRA TEST_BINARY
set -uo pipefail
umbra=$(realpath "$1") binary=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d /tmp/umbra-udp-bulk-determinism.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
status=0
for cfg in udp_bulk udp_bulk_codel; do
    content=$(< "$here/$cfg.yaml.in")
    content=${content//@BINARY_DIR@/$(dirname "$binary")}
    content=${content//@BINARY@/$binary}
    printf '%s\n' "$content" > "$cfg.yaml"
    for p in 1 2; do
        if ! timeout -k 5 60 "$umbra" -p "$p" -d "$cfg.run$p" "$cfg.yaml" > "$cfg.log$p" 2> "$cfg.err$p"; then
            echo "$cfg: run with parallelism $p failed:"; cat "$cfg.err$p"; tail -20 "$cfg.log$p"; exit 1
        fi
        cut -d' ' -f3- "$cfg.log$p" | grep -vE 'worker threads|status_logHeartbeat' > "$cfg.log$p.cut"
    done
    n=0
    for f in "$cfg".run1/hosts/*/*.stdout "$cfg".run1/hosts/*/*.stderr; do
        g=$cfg.run2/${f#"$cfg".run1/}
        n=$((n + 1))
        cmp -s "$f" "$g" || { echo "$cfg: differs between runs: ${f#*/}"; diff "$f" "$g" | head; status=1; }
    done
    [ "$n" -ge 4 ] || { echo "$cfg: expected the stdout and stderr of two processes, found $n files"; status=1; }
    grep -q '^rate_bps ' "$cfg".run1/hosts/receiver/test_udp_bulk.*.stdout ||
        { echo "$cfg: the receiver printed no rate"; status=1; }
    cmp -s "$cfg.log1.cut" "$cfg.log2.cut" || { echo "$cfg: logs differ:"; diff "$cfg.log1.cut" "$cfg.log2.cut" | head -20; status=1; }
    [ $status -eq 0 ] && echo "$cfg: identical: $n output files and the log"
done
exit $status
