#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the example simulation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh build
run=build/example-run
rm -rf "$run" && mkdir -p "$run"
cp examples/*.yaml "$run"/
cd "$run"
echo "== umbra examples/switch.yaml (log: build/example-run/umbra.log)"
../umbra switch.yaml > umbra.log
grep -E "host [0-9]+ '|path node|Finished simulation" umbra.log | cut -d' ' -f8-
echo "== output directory: build/example-run/shadow.data"
ls shadow.data shadow.data/hosts
for f in shadow.data/hosts/*/*.stdout; do
    echo "== $f"
    head -5 "$f"
done
echo "== examples/basic-file-transfer: python3 http.server and three curl clients"
RUN_DIR="$PWD/basic-file-transfer" bash ../../examples/basic-file-transfer/run.sh ../umbra
