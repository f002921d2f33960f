#!/usr/bin/env bash
# Installs every Debian 12 package asynclock needs to build, test and run its demo.
# Safe to run again: it installs only what is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config clang clang-format
  # test scripts: JSON checks and the facts cache's integrity check
  python3 sqlite3
  # the memcheck test (tests/valgrind.sh)
  valgrind
  # the analyzer's own dependencies
  libclang-dev libsqlite3-dev libcjson-dev libcmocka-dev
  # real event-loop and blocking-library headers the fixtures compile against
  libuv1-dev libevent-dev libev-dev libglib2.0-dev
  libpq-dev libmariadb-dev libsqlite3-dev libcurl4-openssl-dev libhiredis-dev libssl-dev
  # the CI examples' tests: git for the pre-commit hook, python3-yaml to parse the workflows
  git python3 python3-yaml
  # the man page test: man --warnings renders it with groff; the completion test: both shells
  man-db groff-base bash-completion zsh
  # the package tests: cpack's dependency list (dpkg-shlibdeps, file), lintian, a clean root to install into
  dpkg-dev file lintian debootstrap
  # the editor test: Debian's Neovim, headless
  neovim
  # asynclock trace's tests: addr2line symbolizes the stacks, wrk loads the experiment's servers
  binutils wrk
)

bash "$(dirname "$0")/apt-install.sh" "${packages[@]}"
