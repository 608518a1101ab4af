#!/usr/bin/env bash
# Determinism of the two-host UDP ping: the same config and seed, run once with one worker and
# once with two, give byte-identical stdout/stderr for every process and the same log (minus the
# wall-clock time and thread columns, the worker count and the heartbeat's resource usage).
# Usage: determinism_udp_ping.sh UMBRA TEST_BINARY CONFIG_TEMPLATE
set -uo pipefail
umbra=$(realpath "$1") binary=$(realpath "$2") template=$(realpath "$3")
work=$(mktemp -d /tmp/umbra-udp-determinism.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
content=$(< "$template")
content=${content//@BINARY_DIR@/$(dirname "$binary")}
content=${content//@BINARY@/$binary}
printf '%s\n' "$content" > config.yaml
for p in 1 2; do
    if ! timeout -k 5 60 "$umbra" -p "$p" -d "run$p" config.yaml > "log$p" 2> "err$p"; then
        echo "run with parallelism $p failed:"; cat "err$p"; tail -20 "log$p"; exit 1
    fi
    # Drop the wall-clock time and the [pid:thread] columns.
    cut -d' ' -f3- "log$p" | grep -vE 'worker threads|status_logHeartbeat' > "log$p.cut"
done
status=0
n=0
for f in run1/hosts/*/*.stdout run1/hosts/*/*.stderr; do
    g=run2/${f#run1/}
    n=$((n + 1))
    cmp -s "$f" "$g" || { echo "differs between runs: ${f#run1/}"; diff "$f" "$g" | head; status=1; }
done
[ "$n" -ge 4 ] || { echo "expected the stdout and stderr of two processes, found $n files"; status=1; }
grep -q '^rtt 4 70000000$' run1/hosts/client/test_udp_ping.*.stdout ||
    { echo "the client did not finish its pings"; status=1; }
cmp -s log1.cut log2.cut || { echo "logs differ:"; diff log1.cut log2.cut | head -20; status=1; }
[ $status -eq 0 ] && echo "identical: $n output files and the log"
exit $status
