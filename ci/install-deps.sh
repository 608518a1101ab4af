#!/usr/bin/env bash
# Installs what umbra needs to build and test on Debian 12, only if something is missing.
# Needs root (or sudo) the first time; later runs find everything and install nothing.
set -euo pipefail

packages=(gcc make cmake pkg-config libglib2.0-dev libyaml-dev libigraph-dev liblzma-dev check
          diffutils procps iproute2
          python3 curl tshark iperf3 nginx-light)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ci/install-deps.sh: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
