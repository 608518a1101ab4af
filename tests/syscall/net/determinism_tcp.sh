#!/usr/bin/env bash
# Determinism of TCP between 50 hosts (issue 5, done-when 6): 10 servers and 40 clients of
# test_tcp_rpc spread over an 8-node GML graph whose nodes have different bandwidths (10 Mbit/s to
# 1 Gbit/s, some asymmetric) and whose edges have different latencies (1 to 40 ms) and packet loss
# (up to 2%; paths are shortest-latency routes, so losses add up along them). Each client finds its
# server by name (getaddrinfo through umbra's hosts file) and makes three requests, with requests
# and responses from a hundred bytes to 1.5 MB, so some transfers recover from losses.
#
# The config is run once with one worker and once with two. Passes if both runs exit 0 (every
# process reached its expected final state: exited 0); every file under hosts/ (each process's
# stdout and stderr) is byte-identical between the runs, and so are sim-stats.json (object and
# syscall counts) and the logs (minus the wall-clock time and thread columns, the worker count and
# the heartbeat's resource usage); every client printed its three results and EXIT-SUCCESS; every
# server served its four clients; and at least one connection retransmitted (so loss recovery was
# part of what was compared). Both runs take about 15 to 30 s of wall time on 2 cores.
# Usage: determinism_tcp.sh UMBRA TEST_TCP_RPC_BINARY
# Set UMBRA_KEEP_TEST_DIR=1 to keep the directory with the config and both runs.
set -uo pipefail
umbra=$(realpath "$1") binary=$(realpath "$2")
work=$(mktemp -d /tmp/umbra-tcp-determinism.XXXXXX)
if [ -n "${UMBRA_KEEP_TEST_DIR:-}" ]; then
    echo "keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
cd "$work" || exit 2

nservers=10 nclients=40 nnodes=8

# --- the config: graph, then servers (server<s> on node s % 8), then clients
# (client<i> on node (3i + 1) % 8, talking to server<i % 10> at 2 s + (i % 8) x 100 ms).
{
    cat <<'YAML'
general:
  stop_time: 600 s
network:
  graph:
    type: gml
    inline: |
      graph [
        directed 0
        node [ id 0 host_bandwidth_down "100 Mbit" host_bandwidth_up "100 Mbit" ]
        node [ id 1 host_bandwidth_down "50 Mbit" host_bandwidth_up "20 Mbit" ]
        node [ id 2 host_bandwidth_down "20 Mbit" host_bandwidth_up "20 Mbit" ]
        node [ id 3 host_bandwidth_down "1 Gbit" host_bandwidth_up "1 Gbit" ]
        node [ id 4 host_bandwidth_down "10 Mbit" host_bandwidth_up "10 Mbit" ]
        node [ id 5 host_bandwidth_down "100 Mbit" host_bandwidth_up "50 Mbit" ]
        node [ id 6 host_bandwidth_down "20 Mbit" host_bandwidth_up "10 Mbit" ]
        node [ id 7 host_bandwidth_down "200 Mbit" host_bandwidth_up "200 Mbit" ]
        edge [ source 0 target 0 latency "1 ms" packet_loss 0.0 ]
        edge [ source 1 target 1 latency "2 ms" packet_loss 0.0 ]
        edge [ source 2 target 2 latency "1 ms" packet_loss 0.0 ]
        edge [ source 3 target 3 latency "3 ms" packet_loss 0.0 ]
        edge [ source 4 target 4 latency "1 ms" packet_loss 0.0 ]
        edge [ source 5 target 5 latency "2 ms" packet_loss 0.0 ]
        edge [ source 6 target 6 latency "1 ms" packet_loss 0.002 ]
        edge [ source 7 target 7 latency "2 ms" packet_loss 0.0 ]
        edge [ source 0 target 1 latency "5 ms" packet_loss 0.0 ]
        edge [ source 1 target 2 latency "10 ms" packet_loss 0.005 ]
        edge [ source 2 target 3 latency "15 ms" packet_loss 0.0 ]
        edge [ source 3 target 4 latency "8 ms" packet_loss 0.01 ]
        edge [ source 4 target 5 latency "20 ms" packet_loss 0.0 ]
        edge [ source 5 target 6 latency "12 ms" packet_loss 0.02 ]
        edge [ source 6 target 7 latency "25 ms" packet_loss 0.0 ]
        edge [ source 7 target 0 latency "30 ms" packet_loss 0.005 ]
        edge [ source 0 target 4 latency "40 ms" packet_loss 0.01 ]
        edge [ source 2 target 6 latency "18 ms" packet_loss 0.0 ]
        edge [ source 1 target 5 latency "35 ms" packet_loss 0.001 ]
      ]
hosts:
YAML
    for ((s = 0; s < nservers; s++)); do
        cat <<YAML
  server$s:
    network_node_id: $((s % nnodes))
    processes:
      - path: "$binary"
        args: [ "server", "8080", "$((nclients / nservers))" ]
        start_time: 1 s
        expected_final_state: {exited: 0}
YAML
    done
    for ((i = 0; i < nclients; i++)); do
        # Three requests: small both ways; 4 kB for 200-360 kB; then for one client in four
        # 2 kB for 1.5 MB, for some others a 1 MB upload, for the rest 20-60 kB for 50 kB.
        if ((i % 4 == 0)); then
            third=2000:1500000
        elif ((i % 7 == 3)); then
            third=1000000:20000
        else
            third=$((20000 + 1000 * i)):50000
        fi
        cat <<YAML
  client$(printf %02d $i):
    network_node_id: $(((3 * i + 1) % nnodes))
    processes:
      - path: "$binary"
        args: [ "client", "server$((i % nservers))", "8080", "$i",
                "$((100 + 37 * i)):$((500 + 97 * i))", "4000:$((200000 + 40000 * (i % 5)))",
                "$third" ]
        start_time: $((2000 + (i % 8) * 100)) ms
        expected_final_state: {exited: 0}
YAML
    done
} > config.yaml

