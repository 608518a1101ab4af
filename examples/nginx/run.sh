#!/usr/bin/env bash
# Runs the nginx example (shadow.yaml): makes www/data.txt (1 MB of numbered lines), runs umbra,
# shows nginx's access log and checks that curl printed the file exactly.
# Usage: examples/nginx/run.sh [UMBRA]   (default: build/umbra of this checkout)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
umbra=${1:-$here/../../build/umbra}
umbra=$(cd "$(dirname "$umbra")" && pwd)/$(basename "$umbra")
run=${RUN_DIR:-$here/../../build/nginx-example}
rm -rf "$run" && mkdir -p "$run/www" && cd "$run"
cp "$here/nginx.conf" .
seq -f "line %07g of the file nginx serves" 1 27778 | head -c 1000000 > www/data.txt
"$umbra" "$here/shadow.yaml" > umbra.log 2> umbra.stderr
status=$?
echo "== umbra exited with $status (log: $run/umbra.log)"
echo "== nginx's access log"
cat shadow.data/hosts/server/bash.*.stdout 2>/dev/null
out=$(ls shadow.data/hosts/client/curl.*.stdout 2>/dev/null | head -1)
if [ -n "$out" ] && cmp -s "$out" www/data.txt; then
    echo "== curl printed the 1000000 bytes of www/data.txt exactly"
else
    echo "== curl's output differs from www/data.txt"
    status=1
fi
exit $status
