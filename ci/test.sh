#!/usr/bin/env bash
# The README's second command (and .ci/run): install what is missing, build, run every test; then
# build again with AddressSanitizer and UBSan and run every test again under them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh build
(cd build && ctest --output-on-failure -j"$(nproc)")
bash ci/build.sh build-asan -DUMBRA_SANITIZE=ON
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$(nproc)")
