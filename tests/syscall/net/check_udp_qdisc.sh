#!/usr/bin/env bash
# Pass condition of udp_qdisc_{fifo,round-robin}-umbra: the order in which the datagrams of two
# sockets (A: 0..9, written first; B: 65536..65545) reached the receiver. The first datagram
# leaves at once (the bucket starts full) and the second is already taken from the queue,
# waiting for tokens, before B writes anything. Then fifo sends in write order (all of A, then
# B); round-robin lets the sockets take turns (A2 B0 A3 B1 ... A9 B7, then B8 B9).
# Usage: check_udp_qdisc.sh DATA_DIR QDISC
set -uo pipefail
data=$1 qdisc=$2
r=$(ls "$data"/hosts/receiver/test_udp_bulk.*.stdout 2>/dev/null | head -1)
[ -n "$r" ] || { echo "missing receiver stdout"; exit 1; }
got=$(sed -n 's/^arrival \([0-9]*\) .*/\1/p' "$r" | awk '{printf "%s%s", (NR > 1 ? " " : ""), ($1 >= 65536 ? "B" ($1 - 65536) : "A" $1)}')
if [ "$qdisc" = fifo ]; then
    want="A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 B0 B1 B2 B3 B4 B5 B6 B7 B8 B9"
else
    want="A0 A1 A2 B0 A3 B1 A4 B2 A5 B3 A6 B4 A7 B5 A8 B6 A9 B7 B8 B9"
fi
if [ "$got" != "$want" ]; then
    echo "$r: arrival order with $qdisc:"
    echo "  got:  $got"
    echo "  want: $want"
    exit 1
fi
echo "$qdisc order: $got"
