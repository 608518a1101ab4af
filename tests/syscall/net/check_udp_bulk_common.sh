#!/usr/bin/env bash
# Shared by check_udp_bulk*.sh: finds the two stdout files of a udp_bulk*.yaml.in run and reads
# the receiver's summary. Sets $r (receiver stdout), $s (sender stdout), $received, $first,
# $span, $rate ("" when absent), $send_ns (the sender's time in its sends) and $status (1 after a failed check). Usage: source it with
# DATA_DIR as $1.
data=$1
status=0
r=$(ls "$data"/hosts/receiver/test_udp_bulk.*.stdout 2>/dev/null | head -1)
s=$(ls "$data"/hosts/sender/test_udp_bulk.*.stdout 2>/dev/null | head -1)
[ -n "$r" ] && [ -n "$s" ] || { echo "missing stdout file (receiver: '$r', sender: '$s')"; exit 1; }
grep -qx "sent 1000" "$s" || { echo "$s: the sender did not send 1000"; exit 1; }
received=$(sed -n 's/^received \([0-9]*\)$/\1/p' "$r")
first=$(sed -n 's/^first_ns \([0-9]*\)$/\1/p' "$r")
span=$(sed -n 's/^span_ns \([0-9]*\)$/\1/p' "$r")
send_ns=$(sed -n 's/^send_ns \([0-9]*\)$/\1/p' "$s")
[ -n "$send_ns" ] || { echo "$s: no send_ns line"; exit 1; }
rate=$(sed -n 's/^rate_bps \([0-9]*\)$/\1/p' "$r")
[ -n "$received" ] && [ -n "$first" ] && [ -n "$span" ] || { echo "$r: no summary"; exit 1; }
arrivals=$(grep -c '^arrival ' "$r")
[ "$arrivals" = "$received" ] || { echo "$r: $arrivals arrival lines for $received"; status=1; }
# The first datagram leaves at 1 s (the sender's start; the buckets start full) and takes the
# path's 2 + 3 ms: the clocks read 946684800 s + simulated time.
[ "$first" = 946684801005000000 ] ||
    { echo "$r: first arrival at $first, wanted 946684801005000000 (1 s + 5 ms)"; status=1; }
# rate_bps within 0.5% of 10 Mbit/s.
rate_ok() {
    [ -n "$rate" ] && [ "$rate" -ge 9950000 ] && [ "$rate" -le 10050000 ]
}
