#!/usr/bin/env bash
# udp_qdisc_round-robin-umbra: see check_udp_qdisc.sh.
exec bash "$(dirname "$0")/check_udp_qdisc.sh" "$1" round-robin
