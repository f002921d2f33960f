#!/usr/bin/env bash
# Installs the package that tests/package_deb.sh built with `dpkg -i` into a clean Debian root and
# runs asynclock there on the demo the package ships, from the installed files only.
#
# The root is a minimal Debian (debootstrap --variant=minbase, the host's release) holding only the
# package's declared dependencies and what the demo's code needs (libc6-dev, libuv1-dev): a
# dependency the package forgets is missing there, and `dpkg -i` or asynclock fails. Made once and
# kept as a tarball in CACHE_DIR (keyed by that package list; the first time downloads about 85 MB
# and takes about a minute), then unpacked fresh for every run. Commands run in it through chroot,
# with /proc mounted in a private mount namespace (unshare), so nothing outlives the test. Needs root.
#
#   bash tests/package_install.sh PACKAGE_DIR WORK_DIR CACHE_DIR FIXTURE_CHECK
set -u
pkgdir=$(cd "$1" && pwd -P)
rm -rf "$2" && mkdir -p "$2" "$3"
work=$(cd "$2" && pwd -P)
cache=$(cd "$3" && pwd -P)
checker=$(realpath "$4")
# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"
finish() {
  echo "$passed passed, $failed failed"
  rm -rf "$work/root"
  [ "$failed" -eq 0 ]
  exit
}

if [ "$(id -u)" -ne 0 ] || ! command -v debootstrap >/dev/null; then
  fail "root and debootstrap" "chroot and debootstrap need root, and debootstrap (ci/deps.sh installs it)"
  finish
fi

# ---- the clean root: minbase + the package's dependencies + the demo's headers ----
deb="$pkgdir/asynclock.deb"
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/ //g' | grep -v '^$' | sort -u)
packages=$(printf '%s\n' $depends libc6-dev libuv1-dev | sort -u | paste -sd, -)
release=$(. /etc/os-release && echo "$VERSION_CODENAME")
key=$(printf '%s %s %s' "$release" "$(dpkg --print-architecture)" "$packages" | sha256sum | cut -c1-16)
tarball="$cache/root-$release-$key.tar"
started=$(date +%s)
if [ ! -f "$tarball" ]; then
  echo "making the clean root: debootstrap --variant=minbase --include=$packages $release (once; cached in $cache)"
  rm -rf "$cache/root.new"
  mkdir -p "$cache/debs"
  if ! debootstrap --variant=minbase --cache-dir="$cache/debs" --include="$packages" "$release" "$cache/root.new" \
    >"$work/debootstrap.log" 2>&1; then
    fail "debootstrap a clean $release root" "$(tail -5 "$work/debootstrap.log")"
    rm -rf "$cache/root.new"
    finish
  fi
  tar --numeric-owner -C "$cache/root.new" -cf "$tarball.new" . && mv "$tarball.new" "$tarball"
  rm -rf "$cache/root.new"
fi
root="$work/root"
mkdir -p "$root"
tar --numeric-owner -C "$root" -xpf "$tarball"
echo "clean root ready in $(($(date +%s) - started)) s: $release, minbase + $packages"

