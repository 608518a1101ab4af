#!/usr/bin/env bash
# 10 Mbit/s, 50 ms: at least 9.0 Mbit/s of goodput (done-when 3).
exec bash "$(dirname "$0")/check_tcp_bulk.sh" "$1" 9000000 100000000
