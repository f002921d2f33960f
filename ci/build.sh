#!/usr/bin/env bash
# Configures and builds asynclock: ci/build.sh BUILD_DIR [extra cmake arguments...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$1"
shift
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASYNCLOCK_TESTS=ON -DASYNCLOCK_BENCH=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
