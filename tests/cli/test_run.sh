# Good runs: both examples load and run to their stop time; config from stdin; --show-config;
# processed-config.yaml loads again to the same config; templates; heartbeats; -d.
source "$(dirname "$0")/lib.sh" "$@"

for ex in switch multi-node; do
    rm -rf shadow.data
    "$UMBRA" "$SRC/examples/$ex.yaml" > log.txt 2> err.txt
    check "$ex: exit 0" [ $? -eq 0 ]
    check "$ex: start banner" grep -qx "\*\* Starting umbra [0-9.]*" err.txt
    check "$ex: success banner" grep -qx "\*\* umbra completed successfully" err.txt
    check "$ex: finished at stop time" grep -q "Finished simulation at simtime" log.txt
    check "$ex: processed-config.yaml" [ -s shadow.data/processed-config.yaml ]
    check "$ex: log lines in Shadow's format" grep -qE \
        '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} \[[0-9]+:[a-z-]+\] (n/a|[0-9:.]+) \[INFO\] \[[^]]+\] \[[a-z_]+\.c:[0-9]+\] \[[a-zA-Z_]+\] ' log.txt
    # The processed config is itself a valid config that gives the same processed config.
    mkdir -p again && (cd again && rm -rf shadow.data &&
        "$UMBRA" ../shadow.data/processed-config.yaml > log.txt 2> err.txt)
    check "$ex: processed-config.yaml runs again" [ $? -eq 0 ]
    check "$ex: processed config is a fixed point" \
        cmp -s shadow.data/processed-config.yaml again/shadow.data/processed-config.yaml
    rm -rf again
done
check "multi-node: hosts directories" [ -d shadow.data/hosts/web ] && [ -d shadow.data/hosts/alice ]

# The switch example: addresses in hostname order from 11.0.0.1 and its heartbeats.
rm -rf shadow.data
"$UMBRA" "$SRC/examples/switch.yaml" > log.txt 2>/dev/null
check "client1 is 11.0.0.1" grep -q "host 0 'client1': address 11.0.0.1" log.txt
check "server is 11.0.0.3" grep -q "host 2 'server': address 11.0.0.3" log.txt
check "hosts directories" [ -d shadow.data/hosts/server ] && [ -d shadow.data/hosts/client2 ]

# Config from stdin, overrides from the command line, another data directory.
"$UMBRA" -d out2 --stop-time 25s --heartbeat-interval 1s - < "$SRC/examples/multi-node.yaml" \
    > log.txt 2> err.txt
check "stdin config: exit 0" [ $? -eq 0 ]
check "stdin config: -d honoured" [ -s out2/processed-config.yaml ]
check "stdin config: --stop-time override" grep -q "Finished simulation at simtime 25000000000 ns" log.txt
check "stdin config: override in processed config" grep -qE "stop_time: .?25 sec" out2/processed-config.yaml

# --show-config prints the merged config and exits 0 without creating anything.
rm -rf shadow.data
"$UMBRA" --show-config --seed 7 "$SRC/examples/multi-node.yaml" > out.txt 2> shown.txt
check "--show-config exits 0" [ $? -eq 0 ]
check "--show-config shows the override" grep -qE "seed: 7" shown.txt
check "--show-config shows merged hosts" grep -q "alice" shown.txt
check "--show-config shows defaults" grep -q "use_shortest_path" shown.txt
check "--show-config creates nothing" [ ! -e shadow.data ]

# A template directory is copied into the data directory first.
mkdir -p tmpl/hosts/web && echo hello > tmpl/hosts/web/index.html && echo x > tmpl/top.txt
rm -rf shadow.data
"$UMBRA" -e tmpl "$SRC/examples/multi-node.yaml" > log.txt 2> err.txt
check "template: exit 0" [ $? -eq 0 ]
check "template: files copied" grep -qx hello shadow.data/hosts/web/index.html && [ -f shadow.data/top.txt ]
check "template: hosts created" [ -d shadow.data/hosts/bob ]

