# `kill -9` of umbra in the middle of a run leaves no managed process and no shared-memory file
# behind (issue 3, "Done when" 6; architecture.md 7). Host `busy` runs helpers/spin, which burns CPU
# for about a minute without a single syscall (so it never talks to umbra again); host `idle` runs
# helpers/sleep_forever, parked in a simulated nanosleep. Once both exist (≤ 10 s), umbra gets
# SIGKILL; within 5 s neither may remain, and no /dev/shm/umbra_* file of that umbra may remain.
# Processes are found by a random token in their arguments (pgrep -f).
#
# Helpers come from $(dirname UMBRA)/tests/syscall/helpers/ (or $UMBRA_TEST_HELPERS).
source "$(dirname "$0")/lib.sh" "$@"
source "$SRC/tests/syscall/cli_lib.sh"

SPIN=$(helper spin)
SLEEPER=$(helper sleep_forever)
TOKEN=$(unique_token)
upid=""
cleanup() {
    [ -n "$upid" ] && kill -9 "$upid" 2>/dev/null
    kill_token "$TOKEN"
    rm -rf "$WORK"
}
trap cleanup EXIT

touch "$WORK/marker"
cat > config.yaml <<YAML
general:
  stop_time: 1 h
network:
  graph:
    type: 1_gbit_switch
hosts:
  busy:
    network_node_id: 0
    processes:
      - path: $SPIN
        args: [ "60", "$TOKEN" ]
        start_time: 1 s
        expected_final_state: running
  idle:
    network_node_id: 0
    processes:
      - path: $SLEEPER
        args: [ "1", "$TOKEN" ]
        expected_final_state: running
YAML
"$UMBRA" config.yaml > log.txt 2> err.txt &
upid=$!

# Wait until both managed processes exist (or umbra is gone).
found=0
for _ in $(seq 100); do
    found=$(pids_with "$TOKEN" | wc -l)
    [ "$found" -ge 2 ] && break
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.1
done
check "both managed processes started within 10 s (found $found; umbra stderr: $(tr '\n' '|' < err.txt))" \
    [ "$found" -ge 2 ]
check "umbra still running when killed" kill -0 "$upid"
sleep 0.5
kill -9 "$upid" 2>/dev/null
wait "$upid" 2>/dev/null
rc=$?
check "umbra died of SIGKILL (status $rc)" [ "$rc" -eq 137 ]

if wait_gone "$TOKEN" 5; then
    pass
else
    fail "managed processes still alive 5 s after kill -9 of umbra: $(pids_with "$TOKEN" | while read -r p; do ps -o pid=,args= -p "$p"; done | tr '\n' '|')"
fi
sleep 0.2
left=$(shm_left "$WORK/marker" "$upid")
check "no /dev/shm/umbra_* file of the killed umbra left (found: $left)" [ -z "$left" ]
finish
