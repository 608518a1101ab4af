# Process end (issue 3, "Done when" 3; compat.md 1.8 and 3.4): every kind of expected_final_state
# mismatch fails the run with exit 1, "N managed processes in unexpected final state" on stderr and
# an ERROR log line naming the process and both states; matching states pass; shutdown_time with
# SIGTERM (default), SIGINT, SIGKILL, a SIGTERM handler, and a process gone before its shutdown
# time; a process killed at stop_time has complete output and leaves nothing running.
#
# Helper programs come from the build tree: $(dirname UMBRA)/tests/syscall/helpers/ (built by
# tests/syscall/CMakeLists.txt), or $UMBRA_TEST_HELPERS. See tests/syscall/cli_lib.sh.
source "$(dirname "$0")/lib.sh" "$@"
source "$SRC/tests/syscall/cli_lib.sh"

EXIT_WITH=$(helper exit_with)
RAISE=$(helper raise_signal)
SLEEPER=$(helper sleep_forever)
HANDLE_TERM=$(helper handle_term)
TOKEN=$(unique_token)
trap 'kill_token "$TOKEN"; rm -rf "$WORK"' EXIT

header() { # the part of every config before the processes of host testhost
    cat <<YAML
general:
  stop_time: ${1:-10 s}
network:
  graph:
    type: 1_gbit_switch
hosts:
  testhost:
    network_node_id: 0
    processes:
YAML
}

# --- exit codes
{ header; cat <<YAML
      - path: $EXIT_WITH
        args: "3"
YAML
} | run_case exit3_default
expect_failed exit3_default 1
expect_state_error exit3_default testhost.exit_with.1000 "{exited: 0}" "{exited: 3}"
expect_output exit3_default testhost exit_with.1000.stdout "exit_with: exiting with 3"
check "exit3_default: stderr file exists" [ -f "$WORK/exit3_default/shadow.data/hosts/testhost/exit_with.1000.stderr" ]

{ header; cat <<YAML
      - path: $EXIT_WITH
        args: "3"
        expected_final_state: {exited: 3}
YAML
} | run_case exit3_expected
expect_success exit3_expected
expect_output exit3_expected testhost exit_with.1000.stdout "exit_with: exiting with 3"

{ header; cat <<YAML
      - path: $EXIT_WITH
        args: "0"
        expected_final_state: {exited: 1}
YAML
} | run_case exit0_expected1
expect_failed exit0_expected1 1
expect_state_error exit0_expected1 testhost.exit_with.1000 "{exited: 1}" "{exited: 0}"

# --- signals
{ header; cat <<YAML
      - path: $RAISE
        args: SIGABRT
        expected_final_state: {signaled: SIGABRT}
YAML
} | run_case abort_expected
expect_success abort_expected
expect_output abort_expected testhost raise_signal.1000.stdout "raise_signal: raising 6"
check "abort_expected: the process did not outlive its signal" \
    lacks "still alive" "$WORK/abort_expected/shadow.data/hosts/testhost/raise_signal.1000.stderr"

{ header; cat <<YAML
      - path: $RAISE
        args: SIGABRT
        expected_final_state: {exited: 0}
YAML
} | run_case abort_default
expect_failed abort_default 1
expect_state_error abort_default testhost.raise_signal.1000 "{exited: 0}" "{signaled: SIGABRT}"

{ header; cat <<YAML
      - path: $RAISE
        args: SIGABRT
        expected_final_state: {signaled: SIGTERM}
YAML
} | run_case abort_wrong_signal
expect_failed abort_wrong_signal 1
expect_state_error abort_wrong_signal testhost.raise_signal.1000 "{signaled: SIGTERM}" "{signaled: SIGABRT}"

# --- still running at stop_time: killed and counted as `running`
{ header; cat <<YAML
      - path: $SLEEPER
        args: [ "100", "$TOKEN" ]
        expected_final_state: running
YAML
} | run_case running_expected
expect_success running_expected
out="$WORK/running_expected/shadow.data/hosts/testhost/sleep_forever.1000.stdout"
lines=$(cat "$out" 2>/dev/null | wc -l)
check "running_expected: stdout complete after the kill at stop_time ($lines lines)" [ "$lines" -eq 100 ]
expect_output running_expected testhost sleep_forever.1000.stdout "sleep_forever: line 100 of 100"
check "running_expected: no process left after umbra exited" wait_gone "$TOKEN" 2

