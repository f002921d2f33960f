#!/usr/bin/env bash
# Installs every Debian 12 package asynclock needs to build, test and run its demo.
# Safe to run again: it installs only what is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config clang clang-format
  # the analyzer's own dependencies
  libclang-dev libsqlite3-dev libcjson-dev libcmocka-dev
  # real event-loop and blocking-library headers the fixtures compile against
  libuv1-dev libevent-dev libev-dev libglib2.0-dev
  libpq-dev libmariadb-dev libsqlite3-dev libcurl4-openssl-dev libhiredis-dev libssl-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "asynclock: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
