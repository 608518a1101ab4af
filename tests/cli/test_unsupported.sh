# An unsupported syscall fails with ENOSYS every time and umbra logs one warning naming it
# (issue 3, done-when 8). Args: umbra binary, source dir.
source "$(dirname "$0")/lib.sh" "$@"
source "$SRC/tests/syscall/cli_lib.sh"

prog=$(helper unsupported_call)
run_case unsupported <<EOF2
general: { stop_time: 10 s }
network: { graph: { type: 1_gbit_switch } }
hosts:
  testhost:
    network_node_id: 0
    processes:
      - path: $prog
EOF2
d="$WORK/unsupported"
out="$d/shadow.data/hosts/testhost/unsupported_call.1000.stdout"
check "umbra exits 0 (got $RC)" [ "$RC" -eq 0 ]
check "both calls fail with ENOSYS" [ "$(grep -c 'mq_unlink: -1 ENOSYS' "$out")" -eq 2 ]
check "one warning naming mq_unlink (got $(grep -c 'unsupported syscall mq_unlink' "$d/log.txt"))" \
    [ "$(grep -c 'WARN.*unsupported syscall mq_unlink (241)' "$d/log.txt")" -eq 1 ]
finish
