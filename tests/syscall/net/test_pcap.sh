#!/usr/bin/env bash
# pcap capture (issue 5): runs pcap.yaml.in twice, with one worker and with two; both runs must
# succeed, check_pcap.py must accept the first run's capture files, and the two runs' pcap files
# must be byte-identical.
# Usage: test_pcap.sh UMBRA TEST_BINARY CONFIG_TEMPLATE CHECK_PY
set -uo pipefail
umbra=$(realpath "$1") binary=$(realpath "$2") template=$(realpath "$3") check=$(realpath "$4")
work=$(mktemp -d /tmp/umbra-pcap.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
content=$(< "$template")
content=${content//@BINARY_DIR@/$(dirname "$binary")}
content=${content//@BINARY@/$binary}
printf '%s\n' "$content" > config.yaml
status=0
for p in 1 2; do
    if ! timeout -k 5 60 "$umbra" -p "$p" -d "run$p" config.yaml > "log$p" 2> "err$p"; then
        echo "run with parallelism $p failed:"; cat "err$p"; tail -20 "log$p"; exit 1
    fi
    for f in run$p/hosts/*/*.stdout; do
        [ "$(tail -n 1 "$f")" = EXIT-SUCCESS ] || { echo "$f:"; cat "$f"; status=1; }
    done
done
python3 "$check" run1 || status=1
# A second reader, where one is installed: tcpdump must find the client's 12 eth0 packets with
# sound UDP checksums (the ICMP's quote included) and nothing malformed anywhere.
if command -v tcpdump > /dev/null; then
    out=$(tcpdump -nn -vv -r run1/hosts/client/eth0.pcap 2>&1)
    ok=$(grep -c 'udp sum ok' <<< "$out")
    [ "$ok" -eq 11 ] || { echo "tcpdump: $ok 'udp sum ok' in client/eth0.pcap, wanted 11:"; echo "$out"; status=1; }
    grep -q 'udp port 7778 unreachable' <<< "$out" || { echo "tcpdump: no ICMP port unreachable"; status=1; }
    for f in run1/hosts/*/*.pcap; do
        if tcpdump -nn -vv -r "$f" 2>&1 | grep -Eiq 'bad (udp |)cksum|invalid|\[\|'; then
            echo "tcpdump: $f has malformed packets:"; tcpdump -nn -vv -r "$f" 2>&1 | head; status=1
        fi
    done
    echo "tcpdump read the files: $ok UDP checksums verified in client/eth0.pcap"
else
    echo "tcpdump not installed: the pcap files were not cross-checked with it"
fi
n=0
for f in run1/hosts/*/*.pcap; do
    g=run2/${f#run1/}
    n=$((n + 1))
    cmp -s "$f" "$g" || { echo "differs between runs: ${f#run1/}"; status=1; }
done
n2=$(ls run2/hosts/*/*.pcap | wc -l)
[ "$n" -eq 4 ] && [ "$n2" -eq 4 ] || { echo "expected 4 pcap files per run, found $n and $n2"; status=1; }
[ $status -eq 0 ] && echo "identical: $n pcap files"
exit $status