{ header; cat <<YAML
      - path: $SLEEPER
        args: [ "1", "$TOKEN" ]
YAML
} | run_case running_default
expect_failed running_default 1
expect_state_error running_default testhost.sleep_forever.1000 "{exited: 0}" "running"
check "running_default: no process left after umbra exited" wait_gone "$TOKEN" 2

{ header; cat <<YAML
      - path: $EXIT_WITH
        args: "0"
        expected_final_state: running
YAML
} | run_case exited_expected_running
expect_failed exited_expected_running 1
expect_state_error exited_expected_running testhost.exit_with.1000 "running" "{exited: 0}"

# --- two failures among three processes on two hosts (pids count per host from 1000)
cat <<YAML | run_case two_failures
general:
  stop_time: 10 s
network:
  graph:
    type: 1_gbit_switch
hosts:
  alice:
    network_node_id: 0
    processes:
      - path: $EXIT_WITH
        args: "1"
      - path: $EXIT_WITH
        args: "0"
        start_time: 1 s
  bob:
    network_node_id: 0
    processes:
      - path: $RAISE
        args: SIGABRT
YAML
expect_failed two_failures 2
expect_state_error two_failures alice.exit_with.1000 "{exited: 0}" "{exited: 1}"
expect_state_error two_failures bob.raise_signal.1000 "{exited: 0}" "{signaled: SIGABRT}"
check "two_failures: the good process is not reported" \
    lacks "\[ERROR\].*alice.exit_with.1001" "$WORK/two_failures/log.txt"
expect_output two_failures alice exit_with.1001.stdout "exit_with: exiting with 0"
expect_output two_failures bob raise_signal.1000.stdout "raise_signal: raising 6"

# --- shutdown signals
{ header; cat <<YAML
      - path: $SLEEPER
        args: [ "1", "$TOKEN" ]
        shutdown_time: 2 s
        expected_final_state: {signaled: SIGTERM}
YAML
} | run_case shutdown_term
expect_success shutdown_term
expect_output shutdown_term testhost sleep_forever.1000.stdout "sleep_forever: line 1 of 1"

{ header; cat <<YAML
      - path: $SLEEPER
        args: [ "1", "$TOKEN" ]
        shutdown_time: 2 s
YAML
} | run_case shutdown_term_default
expect_failed shutdown_term_default 1
expect_state_error shutdown_term_default testhost.sleep_forever.1000 "{exited: 0}" "{signaled: SIGTERM}"

{ header; cat <<YAML
      - path: $SLEEPER
        args: [ "1", "$TOKEN" ]
        shutdown_time: 2 s
        shutdown_signal: SIGINT
        expected_final_state: {signaled: SIGINT}
YAML
} | run_case shutdown_int
expect_success shutdown_int
expect_output shutdown_int testhost sleep_forever.1000.stdout "sleep_forever: line 1 of 1"

{ header; cat <<YAML
      - path: $SLEEPER
        args: [ "1", "$TOKEN" ]
        shutdown_time: 2 s
        shutdown_signal: SIGINT
        expected_final_state: {signaled: SIGTERM}
YAML
} | run_case shutdown_int_wrong
expect_failed shutdown_int_wrong 1
expect_state_error shutdown_int_wrong testhost.sleep_forever.1000 "{signaled: SIGTERM}" "{signaled: SIGINT}"

{ header; cat <<YAML
      - path: $SLEEPER
        args: [ "1", "$TOKEN" ]
        shutdown_time: 2 s
        shutdown_signal: SIGKILL
        expected_final_state: {signaled: SIGKILL}
YAML
} | run_case shutdown_kill
expect_success shutdown_kill
expect_output shutdown_kill testhost sleep_forever.1000.stdout "sleep_forever: line 1 of 1"

{ header; cat <<YAML
      - path: $HANDLE_TERM
        args: [ "$TOKEN" ]
        shutdown_time: 2 s
YAML
} | run_case shutdown_handled
expect_success shutdown_handled
expect_output shutdown_handled testhost handle_term.1000.stdout "handle_term: waiting for SIGTERM"
expect_output shutdown_handled testhost handle_term.1000.stdout "handle_term: got SIGTERM, exiting 0"

# Gone at 1 s, shutdown_time at 5 s: nothing to signal, no error.
{ header; cat <<YAML
      - path: $EXIT_WITH
        args: "0"
        start_time: 1 s
        shutdown_time: 5 s
YAML
} | run_case shutdown_after_exit
expect_success shutdown_after_exit
expect_output shutdown_after_exit testhost exit_with.1000.stdout "exit_with: exiting with 0"

check "no helper process left at the end" wait_gone "$TOKEN" 2
finish
