# Randomness under umbra comes only from the per-host generators seeded from general.seed and the
# host name (issue 3, "Done when" 4; compat.md 5): print_random's getrandom bytes, /dev/urandom
# bytes, pid and time are identical across two runs with the same seed, the bytes differ with
# --seed 2 (pid and time do not), and two hosts in one run get different bytes.
#
# The helper comes from $(dirname UMBRA)/tests/syscall/helpers/ (or $UMBRA_TEST_HELPERS).
source "$(dirname "$0")/lib.sh" "$@"
source "$SRC/tests/syscall/cli_lib.sh"

PRINT_RANDOM=$(helper print_random)
config() {
    cat <<YAML
general:
  stop_time: 10 s
network:
  graph:
    type: 1_gbit_switch
hosts:
  testhost:
    network_node_id: 0
    processes:
      - path: $PRINT_RANDOM
        start_time: 3 s
  other:
    network_node_id: 0
    processes:
      - path: $PRINT_RANDOM
YAML
}
config | run_case run1
expect_success run1
config | run_case run2
expect_success run2
config | run_case seed2 --seed 2
expect_success seed2

out() { echo "$WORK/$1/shadow.data/hosts/$2/print_random.1000.$3"; }
field() { sed -n "s/^$3=//p" "$(out "$1" "$2" stdout)" 2>/dev/null; }

# The output is what print_random prints under umbra.
for run in run1 run2 seed2; do
    check "$run: getrandom line is 32 bytes of hex" grep -qxsE "getrandom=[0-9a-f]{64}" "$(out $run testhost stdout)"
    check "$run: urandom line is 32 bytes of hex" grep -qxsE "urandom=[0-9a-f]{64}" "$(out $run testhost stdout)"
    check "$run: at_random line is 16 bytes of hex" grep -qxsE "at_random=[0-9a-f]{32}" "$(out $run testhost stdout)"
    check "$run: the two hosts get different AT_RANDOM bytes" \
        differ "$(field $run testhost at_random)" "$(field $run other at_random)"
    check "$run: pid is 1000 (got '$(field $run testhost pid)')" [ "$(field $run testhost pid)" = 1000 ]
    check "$run: time is the epoch + start_time (got '$(field $run testhost time)')" \
        [ "$(field $run testhost time)" = 946684803 ]
    check "$run: other host's time is the epoch (got '$(field $run other time)')" \
        [ "$(field $run other time)" = 946684800 ]
    check "$run: getrandom and urandom bytes differ" \
        differ "$(field $run testhost getrandom)" "$(field $run testhost urandom)"
    check "$run: the two hosts get different bytes" \
        differ "$(field $run testhost getrandom)" "$(field $run other getrandom)"
    check "$run: not a run of zero bytes" lacks "=0000000000000000" "$(out $run testhost stdout)"
done

# Same seed: byte-identical output of every process.
for host in testhost other; do
    for s in stdout stderr; do
        check "run1 and run2: $host $s identical" \
            cmp -s "$(out run1 $host $s)" "$(out run2 $host $s)"
    done
done

# Another seed: other bytes, same pid and time.
for host in testhost other; do
    for f in getrandom urandom at_random; do
        check "--seed 2: $host $f bytes differ from seed 1" \
            differ "$(field seed2 $host $f)" "$(field run1 $host $f)"
    done
    for f in pid time; do
        check "--seed 2: $host $f unchanged" same "$(field seed2 $host $f)" "$(field run1 $host $f)"
    done
done
finish
