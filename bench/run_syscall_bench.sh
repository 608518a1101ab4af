#!/usr/bin/env bash
# Syscall cost natively and under umbra (issue 3, "Done when" 7). Prints, per operation, ns per
# call natively and under umbra, the ratio, and the target for the umbra figure.
# Usage: bench/run_syscall_bench.sh [UMBRA_BINARY [SYSCALL_BENCH_BINARY]]
#   defaults: build/umbra and bench/syscall_bench next to it. SCALE=<n> in the environment
#   multiplies the iteration counts (default 1); WALL=1 times the umbra runs from outside even when
#   rdtsc works there (a cross-check).
#
# Under umbra the clocks are simulated, so syscall_bench times calls with rdtsc, converted with the
# TSC rate measured natively first (syscall_bench --calibrate). If the umbra run reports that rdtsc
# does not count real cycles there, each operation is timed from outside instead: the wall time of
# an umbra run doing it 2*SCALE times the usual count minus that of an empty run (marked "wall").
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
umbra=$(realpath "${1:-$src/build/umbra}")
bench=$(realpath "${2:-$(dirname "$umbra")/bench/syscall_bench}")
scale=${SCALE:-1}
[ -x "$umbra" ] || { echo "no umbra binary at $umbra"; exit 2; }
[ -x "$bench" ] || { echo "no syscall_bench binary at $bench"; exit 2; }
work=$(mktemp -d /tmp/umbra-syscall-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

cal=$(env -u UMBRA_SIMULATED "$bench" --calibrate) || { echo "calibration failed"; exit 1; }
rate=$(sed -n 's/^cycles_per_ns=//p' <<< "$cal")
ref=$(sed -n 's/^ref_cycles=//p' <<< "$cal")
echo "TSC: $rate cycles/ns (measured natively against CLOCK_MONOTONIC over 200 ms)"

mkdir native && (cd native && env -u UMBRA_SIMULATED "$bench" "$rate" "$ref" "$scale" > out.txt) ||
    { echo "native run failed"; cat native/out.txt; exit 1; }

run_umbra() { # run_umbra DIR ARGS...: runs syscall_bench under umbra in DIR; prints its stdout path
    local dir=$1 args="" a
    shift
    for a in "$@"; do args+="\"$a\", "; done
    mkdir -p "$dir"
    cat > "$dir/config.yaml" <<YAML
general:
  stop_time: 1 h
network:
  graph:
    type: 1_gbit_switch
hosts:
  benchhost:
    network_node_id: 0
    processes:
      - path: "$bench"
        args: [ ${args%, } ]
YAML
    (cd "$dir" && "$umbra" config.yaml > umbra.log 2> umbra.stderr) ||
        { echo "umbra run in $dir failed:" >&2; cat "$dir/umbra.stderr" >&2; return 1; }
    echo "$dir/shadow.data/hosts/benchhost/$(basename "$bench").1000.stdout"
}

out=$(run_umbra umbra "$rate" "$ref" "$scale") || exit 1
grep -q '^EXIT-SUCCESS$' "$out" || { echo "syscall_bench did not finish under umbra:"; cat "$out"; exit 1; }

ns_of() { sed -n "s/^op=$2 .* ns=\([0-9.]*\) .*/\1/p" "$1"; }
declare -A umbra_ns method
for op in time fastpath trap write; do
    umbra_ns[$op]=$(ns_of "$out" $op)
    method[$op]=rdtsc
done

if grep -q '^rdtsc=unreliable' "$out" || [ -n "${WALL:-}" ]; then
    echo "timing umbra runs from outside ($(grep rdtsc "$out" | tr '\n' ' '))"
    big=$(awk -v s="$scale" 'BEGIN { print s * 2 }')
    wall() { # wall DIR ARGS...: ns of wall time of one umbra run
        local t0 t1
        t0=$(date +%s%N)
        run_umbra "$@" > /dev/null || return 1
        t1=$(date +%s%N)
        echo $((t1 - t0))
    }
    base=$(wall base "$rate" "$ref" 0) || exit 1
    for op in time fastpath trap write; do
        t=$(wall "ext-$op" "$rate" "$ref" "$big" "$op") || exit 1
        iters=$(sed -n "s/^op=$op iters=\([0-9]*\) .*/\1/p" "ext-$op"/shadow.data/hosts/benchhost/*.stdout)
        umbra_ns[$op]=$(awk -v t="$t" -v b="$base" -v n="$iters" 'BEGIN { printf "%.1f", (t - b) / n }')
        method[$op]=wall
    done
fi

echo "(median of 5 rounds; umbra min..max per round: $(for op in time fastpath trap write; do
    printf '%s %s..%s  ' $op "$(sed -n "s/^op=$op .* min=\([0-9.]*\) max=\([0-9.]*\)/\1/p" "$out")" \
        "$(sed -n "s/^op=$op .* max=//p" "$out")"; done))"
printf '\n%-44s %10s %10s %8s %14s\n' "operation" "native ns" "umbra ns" "ratio" "target (umbra)"
declare -A label=(
    [time]="time call: clock_gettime(CLOCK_MONOTONIC)"
    [fastpath]="emulated, libc fast path: getppid()"
    [trap]="emulated, trap: raw syscall getppid"
    [write]="native passthrough: write 1 B to a file"
)
declare -A target=([time]=50 [fastpath]=1500 [trap]=3000 [write]="")
for op in time fastpath trap write; do
    n=$(ns_of native/out.txt $op)
    u=${umbra_ns[$op]}
    ratio=$(awk -v n="$n" -v u="$u" 'BEGIN { if (n > 0) printf "%.1fx", u / n; else print "-" }')
    if [ -n "${target[$op]}" ]; then
        verdict=$(awk -v u="$u" -v t="${target[$op]}" 'BEGIN { print (u <= t) ? "ok" : "MISSED" }')
        tgt="<= ${target[$op]} $verdict"
    else
        tgt="-"
    fi
    m=""
    [ "${method[$op]}" = wall ] && m=" (wall)"
    printf '%-44s %10s %10s %8s %14s%s\n' "${label[$op]}" "$n" "$u" "$ratio" "$tgt" "$m"
done
