#!/usr/bin/env bash
# Bulk TCP speed (issue 5, done-when 7): test_tcp_bulk sends 1 GiB from one host to another over
# a 1 Gbit/s path (both hosts' up and down bandwidth 1 Gbit/s, 10 ms one way, so a 20 ms RTT, no
# loss: a LAN-to-nearby-datacenter path), and this prints:
#   - the simulated transfer time (the server's, from accept to the end of the stream) and the
#     goodput in simulated Mbit/s;
#   - the wall-clock seconds of the whole umbra run (start-up, handshake and exit included) and the
#     CPU seconds of umbra and its processes;
#   - the headline figure: simulated bits moved per wall-clock second (Gbit/s), and the ratio of
#     the simulated transfer time to the wall time (above 1: faster than real time).
# The run must finish with both processes exited 0 and the server's byte count and FNV-1a checksum
# equal to the client's, or the script fails. The programs' own work (the client makes the byte
# pattern, the server checksums it) is part of the wall time, as any real program's work would be.
#
# Usage: bench/tcp_bulk.sh [UMBRA_BINARY [TEST_TCP_BULK_BINARY]]
#   defaults: build/umbra and tests/syscall/test_tcp_bulk next to it. In the environment:
#   BYTES=<n> the transfer size (default 1073741824), P=<n> umbra's --parallelism (default 1),
#   KEEP=1 keeps the run directory.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
umbra=$(realpath "${1:-$src/build/umbra}")
bulk=$(realpath "${2:-$(dirname "$umbra")/tests/syscall/test_tcp_bulk}")
bytes=${BYTES:-1073741824}
par=${P:-1}
[ -x "$umbra" ] || { echo "no umbra binary at $umbra"; exit 2; }
[ -x "$bulk" ] || { echo "no test_tcp_bulk binary at $bulk"; exit 2; }
work=$(mktemp -d /tmp/umbra-tcp-bulk-bench.XXXXXX)
if [ -n "${KEEP:-}" ]; then
    echo "keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
cd "$work" || exit 2

# At 1 Gbit/s a GiB takes about 9 s of simulated time; stop_time leaves room for slow paths and
# costs nothing once both processes have exited.
cat > config.yaml <<YAML
general:
  stop_time: 3600 s
network:
  graph:
    type: gml
    inline: |
      graph [
        directed 0
        node [ id 0 host_bandwidth_down "1 Gbit" host_bandwidth_up "1 Gbit" ]
        node [ id 1 host_bandwidth_down "1 Gbit" host_bandwidth_up "1 Gbit" ]
        edge [ source 0 target 0 latency "1 ms" packet_loss 0.0 ]
        edge [ source 1 target 1 latency "1 ms" packet_loss 0.0 ]
        edge [ source 0 target 1 latency "10 ms" packet_loss 0.0 ]
      ]
hosts:
  server:
    network_node_id: 0
    processes:
      - path: "$bulk"
        args: [ "server", "8080" ]
        start_time: 1 s
        expected_final_state: {exited: 0}
  client:
    network_node_id: 1
    processes:
      - path: "$bulk"
        args: [ "client", "server", "8080", "$bytes" ]
        start_time: 2 s
        expected_final_state: {exited: 0}
YAML

echo "transfer: $bytes bytes, 1 Gbit/s, 10 ms one way (RTT 20 ms), no loss; umbra -p $par"
TIMEFORMAT='%R %U %S'
times=$( { time "$umbra" -p "$par" config.yaml > umbra.log 2> umbra.stderr; } 2>&1 ) ||
    { echo "umbra failed:"; cat umbra.stderr; tail -20 umbra.log; exit 1; }
read -r wall user sys <<< "$times"
c=$(ls shadow.data/hosts/client/test_tcp_bulk.*.stdout 2>/dev/null | head -1)
s=$(ls shadow.data/hosts/server/test_tcp_bulk.*.stdout 2>/dev/null | head -1)
[ -n "$c" ] && [ -n "$s" ] || { echo "missing stdout files"; exit 1; }
sent=$(sed -n 's/^sent //p' "$c")
received=$(sed -n 's/^received //p' "$s")
transfer_ns=$(sed -n 's/^transfer_ns //p' "$s")
[ -n "$sent" ] && [ "$sent" = "$received" ] && [ "${sent%% *}" = "$bytes" ] ||
    { echo "sent '$sent' but received '$received' (wanted $bytes bytes)"; exit 1; }
[ -n "$transfer_ns" ] && [ "$transfer_ns" -gt 0 ] || { echo "no transfer time in $s"; exit 1; }

awk -v b="$bytes" -v t="$transfer_ns" -v w="$wall" -v u="$user" -v s="$sys" -v sum="${sent#* }" '
BEGIN {
    printf "bytes and checksum:     %d %s (sent = received)\n", b, sum
    printf "simulated transfer:     %.3f s\n", t / 1e9
    printf "simulated goodput:      %.1f Mbit/s\n", b * 8 / t * 1e3
    printf "wall clock:             %.2f s (cpu: %.2f s user, %.2f s sys, umbra and its processes)\n", w, u, s
    printf "simulated per wall s:   %.3f Gbit/s  <- headline: simulated bits moved per wall-clock second\n", b * 8 / w / 1e9
    printf "sim time / wall time:   %.3f (the simulated transfer time over the wall time)\n", t / 1e9 / w
}'
