# Every bad config in tests/configs/bad, and bad command lines: exit 1, exactly one line on stderr
# naming the problem (the `# expect:` substring), nothing on disk.
source "$(dirname "$0")/lib.sh" "$@"

count=0
for cfg in "$SRC"/tests/configs/bad/*.yaml; do
    name=$(basename "$cfg")
    expect=$(sed -n '1s/^# expect: //p' "$cfg")
    mkdir run && cd run || exit 1
    cp "$cfg" .
    # Graph files referenced by relative path live next to the bad configs.
    cp "$SRC"/tests/configs/bad/*.gml . 2>/dev/null
    "$UMBRA" "$name" > out.txt 2> err.txt
    rc=$?
    check "$name: exit status 1 (got $rc)" [ $rc -eq 1 ]
    check "$name: one line on stderr (got $(wc -l < err.txt))" [ "$(wc -l < err.txt)" -eq 1 ]
    check "$name: message contains '$expect' (got: $(cat err.txt))" grep -qF -- "$expect" err.txt
    check "$name: no data directory left behind" [ ! -e shadow.data ]
    cd .. && rm -rf run
    count=$((count + 1))
done
check "at least 20 bad configs (found $count)" [ $count -ge 20 ]

# Bad command lines.
good="$SRC/examples/switch.yaml"
bad_cli() { # bad_cli EXPECT ARGS...
    local expect=$1; shift
    "$UMBRA" "$@" > out.txt 2> err.txt
    local rc=$?
    check "umbra $*: exit 1 (got $rc)" [ $rc -eq 1 ]
    check "umbra $*: one line on stderr" [ "$(wc -l < err.txt)" -eq 1 ]
    check "umbra $*: names '$expect' (got: $(cat err.txt))" grep -qF -- "$expect" err.txt
    check "umbra $*: no data directory" [ ! -e shadow.data ]
}
bad_cli "--no-such-flag" --no-such-flag "$good"
bad_cli "--parallelism" -p abc "$good"
bad_cli "--stop-time" --stop-time 1.5s "$good"
bad_cli "--log-level" -l loud "$good"
bad_cli "--progress" --progress maybe "$good"
bad_cli "--interface-qdisc" --interface-qdisc lifo "$good"
bad_cli "CONFIG" --stop-time 10s
bad_cli "no-such-config.yaml" no-such-config.yaml
bad_cli "--stop-time" "$good" --stop-time

# An existing data directory is refused without a template, and left as it was.
mkdir shadow.data && touch shadow.data/keep
"$UMBRA" "$good" > out.txt 2> err.txt
check "existing data directory: exit 1" [ $? -eq 1 ]
check "existing data directory: named" grep -qF "shadow.data" err.txt
check "existing data directory: untouched" [ -e shadow.data/keep ] && [ ! -e shadow.data/hosts ]
finish
