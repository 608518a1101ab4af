# Real programs give their native output under umbra (issue 4, done-when 2): a bash pipeline,
# command substitution and wait; python3 subprocess, threading and multiprocessing; make -j2.
# Each command runs natively and as a managed process; their stdout must be equal.
# Args: umbra binary, source dir.
source "$(dirname "$0")/lib.sh" "$@"
source "$SRC/tests/syscall/cli_lib.sh"

mkdir -p mk
cat > mk/Makefile <<'MK'
all: a.out b.out c.out
	@cat a.out b.out c.out
%.out:
	@sleep 1; echo $@ > $@
MK

# name | program | args (a YAML flow sequence)
cases=(
  "pipeline|/bin/bash|[\"-c\", \"seq 1 100000 | sort -n | tail -1\"]"
  "subst_wait|/bin/bash|[\"-c\", \"x=\$(echo hi; sleep 1); echo \$x; sleep 2 & sleep 1 & wait; echo waited \$?\"]"
  "subprocess|$(command -v python3)|[\"-c\", \"import subprocess; print(subprocess.run(['bash','-c','echo a; sleep 1; seq 3'], capture_output=True, text=True).stdout.split())\"]"
  "threading|$(command -v python3)|[\"-c\", \"import threading, queue\\nq = queue.Queue()\\nts = [threading.Thread(target=lambda i=i: q.put(i * i)) for i in range(16)]\\n[t.start() for t in ts]\\n[t.join() for t in ts]\\nprint(sorted(q.get() for _ in range(16)))\"]"
  "multiprocessing|$(command -v python3)|[\"-c\", \"import multiprocessing as mp\\ndef f(x):\\n    return x * x\\nif __name__ == '__main__':\\n    with mp.Pool(2) as p:\\n        print(p.map(f, range(20)))\"]"
  "asyncio|$(command -v python3)|[\"-c\", \"import asyncio\\nasync def main():\\n    p = await asyncio.create_subprocess_exec('seq', '3', stdout=asyncio.subprocess.PIPE)\\n    out, _ = await p.communicate()\\n    await asyncio.sleep(0.5)\\n    print(out.split(), p.returncode)\\nasyncio.run(main())\"]"
  "make|$(command -v make)|[\"-s\", \"-j2\", \"-B\", \"-C\", \"$WORK/mk\"]"
)

for c in "${cases[@]}"; do
    IFS='|' read -r name prog args <<< "$c"
    # Native reference: the same argv through python3's yaml-free parse (json is a YAML subset).
    native=$(python3 -c "import json, subprocess, sys; a = json.loads(sys.argv[2]); sys.stdout.write(subprocess.run([sys.argv[1]] + a, capture_output=True, text=True, env={'PATH': '/usr/bin:/bin'}).stdout)" "$prog" "$args")
    run_case "$name" <<YAML
general: { stop_time: 1 h }
network: { graph: { type: 1_gbit_switch } }
hosts:
  testhost:
    network_node_id: 0
    processes:
      - path: $prog
        args: $args
        environment: { PATH: "/usr/bin:/bin" }
YAML
    d="$WORK/$name"
    check "$name: umbra exits 0 (got $RC: $(tail -2 "$d/err.txt" | tr '\n' '|'))" [ "$RC" -eq 0 ]
    out=$(cat "$d"/shadow.data/hosts/testhost/*.1000.stdout 2>/dev/null)
    check "$name: output '$out' equals the native '$native'" [ -n "$native" ] && [ "$out" = "$native" ]
done
# Nothing outlives a normal run: a background grandchild still running at stop_time is killed
# with its parent (umbra, their native parent, reaps them all).
run_case leftovers <<YAML
general: { stop_time: 30 s }
network: { graph: { type: 1_gbit_switch } }
hosts:
  testhost:
    network_node_id: 0
    processes:
      - path: /bin/bash
        args: [ "-c", "sleep 4242 & sleep 4343 & echo started; wait" ]
        expected_final_state: running
YAML
check "leftovers: umbra exits 0 (got $RC)" [ "$RC" -eq 0 ]
check "leftovers: the program ran" grep -qx started "$WORK/leftovers/shadow.data/hosts/testhost/bash.1000.stdout"
check "leftovers: no process left" bash -c '! pgrep -f "sleep 4[23]4[23]" > /dev/null'
finish
