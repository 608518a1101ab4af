#!/usr/bin/env bash
# 1% loss: the transfer completes intact (the rate is printed, not required; done-when 3).
exec bash "$(dirname "$0")/check_tcp_bulk.sh" "$1" 1 100000000