# in_root COMMAND...: runs in the root, /proc mounted for it alone, a plain environment.
in_root() {
  unshare --mount --propagation private -- sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$root" \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}
out="$work/stdout.txt"
err="$work/stderr.txt"
run_root() { # like check_helpers' run, in the root
  in_root "$@" >"$out" 2>"$err"
  rc=$?
}

run_root sh -c 'command -v asynclock; ls /usr/share/asynclock'
expect "the clean root has no asynclock before the install" "$(cat "$out")" eval '[ "$rc" -ne 0 ] && [ ! -s "$out" ]'
cp "$deb" "$root/tmp/asynclock.deb"
run_root dpkg -i /tmp/asynclock.deb
expect "dpkg -i installs the package: its dependencies are all there" "exit $rc: $(tail -3 "$err")" rc_is 0
run_root dpkg-query -W -f '${Status}' asynclock
expect "dpkg knows it installed" "$(cat "$out")" eval '[ "$(cat "$out")" = "install ok installed" ]'

run_root asynclock --version
version=$(dpkg-deb -f "$deb" Version)
expect "asynclock --version: $version, its libclang, the installed packs" "$(cat "$out" "$err")" \
  eval '[ "$rc" -eq 0 ] && grep -qx "asynclock $version" "$out" && grep -q "^libclang: built with LLVM" "$out" &&
        grep -qx "rule packs: /usr/share/asynclock/rules" "$out" &&
        [ "$(grep -c " APIs  digest " "$out")" -eq "$(ls "$root"/usr/share/asynclock/rules/*.json | wc -l)" ]'
if [ "$(dpkg --print-architecture)" = amd64 ]; then
  expect "asynclock --version names the installed trace shim" "$(cat "$out")" \
    has_line "$out" "trace shim: /usr/lib/asynclock/trace/libasynclock-trace.so"
  # the shim preloaded into a program of the root: it loads, and the (empty) trace is written
  run_root asynclock trace -o /tmp/true.json -- true
  expect "asynclock trace runs a program with the installed shim" "exit $rc: $(head -c 300 "$err")" \
    eval '[ "$rc" -eq 0 ] && grep -qx "asynclock: trace: 0 blocking call sites (0 calls) on 0 loop threads; written: /tmp/true.json" "$err" &&
          grep -q "\"kind\":[[:space:]]*\"asynclock-trace\"" "$root/tmp/true.json"'
fi
run_root asynclock rules show getaddrinfo
expect "asynclock rules show getaddrinfo reads the installed packs" "$(head -3 "$out" "$err")" \
  eval '[ "$rc" -eq 0 ] && grep -q "^getaddrinfo  \[dns," "$out"'

# ---- the demo the package ships, analyzed from the installed files only ----
run_root cp -r /usr/share/doc/asynclock/examples/demo /tmp/demo
units=()
for c in "$root"/tmp/demo/*.c; do
  units+=("{\"directory\": \"/tmp/demo\", \"file\": \"$(basename "$c")\", \"arguments\": [\"cc\", \"-c\", \"$(basename "$c")\"]}")
done
write_db "$root/tmp/demo" "${units[@]}"
run_root asynclock check -p /tmp/demo -f json -o /tmp/demo/report.json
expect "asynclock check on the demo: exit 1 (findings), nothing on standard error" "exit $rc: $(head -c 400 "$err")" \
  eval '[ "$rc" -eq 1 ] && [ ! -s "$err" ]'
# the report names the files as the root sees them; the checker reads them from outside it
sed "s|\"/tmp/demo/|\"$root/tmp/demo/|g" "$root/tmp/demo/report.json" >"$work/report.json"
"$checker" "$work/report.json" "$root/tmp/demo" 1 >"$work/checker.txt" 2>&1
checker_rc=$?
expect "the demo's findings are exactly the expect: comments of its sources, no parse error" \
  "$(head -c 600 "$work/checker.txt")" eval '[ "$checker_rc" -eq 0 ]'
run_root sh -c 'cd /tmp/demo && asynclock check -p .'
expected=$(cat "$root"/tmp/demo/*.c | grep -c 'expect:')
expect "text output ends with the count of the $expected expected findings" "$(tail -1 "$out")" \
  eval '[ "$rc" -eq 1 ] && tail -1 "$out" | grep -qE "^asynclock: $expected findings \(.*\) from [0-9]+ handlers in [0-9]+ translation units$" &&
        grep -q "^dns_client.c:[0-9]*:[0-9]*: error: blocking call .getaddrinfo. in event-loop handler" "$out"'

# Without libclang's builtin headers (the dependency dpkg-shlibdeps cannot see) the demo does not parse.
builtin_headers=$(tr ',' '\n' <<<"$(dpkg-deb -f "$deb" Depends)" | grep -o 'libclang-common-[0-9]*-dev' | head -1)
run_root dpkg -r --force-depends "$builtin_headers"
run_root asynclock check -p /tmp/demo --no-cache -q -f json -o /tmp/demo/headless.json
expect "without $builtin_headers the units do not parse (why the package depends on it)" "exit $rc" \
  eval '[ -n "$builtin_headers" ] && grep -qE "\"parse_errors\":[[:space:]]*[1-9]" "$root/tmp/demo/headless.json" &&
        grep -q "stddef.h'"'"' file not found" "$root/tmp/demo/headless.json"'

run_root dpkg -r asynclock
expect "dpkg -r removes the binary, the packs, the man page and the trace shim" "exit $rc: $(tail -2 "$err")" \
  eval '[ "$rc" -eq 0 ] && [ ! -e "$root/usr/bin/asynclock" ] && [ ! -e "$root/usr/share/asynclock" ] &&
        [ ! -e "$root/usr/share/man/man1/asynclock.1.gz" ] && [ ! -e "$root/usr/lib/asynclock" ]'
echo "installed and checked in $(($(date +%s) - started)) s"
finish
