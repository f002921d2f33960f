#!/usr/bin/env bash
# lintian on the package that tests/package_deb.sh built: no error and no warning (informational
# tags are printed, not failed on). A copy without its copyright file must fail, so a lintian that
# checks nothing cannot pass this test.
#
#   bash tests/package_lintian.sh PACKAGE_DIR
set -u
dir=$(cd "$1" && pwd -P)
work="$dir/lintian"
rm -rf "$work" && mkdir -p "$work"
# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"

if ! command -v lintian >/dev/null; then
  echo "FAIL: lintian is missing: bash ci/apt-install.sh lintian (ci/deps.sh installs it)"
  exit 1
fi
started=$(date +%s%N)
lintian --fail-on error,warning --display-info "$dir/asynclock.deb" >"$work/lintian.txt" 2>"$work/lintian.err"
lintian_rc=$?
echo "lintian $(lintian --version | awk '{print $2}') in $((($(date +%s%N) - started) / 1000000)) ms:"
sed 's/^/  /' "$work/lintian.txt"
expect "lintian: no error, no warning" "exit $lintian_rc: $(grep -E '^[EW]:' "$work/lintian.txt" | head -5) $(head -c 300 "$work/lintian.err")" \
  eval '[ "$lintian_rc" -eq 0 ] && ! grep -qE "^[EW]:" "$work/lintian.txt"'

dpkg-deb -R "$dir/asynclock.deb" "$work/broken"
rm "$work/broken/usr/share/doc/asynclock/copyright"
sed -i '\|usr/share/doc/asynclock/copyright$|d' "$work/broken/DEBIAN/md5sums"
dpkg-deb -b "$work/broken" "$work/broken.deb" >/dev/null
lintian --fail-on error,warning "$work/broken.deb" >"$work/broken.txt" 2>&1
broken_rc=$?
expect "lintian fails a package without its copyright file" "exit $broken_rc: $(head -3 "$work/broken.txt")" \
  eval '[ "$broken_rc" -ne 0 ] && grep -q "^E: asynclock: no-copyright-file" "$work/broken.txt"'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
