#!/usr/bin/env bash
# examples/iperf3 (issue 5): iperf3's client and server over a 100 Mbit/s, 10 ms path. Both exit
# 0, the client prints its report ("iperf Done.") and the sender's average over the 10 s is
# above 90 Mbit/s (headers take the rest of the 100).
# Usage: test_example_iperf3.sh UMBRA_BINARY SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$@"
command -v iperf3 > /dev/null || { fail "iperf3 is not installed (ci/install-deps.sh)"; finish; }
RUN_DIR=$WORK/run bash "$SRC/examples/iperf3/run.sh" "$UMBRA" > out.txt 2>&1
check "run.sh (umbra) exits 0" [ $? -eq 0 ]
check "the client finished its test" grep -q "^iperf Done." out.txt
rate=$(awk '/sender$/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i }' out.txt)
echo "sender average: ${rate:-none} Mbit/s"
check "the sender averaged over 90 Mbit/s" awk -v r="${rate:-0}" 'BEGIN { exit !(r > 90) }'
check "the server accepted the client's connection" grep -q "Accepted connection from 11.0.0.1" out.txt
finish
