#!/usr/bin/env bash
# udp_qdisc_fifo-umbra: see check_udp_qdisc.sh.
exec bash "$(dirname "$0")/check_udp_qdisc.sh" "$1" fifo