# --- the two runs
for p in 1 2; do
    start=$(date +%s%N)
    if ! timeout -k 5 120 "$umbra" -p "$p" -d "run$p" config.yaml > "log$p" 2> "err$p"; then
        echo "run with parallelism $p failed:"; cat "err$p"; grep -E 'WARN|ERROR' "log$p" | head -20
        tail -5 "log$p"; exit 1
    fi
    echo "parallelism $p: $(( ($(date +%s%N) - start) / 1000000 )) ms wall"
    cut -d' ' -f3- "log$p" | grep -vE 'worker threads|status_logHeartbeat' > "log$p.cut"
done

# --- the comparison
status=0
if ! diff -r run1/hosts run2/hosts > hosts.diff; then
    echo "outputs differ between parallelism 1 and 2:"; head -40 hosts.diff; status=1
fi
cmp -s log1.cut log2.cut || { echo "logs differ:"; diff log1.cut log2.cut | head -20; status=1; }
cmp -s run1/sim-stats.json run2/sim-stats.json ||
    { echo "sim-stats.json differs:"; diff run1/sim-stats.json run2/sim-stats.json | head; status=1; }

# --- the outputs are complete (checked on run 1; run 2 is identical or already failed)
nfiles=$(find run1/hosts -type f | wc -l)
nout=$(ls run1/hosts/*/test_tcp_rpc.*.stdout 2>/dev/null | wc -l)
[ "$nout" -eq $((nservers + nclients)) ] ||
    { echo "expected $((nservers + nclients)) stdout files, found $nout"; status=1; }
retrans=0
for f in run1/hosts/*/test_tcp_rpc.*.stdout; do
    host=$(basename "$(dirname "$f")")
    [ "$(tail -1 "$f")" = EXIT-SUCCESS ] || { echo "$host: no EXIT-SUCCESS:"; tail -5 "$f"; status=1; }
    case $host in
    client*)
        [ "$(grep -c '^req [0-9] seed .* sum [0-9a-f]\{16\} ' "$f")" -eq 3 ] &&
            grep -q '^done 3 requests' "$f" || { echo "$host: incomplete results"; cat "$f"; status=1; }
        ;;
    server*)
        grep -q "^served $((nclients / nservers)) connections, $((3 * nclients / nservers)) requests" \
            "$f" || { echo "$host: did not serve every request"; tail -5 "$f"; status=1; }
        ;;
    esac
    for r in $(sed -n 's/.*retrans \([0-9]*\).*/\1/p' "$f"); do
        retrans=$((retrans + r))
    done
done
[ "$retrans" -gt 0 ] || { echo "no connection retransmitted: the losses were not exercised"; status=1; }
[ $status -eq 0 ] &&
    echo "identical: $nfiles files under hosts/, sim-stats.json and the log; $nout processes done, $retrans retransmissions"
exit $status
