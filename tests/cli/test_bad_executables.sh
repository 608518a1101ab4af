# Executables umbra must refuse before it starts anything (issue 3, "Done when" 5; compat.md 1.8):
# a statically linked binary ("not a dynamically linked ELF"), a missing path, a file without any
# execute bit, and a directory. Each: exit status 1, exactly one line on stderr naming the path, no
# data directory, no new /dev/shm/umbra_* file, and no process running from that path.
#
# The static binary is helpers/static_exit from $(dirname UMBRA)/tests/syscall/helpers/ (or
# $UMBRA_TEST_HELPERS), built where a static libc exists, else tests/fixtures/static-exit.
source "$(dirname "$0")/lib.sh" "$@"
source "$SRC/tests/syscall/cli_lib.sh"

TOKEN=$(unique_token)
trap 'kill_token "$TOKEN"; rm -rf "$WORK"' EXIT

static=""
for candidate in "$HELPERS/static_exit" "$SRC/tests/fixtures/static-exit"; do
    if [ -x "$candidate" ]; then
        static=$candidate
        break
    fi
done
check "a static test binary exists (helpers/static_exit or tests/fixtures/static-exit)" [ -n "$static" ]

# Every bad path carries TOKEN, so a process started from it would be found by pgrep -f.
mkdir "$WORK/bin"
bad_static="$WORK/bin/static-$TOKEN"
bad_missing="$WORK/bin/missing-$TOKEN"
bad_noexec="$WORK/bin/noexec-$TOKEN"
bad_dir="$WORK/bin/dir-$TOKEN"
[ -n "$static" ] && cp "$static" "$bad_static" && chmod 755 "$bad_static"
cp "$(helper exit_with)" "$bad_noexec" && chmod 644 "$bad_noexec"
mkdir "$bad_dir"

refused() { # refused CASE PATH [EXPECTED_TEXT]
    local name=$1 path=$2 text=${3:-}
    touch "$WORK/marker-$name"
    sleep 0.01
    cat <<YAML | run_case "$name"
general:
  stop_time: 10 s
network:
  graph:
    type: 1_gbit_switch
hosts:
  testhost:
    network_node_id: 0
    processes:
      - path: $path
        args: [ "$TOKEN" ]
YAML
    local d="$WORK/$name"
    check "$name: exit 1 (got $RC)" [ "$RC" -eq 1 ]
    check "$name: exactly one line on stderr (got: $(tr '\n' '|' < "$d/err.txt"))" \
        [ "$(wc -l < "$d/err.txt")" -eq 1 ]
    check "$name: stderr names $path" grep -qF -- "$path" "$d/err.txt"
    if [ -n "$text" ]; then
        check "$name: stderr says '$text'" grep -qF -- "$text" "$d/err.txt"
    fi
    check "$name: no data directory" [ ! -e "$d/shadow.data" ]
    local left
    left=$(shm_left "$WORK/marker-$name" "")
    check "$name: no new /dev/shm/umbra_* file (found: $left)" [ -z "$left" ]
    check "$name: no process left running from the path" wait_gone "$TOKEN" 1
}

[ -n "$static" ] && refused static "$bad_static" "not a dynamically linked ELF"
refused missing "$bad_missing"
refused noexec "$bad_noexec"
refused directory "$bad_dir"

# Control: the same config with a good program runs, so the refusals above are about the paths.
cp "$(helper exit_with)" "$WORK/bin/good-$TOKEN"
cat <<YAML | run_case good
general:
  stop_time: 10 s
network:
  graph:
    type: 1_gbit_switch
hosts:
  testhost:
    network_node_id: 0
    processes:
      - path: $WORK/bin/good-$TOKEN
        args: [ "0" ]
YAML
expect_success good
expect_output good testhost "good-$TOKEN.1000.stdout" "exit_with: exiting with 0"
finish
