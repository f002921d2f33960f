#!/usr/bin/env bash
# Installs the Node.js tools the report-validation tests use, on Debian 12:
#   - nodejs and npm from Debian, when `node` or `npm` is missing (needs root or sudo);
#   - the official SARIF Multitool (@microsoft/sarif-multitool) and ajv-cli, pinned, from the npm
#     registry into BUILD_DIR/node (default: build/node), never into the repository.
# Safe to run again: it installs only what is missing.
#   bash ci/deps-node.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
prefix="$build/node"

SARIF_MULTITOOL_VERSION="5.7.0"
AJV_CLI_VERSION="5.0.0"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  bash "$root/ci/apt-install.sh" nodejs npm
fi

installed_version() { # package name -> version installed under $prefix, or nothing
  local manifest="$prefix/node_modules/$1/package.json"
  [ -f "$manifest" ] && node -p "require(process.argv[1]).version" "$manifest" 2>/dev/null || true
}

if [ "$(installed_version @microsoft/sarif-multitool)" = "$SARIF_MULTITOOL_VERSION" ] &&
   [ "$(installed_version ajv-cli)" = "$AJV_CLI_VERSION" ] &&
   [ -x "$prefix/node_modules/.bin/sarif-multitool" ] && [ -x "$prefix/node_modules/.bin/ajv" ]; then
  exit 0
fi
mkdir -p "$prefix"
echo "asynclock: installing @microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION ajv-cli@$AJV_CLI_VERSION into $prefix" >&2
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
  "@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION" "ajv-cli@$AJV_CLI_VERSION" >&2
