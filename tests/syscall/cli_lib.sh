# More helpers for the CLI tests that run managed processes (tests/cli/test_final_state.sh,
# test_determinism_random.sh, test_kill9.sh, test_bad_executables.sh). Source it after
# tests/cli/lib.sh, which sets UMBRA, SRC, WORK and check/pass/fail/finish.
#
# Helper programs (tests/syscall/helpers/*.c) are found in the build tree next to the umbra binary,
# at $(dirname UMBRA)/tests/syscall/helpers/, where tests/syscall/CMakeLists.txt puts them; set
# UMBRA_TEST_HELPERS to another directory to override. A missing helper fails the test.

# `config | run_case NAME` must set RC in this shell, not in a pipeline subshell.
shopt -s lastpipe

HELPERS=${UMBRA_TEST_HELPERS:-$(dirname "$UMBRA")/tests/syscall/helpers}

helper() { # helper NAME: absolute path of a built helper program, or fail the whole test
    local p="$HELPERS/$1"
    if [ ! -x "$p" ]; then
        echo "FAIL: helper program $p is missing (build the tree first)"
        exit 1
    fi
    realpath "$p"
}

# run_case NAME [UMBRA_ARGS...] < config: makes $WORK/NAME, writes stdin to config.yaml there and
# runs umbra on it (killed after 120 s). Leaves RC (exit status), and in $WORK/NAME: log.txt
# (umbra's stdout), err.txt (its stderr), shadow.data/.
run_case() {
    local name=$1
    shift
    rm -rf "${WORK:?}/$name"
    mkdir -p "$WORK/$name"
    cat > "$WORK/$name/config.yaml"
    (cd "$WORK/$name" && timeout -k 5 120 "$UMBRA" "$@" config.yaml > log.txt 2> err.txt)
    RC=$?
}

# expect_success NAME: the last run_case NAME exited 0 with the success banner and logged no ERROR.
expect_success() {
    local d="$WORK/$1"
    check "$1: umbra exits 0 (got $RC; stderr: $(tr '\n' '|' < "$d/err.txt"))" [ "$RC" -eq 0 ]
    check "$1: success banner" grep -qx '\*\* umbra completed successfully' "$d/err.txt"
    check "$1: no ERROR line in the log" lacks '\[ERROR\]' "$d/log.txt"
}

# expect_failed NAME N: the run exited 1 naming N processes in an unexpected final state.
expect_failed() {
    local d="$WORK/$1"
    check "$1: umbra exits 1 (got $RC)" [ "$RC" -eq 1 ]
    check "$1: stderr says '$2 managed processes in unexpected final state' (got: $(tr '\n' '|' < "$d/err.txt"))" \
        grep -qx "\*\*   $2 managed processes in unexpected final state" "$d/err.txt"
}

# expect_state_error NAME PROCESS EXPECTED ACTUAL: the log has an ERROR line naming
# 'PROCESS' (host.exe.pid) with "expected end state was EXPECTED but was ACTUAL".
expect_state_error() {
    local d="$WORK/$1"
    local text="expected end state was $3 but was $4"
    check "$1: ERROR line for '$2': $text" has_line "$d/log.txt" '[ERROR]' "process '$2'" "$text"
}

# expect_output NAME HOST FILE LINE: the process ran: shadow.data/hosts/HOST/FILE has the line LINE.
expect_output() {
    check "$1: $2/$3 has the line '$4'" grep -qxsF -- "$4" "$WORK/$1/shadow.data/hosts/$2/$3"
}

has_line() { # has_line FILE SUBSTRING... : one line of FILE contains every SUBSTRING (fixed strings)
    local file=$1
    shift
    local line
    while IFS= read -r line; do
        local s all=1
        for s in "$@"; do
            if [[ $line != *"$s"* ]]; then
                all=0
                break
            fi
        done
        [ $all -eq 1 ] && return 0
    done < "$file"
    return 1
}

not() { ! "$@"; }
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }     # same A B: A is not empty and A = B
differ() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]; } # both not empty, and different
lacks() { [ -f "$2" ] && ! grep -q -- "$1" "$2"; } # lacks REGEX FILE: FILE exists, no line matches

# pids_with TOKEN: pids of live (non-zombie) processes whose command line contains TOKEN.
pids_with() {
    local p
    for p in $(pgrep -f -- "$1"); do
        if [ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" != "Z" ] && [ "$p" != "$$" ]; then
            echo "$p"
        fi
    done
}

# wait_gone TOKEN SECONDS: succeeds once no process with TOKEN in its command line is left.
wait_gone() {
    local end=$((SECONDS + $2))
    while [ -n "$(pids_with "$1")" ]; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
    return 0
}

# kill_token TOKEN: SIGKILL every process the test started that has TOKEN (a random string this
# test made up) in its command line.
kill_token() {
    local p
    for p in $(pids_with "$1"); do
        kill -9 "$p" 2>/dev/null
    done
}

# shm_left MARKER UMBRA_PID: /dev/shm/umbra_* files left by that umbra: those whose name carries
# its pid (src/lib/shm_names.h: umbra_shmemfile_<pid>_<serial>), and those newer than MARKER whose
# name carries no pid of a live process (files of other umbra runs still going are not ours).
shm_left() {
    local marker=$1 upid=$2 f base owner
    for f in /dev/shm/umbra_*; do
        [ -e "$f" ] || continue
        base=$(basename "$f")
        owner=$(sed -nE 's/^umbra_[a-z]+_([0-9]+)(_.*)?$/\1/p' <<< "$base")
        if [ "$owner" = "$upid" ]; then
            echo "$f"
        elif [ "$f" -nt "$marker" ] && { [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; }; then
            echo "$f"
        fi
    done
}

# unique_token: a string no other process on this machine has in its command line.
unique_token() {
    echo "umbra-test-$$-$RANDOM$RANDOM"
}
