#!/usr/bin/env bash
# examples/basic-file-transfer (issue 5, done-when 2 and 5): python3's http.server and three curl
# clients on the 1 Gbit switch. Every client prints the server's directory listing and exits 0
# (umbra's exit status checks the expected final states); the server logged three requests from
# the clients' v4-mapped addresses (http.server listens on ::, dual stack); and with pcap on,
# tshark reads client1's capture and shows the TCP handshake with the times the graph allows: the
# switch's 1 ms latency makes a round trip 2 ms, the SYN-ACK comes exactly one round trip after
# the SYN and the first byte of the answer no sooner than two (the handshake, then the request).
# Usage: test_example_basic_file_transfer.sh UMBRA_BINARY SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$@"
for tool in python3 curl tshark; do
    command -v "$tool" > /dev/null || { fail "$tool is not installed (ci/install-deps.sh)"; finish; }
done
cp "$SRC/examples/basic-file-transfer/shadow.yaml" config.yaml
printf 'host_option_defaults:\n  pcap_enabled: true\n' >> config.yaml
"$UMBRA" config.yaml > umbra.log 2> umbra.stderr
check "umbra exits 0 (all expected final states held)" [ $? -eq 0 ]
listing=$(find shadow.data/hosts/server -maxdepth 1 -name 'python3.*' -printf '%f\n' | sort)
for c in client1 client2 client3; do
    out=$(ls shadow.data/hosts/$c/curl.*.stdout 2>/dev/null | head -1)
    check "$c printed the directory listing" grep -q '<title>Directory listing for /</title>' "$out"
    for f in $listing; do
        check "$c's listing names $f" grep -q "<a href=\"$f\">" "$out"
    done
done
log=$(ls shadow.data/hosts/server/python3.*.stderr | head -1)
check "the server logged three GET requests" [ "$(grep -c '"GET / HTTP/1.1" 200' "$log")" = 3 ]
for ip in 11.0.0.1 11.0.0.2 11.0.0.3; do
    check "a request from ::ffff:$ip" grep -q "^::ffff:$ip - " "$log"
done
# The handshake in client1's capture: time, source, SYN, ACK, payload length.
tshark -r shadow.data/hosts/client1/eth0.pcap -Y tcp -T fields -e frame.time_epoch -e ip.src \
    -e tcp.flags.syn -e tcp.flags.ack -e tcp.len 2> tshark.err > packets.txt
check "tshark reads client1's eth0.pcap" [ -s packets.txt ]
read -r t_syn src_syn syn1 ack1 _ < <(sed -n 1p packets.txt)
read -r t_synack src_synack syn2 ack2 _ < <(sed -n 2p packets.txt)
read -r _ _ syn3 ack3 _ < <(sed -n 3p packets.txt)
check "the first segment is the client's SYN" [ "$syn1/$ack1" = "1/0" ]
check "the second is the server's SYN-ACK" [ "$syn2/$ack2/$src_synack" = "1/1/11.0.0.4" ]
check "the third is the client's ACK" [ "$syn3/$ack3" = "0/1" ]
t_data=$(awk '$2 == "11.0.0.4" && $5 > 0 { print $1; exit }' packets.txt)
rtt_us=$(awk -v a="$t_syn" -v b="$t_synack" 'BEGIN { printf "%d", (b - a) * 1e6 + 0.5 }')
first_us=$(awk -v a="$t_syn" -v b="$t_data" 'BEGIN { printf "%d", (b - a) * 1e6 + 0.5 }')
echo "handshake round trip ${rtt_us} us, first byte of the answer ${first_us} us after the SYN"
check "the SYN-ACK comes one round trip (2 ms) after the SYN" [ "$rtt_us" = 2000 ]
check "the answer comes no sooner than two round trips" [ -n "$t_data" ] && [ "$first_us" -ge 4000 ]
finish
