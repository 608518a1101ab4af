# Runs the determinism program at parallelism 1, 2 and 1 again and requires identical traces.
set -euo pipefail
prog=$1
src=$2
work=$(mktemp -d /tmp/umbra-determinism.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$src/tests/determinism"
"$prog" config.yaml 1 > "$work/p1a.txt"
"$prog" config.yaml 2 > "$work/p2.txt"
"$prog" config.yaml 1 > "$work/p1b.txt"
lines=$(wc -l < "$work/p1a.txt")
ok=0
cmp "$work/p1a.txt" "$work/p2.txt" && ok=$((ok + 1)) || echo "FAIL: parallelism 1 and 2 differ"
cmp "$work/p1a.txt" "$work/p1b.txt" && ok=$((ok + 1)) || echo "FAIL: two runs differ"
[ "$lines" -gt 1000 ] && ok=$((ok + 1)) || echo "FAIL: only $lines trace lines"
echo "trace of $lines events; $ok passed, $((3 - ok)) failed"
[ $ok -eq 3 ]
