#!/usr/bin/env bash
# Installs what the HTML report's browser test (tests/html_browser_test.js) and bench/html_10k.sh
# need: Debian 12's chromium (with a font, for readable screenshots), node and npm, and
# playwright-core (the driver only: it never downloads a browser of its own; the test launches
# /usr/bin/chromium) under build/node-browser. Safe to run again: it installs only what is missing.
# Needs root (or sudo).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
playwright_version="1.65.1" # npm view playwright-core version

packages=(chromium fonts-dejavu-core)
# node and npm by command: a nodejs package of another origin may bundle npm (and conflict with Debian's)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
bash "$root/ci/apt-install.sh" "${packages[@]}"

prefix="$root/build/node-browser"
installed="$(node -p "try { require('$prefix/node_modules/playwright-core/package.json').version } catch (e) { '' }")"
if [ "$installed" != "$playwright_version" ]; then
  echo "asynclock: installing playwright-core@$playwright_version in $prefix" >&2
  mkdir -p "$prefix"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$prefix" --no-audit --no-fund --silent \
    "playwright-core@$playwright_version"
fi