# Heartbeats: the multi-node example runs 2 min with 30 s heartbeats but has no events before
# 10 s; a 1 s interval run of the switch example with processes gives heartbeat lines.
rm -rf shadow.data
"$UMBRA" --heartbeat-interval 1s "$SRC/examples/switch.yaml" > log.txt 2>/dev/null
check "heartbeat rusage line" grep -qE "Process resource usage at simtime [0-9]+ reported by getrusage\(\): ru_maxrss=[0-9]+\.[0-9]{3} GiB, ru_utime=[0-9]+\.[0-9]{3} minutes, ru_stime=[0-9]+\.[0-9]{3} minutes, ru_nvcsw=[0-9]+, ru_nivcsw=[0-9]+$" log.txt
check "heartbeat meminfo line" grep -qE 'System memory usage in bytes at simtime [0-9]+ ns reported by /proc/meminfo: \{"mem_total":[0-9]+,' log.txt

# --progress prints the status line on stderr.
rm -rf shadow.data
"$UMBRA" --progress true "$SRC/examples/switch.yaml" > log.txt 2> err.txt
check "progress line" grep -qE "100% .* simulated: 00:00:30.000/00:00:30, realtime: [0-9:]+, processes failed: 0" err.txt
# The clock example (issue 3, done-when 1): a bash loop of date and sleep 10 started at 1 s sees
# 946684801, +10, +20, and an hour-long sleep ends normally (bench/clock_example.sh times it).
rm -rf shadow.data
"$UMBRA" -l debug "$SRC/examples/clock.yaml" > log.txt 2> err.txt
check "clock example: exit 0" [ $? -eq 0 ]
check "clock example: date loop" [ "$(cat shadow.data/hosts/clock/bash.1000.stdout)" = "$(printf '946684801\n946684811\n946684821')" ]
check "clock example: sleep 3600 ended at 3600 s" \
    grep -q " 01:00:00.000000000 \[DEBUG\] \[sleeper:.*process 'sleeper.sleep.1000' exited with status {exited: 0}" log.txt

# sim-stats.json (compat.md 3.1): syscall totals by name and balanced object counts; counting off
# leaves the syscalls object empty.
json=shadow.data/sim-stats.json
check "sim-stats.json: nanosleep counted" grep -qE '^    "nanosleep": [1-9][0-9]*,?$' "$json"
check "sim-stats.json: wait4 counted" grep -qE '^    "wait4": [1-9][0-9]*,?$' "$json"
check "sim-stats.json: processes allocated" grep -qE '^      "Process": [1-9]' "$json"
check "sim-stats.json: objects balance" python3 -c \
    "import json,sys; o = json.load(open(sys.argv[1]))['objects']; assert o['alloc_counts'] == o['dealloc_counts']" "$json"
check "sim-stats.json: valid JSON" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$json"
check "no leak reported" bash -c '! grep -q "Memory leak detected" log.txt'
rm -rf shadow.data
"$UMBRA" --use-syscall-counters false "$SRC/examples/clock.yaml" > log.txt 2> err.txt
check "sim-stats.json: no syscall counts when off" \
    python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['syscalls'] == {}" "$json"

# The log, minus the wall-clock and thread columns, is the same at parallelism 1 and 2 and across
# runs (host records are buffered per host and flushed in host order).
cp "$SRC/tests/determinism/graph.gml" .
for p in 1 2 2; do
    rm -rf shadow.data
    "$UMBRA" -p $p -l debug --heartbeat-interval null "$SRC/tests/determinism/config.yaml" \
        2>/dev/null | cut -d' ' -f3- | grep -v "worker threads" > "log-p$p.txt"
done
check "log identical at parallelism 1 and 2" cmp -s log-p1.txt log-p2.txt
check "log is not empty" [ "$(wc -l < log-p1.txt)" -gt 120 ]
finish
