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

# A statically linked binary cannot be intercepted: exec'ing one is refused with ENOEXEC (bash
# reports 126) and one warning, where Linux would run it.
static_bin="$SRC/tests/fixtures/static-exit"
run_case static_exec <<EOF2
general: { stop_time: 10 s }
network: { graph: { type: 1_gbit_switch } }
hosts:
  testhost:
    network_node_id: 0
    processes:
      - path: /bin/bash
        args: [ "-c", "$static_bin; echo rc=\$?" ]
EOF2
d="$WORK/static_exec"
check "static exec: umbra exits 0 (got $RC)" [ "$RC" -eq 0 ]
check "static exec: refused with ENOEXEC (bash: 126)" grep -qx "rc=126" "$d/shadow.data/hosts/testhost/bash.1000.stdout"
check "static exec: one warning" [ "$(grep -c 'WARN.*statically linked binary refused' "$d/log.txt")" -eq 1 ]
finish
