#!/usr/bin/env bash
# Pass condition of two_hosts_time-umbra beyond EXIT-SUCCESS: alice's and bob's stdout files hold
# the same, exact REALTIME/MONOTONIC lines for T1 = 20 s and T2 = 27 s of simulated time.
# Usage: check_two_hosts_time.sh DATA_DIR
set -uo pipefail
data=$1
a=$(ls "$data"/hosts/alice/test_two_hosts_time.*.stdout 2>/dev/null | head -1)
b=$(ls "$data"/hosts/bob/test_two_hosts_time.*.stdout 2>/dev/null | head -1)
[ -n "$a" ] && [ -n "$b" ] || { echo "missing stdout file (alice: '$a', bob: '$b')"; exit 1; }
expected="T1 REALTIME=946684820.000000000
T1 MONOTONIC=946684820.000000000
T2 REALTIME=946684827.000000000
T2 MONOTONIC=946684827.000000000"
status=0
for f in "$a" "$b"; do
    got=$(grep -E '^T[12] (REALTIME|MONOTONIC)=' "$f")
    if [ "$got" != "$expected" ]; then
        echo "$f: time lines differ from the expected ones:"
        diff <(echo "$expected") <(echo "$got")
        status=1
    fi
done
exit $status
