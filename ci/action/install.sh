#!/usr/bin/env bash
# Builds asynclock from this checkout as a Debian package and installs it with apt, which brings
# its declared dependencies: the install step of the GitHub action (action.yml) and of the GitLab
# template (ci/gitlab/asynclock.yml). Runs on Debian and Ubuntu, as root or through sudo.
#   bash ci/action/install.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config libclang-dev libsqlite3-dev libcjson-dev dpkg-dev file >/dev/null
build="${RUNNER_TEMP:-/tmp}/asynclock-build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DASYNCLOCK_TESTS=OFF -DASYNCLOCK_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
(cd "$build" && cpack -G DEB >/dev/null)
$SUDO apt-get install -y -qq "$(ls "$build"/asynclock_*.deb)" >/dev/null
asynclock --version | head -2
