#!/usr/bin/env bash
# Runs the basic file transfer (shadow.yaml) with umbra and shows what happened: each client's
# output (the server's directory listing), the server's request log with the simulated times,
# and umbra's exit status.
# Usage: examples/basic-file-transfer/run.sh [UMBRA]   (default: build/umbra of this checkout)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
umbra=${1:-$here/../../build/umbra}
umbra=$(cd "$(dirname "$umbra")" && pwd)/$(basename "$umbra")
run=${RUN_DIR:-$here/../../build/basic-file-transfer}
rm -rf "$run" && mkdir -p "$run" && cd "$run"
"$umbra" "$here/shadow.yaml" > umbra.log 2> umbra.stderr
status=$?
echo "== umbra exited with $status (log: $run/umbra.log)"
for c in client1 client2 client3; do
    f=$(ls shadow.data/hosts/$c/curl.*.stdout 2>/dev/null | head -1)
    echo "== $c: ${f:-no output}"
    [ -n "$f" ] && cat "$f"
done
echo "== server's log (python3 http.server writes it to stderr)"
cat shadow.data/hosts/server/python3.*.stderr 2>/dev/null
exit $status
