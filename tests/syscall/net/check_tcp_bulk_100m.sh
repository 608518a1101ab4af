#!/usr/bin/env bash
# 100 Mbit/s, 10 ms: at least 90 Mbit/s of goodput (done-when 3).
exec bash "$(dirname "$0")/check_tcp_bulk.sh" "$1" 90000000 20000000
