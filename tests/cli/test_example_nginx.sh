#!/usr/bin/env bash
# examples/nginx (issue 5): nginx (master and worker) serves a 1 MB file with sendfile to curl on
# another host; curl prints it byte for byte (run.sh compares), nginx logs the request, and umbra
# exits 0 (nginx still running at the end, curl exited 0).
# Usage: test_example_nginx.sh UMBRA_BINARY SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$@"
command -v nginx > /dev/null || [ -x /usr/sbin/nginx ] ||
    { fail "nginx is not installed (ci/install-deps.sh)"; finish; }
RUN_DIR=$WORK/run bash "$SRC/examples/nginx/run.sh" "$UMBRA" > out.txt 2>&1
check "run.sh exits 0 (umbra's status and the file compare)" [ $? -eq 0 ]
check "curl printed the file exactly" grep -q "exactly" out.txt
check "nginx logged the request" grep -q '"GET /data.txt HTTP/1.1" 200 1000000' out.txt
check "the master started a worker" grep -q "start worker process" "$WORK"/run/shadow.data/hosts/server/bash.*.stderr
finish
