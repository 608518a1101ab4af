# `umbra --help` lists every flag of compat.md section 4; `-h` hides the experimental ones;
# --version; exit statuses.
source "$(dirname "$0")/lib.sh" "$@"

"$UMBRA" --help > help.txt 2>&1; check "--help exits 0" [ $? -eq 0 ]
"$UMBRA" -h > short.txt 2>&1; check "-h exits 0" [ $? -eq 0 ]

general="--stop-time --seed --parallelism --bootstrap-end-time --log-level --heartbeat-interval
 --data-directory --template-directory --progress --model-unblocked-syscall-latency"
network="--use-shortest-path --host-log-level --pcap-enabled --pcap-capture-size"
experimental="--use-sched-fifo --use-syscall-counters --use-object-counters --use-preload-libc
 --use-preload-openssl-rng --use-preload-openssl-crypto --use-memory-manager --use-cpu-pinning
 --use-worker-spinning --runahead --use-dynamic-runahead --socket-send-buffer
 --socket-send-autotune --socket-recv-buffer --socket-recv-autotune --interface-qdisc
 --strace-logging-mode --max-unapplied-cpu-latency --unblocked-syscall-latency
 --unblocked-vdso-latency --scheduler --report-errors-to-stderr --use-new-tcp
 --native-preemption-enabled --native-preemption-native-interval --native-preemption-sim-interval"
toplevel="--gdb --debug-hosts --shm-cleanup --show-build-info --show-config --help --version"
shorts="-p, -l, -d, -e, -g, -h, -V,"

for f in $general $network $experimental $toplevel; do
    check "--help lists $f" grep -qE -- "$f([ =,]|\$)" help.txt
done
for f in $general $network $toplevel; do
    check "-h lists $f" grep -qE -- "$f([ =,]|\$)" short.txt
done
for f in $experimental; do
    check "-h hides experimental $f" bash -c "! grep -qE -- '$f([ =,]|\$)' short.txt"
done
for s in $shorts; do
    check "--help lists short form $s" grep -qF -- "$s" help.txt
done

"$UMBRA" --version > version.txt 2>&1; check "--version exits 0" [ $? -eq 0 ]
check "--version names umbra" grep -qE '^umbra [0-9]+\.[0-9]+\.[0-9]+' version.txt
"$UMBRA" -V > version2.txt 2>&1; check "-V is --version" cmp -s version.txt version2.txt
"$UMBRA" --show-build-info 2> info.txt; check "--show-build-info exits 0" [ $? -eq 0 ]
check "--show-build-info prints the version" grep -q "umbra" info.txt
"$UMBRA" --shm-cleanup 2> shm.txt; check "--shm-cleanup exits 0" [ $? -eq 0 ]
finish
