#!/usr/bin/env bash
# The -umbra variant of a syscall test: runs the program as a managed process under umbra in a
# fresh temporary directory.
#
# Usage: run_in_umbra.sh --umbra UMBRA --binary TEST_BINARY [--config TEMPLATE.yaml.in]
#                        [--check CHECK_SCRIPT] [--timeout SECONDS] [-- ARGS...]
#
# Without --config the config is one host `testhost` on `1_gbit_switch`, stop_time 1 h, one process
# running the absolute path of TEST_BINARY with ARGS, expected_final_state {exited: 0}. With
# --config, @BINARY@ and @BINARY_DIR@ in the template are replaced by the absolute path of the test
# binary and its directory (ARGS are then unused; the template holds them).
#
# Passes if umbra exits 0, at least one stdout file of the test binary exists under
# shadow.data/hosts/*/, every such file's last line is EXIT-SUCCESS, and CHECK_SCRIPT (if given; it
# gets the data directory as its argument) exits 0. umbra is killed after SECONDS (default 120). On failure it prints umbra's stderr, the last 30
# lines of umbra's log and the stdout/stderr files of the processes. Set UMBRA_KEEP_TEST_DIR=1 to
# keep the temporary directory.
set -uo pipefail

umbra="" binary="" template="" check="" timeout_s=120
while [ $# -gt 0 ]; do
    case $1 in
    --umbra) umbra=$(realpath "$2"); shift 2 ;;
    --binary) binary=$(realpath "$2"); shift 2 ;;
    --config) template=$(realpath "$2"); shift 2 ;;
    --check) check=$(realpath "$2"); shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "run_in_umbra.sh: unknown argument '$1'"; exit 2 ;;
    esac
done
[ -x "$umbra" ] || { echo "run_in_umbra.sh: umbra binary '$umbra' missing"; exit 2; }
[ -x "$binary" ] || { echo "run_in_umbra.sh: test binary '$binary' missing"; exit 2; }

work=$(mktemp -d /tmp/umbra-syscall-test.XXXXXX)
if [ -n "${UMBRA_KEEP_TEST_DIR:-}" ]; then
    echo "run_in_umbra.sh: keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
cd "$work" || exit 2

yaml_quote() { # a YAML double-quoted scalar
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}

if [ -n "$template" ]; then
    content=$(< "$template")
    content=${content//@BINARY_DIR@/$(dirname "$binary")}
    content=${content//@BINARY@/$binary}
    printf '%s\n' "$content" > config.yaml
else
    args="[]"
    if [ $# -gt 0 ]; then
        args="["
        sep=""
        for a in "$@"; do
            args+="$sep$(yaml_quote "$a")"
            sep=", "
        done
        args+="]"
    fi
    cat > config.yaml <<YAML
general:
  stop_time: 1 h
network:
  graph:
    type: 1_gbit_switch
hosts:
  testhost:
    network_node_id: 0
    processes:
      - path: $(yaml_quote "$binary")
        args: $args
        expected_final_state: {exited: 0}
YAML
fi

# umbra gets a wall-clock limit below ctest's, so that a hang is reported with the logs below.
timeout -k 5 "$timeout_s" "$umbra" config.yaml > umbra.log 2> umbra.stderr
rc=$?

exe=$(basename "$binary")
failed=0
why=()
if [ $rc -ne 0 ]; then
    failed=1
    why+=("umbra exited with status $rc$([ $rc -eq 124 ] && echo " (killed after ${timeout_s}s)")")
fi
shopt -s nullglob
outs=(shadow.data/hosts/*/"$exe".*.stdout)
if [ ${#outs[@]} -eq 0 ]; then
    failed=1
    why+=("no stdout file shadow.data/hosts/*/$exe.*.stdout")
fi
for f in "${outs[@]}"; do
    if [ "$(tail -n 1 "$f")" != "EXIT-SUCCESS" ]; then
        failed=1
        why+=("$f does not end with EXIT-SUCCESS")
    fi
done
if [ $failed -eq 0 ] && [ -n "$check" ]; then
    if ! bash "$check" "$work/shadow.data"; then
        failed=1
        why+=("check script $(basename "$check") failed")
    fi
fi

if [ $failed -eq 0 ]; then
    for f in "${outs[@]}"; do
        echo "== $f"
        cat "$f"
    done
    exit 0
fi

for w in "${why[@]}"; do echo "FAIL: $w"; done
echo "== config.yaml"
cat config.yaml
echo "== umbra stderr"
cat umbra.stderr
echo "== umbra log (last 30 lines)"
tail -n 30 umbra.log
for f in shadow.data/hosts/*/*.stdout shadow.data/hosts/*/*.stderr shadow.data/hosts/*/*.shimlog; do
    echo "== $f"
    cat "$f"
done
exit 1
