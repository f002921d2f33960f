#!/usr/bin/env bash
# Builds the Debian package with CPack from a build folder, as a release does, and checks what it
# holds and what it depends on. The package is left in OUT_DIR for the lintian and install tests.
#
#   bash tests/package_deb.sh BUILD_DIR SOURCE_DIR OUT_DIR
set -u
build=$(cd "$1" && pwd -P)
src=$(cd "$2" && pwd -P)
rm -rf "$3" && mkdir -p "$3"
out=$(cd "$3" && pwd -P)
work=$out
# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"

started=$(date +%s%N)
(cd "$build" && cpack -G DEB -B "$out/cpack") >"$out/cpack.log" 2>&1
cpack_rc=$?
debs=("$out"/cpack/*.deb)
expect "cpack -G DEB builds one package" "exit $cpack_rc: $(tail -5 "$out/cpack.log")" \
  eval '[ "$cpack_rc" -eq 0 ] && [ "${#debs[@]}" -eq 1 ] && [ -f "${debs[0]}" ]'
[ -f "${debs[0]}" ] || {
  echo "$passed passed, $failed failed"
  exit 1
}
cp "${debs[0]}" "$out/asynclock.deb"
echo "package built in $((($(date +%s%N) - started) / 1000000)) ms: $(basename "${debs[0]}")"

version=$(sed -n 's/^project(asynclock VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
field() { dpkg-deb -f "$out/asynclock.deb" "$1"; }
expect "Package asynclock, Version $version, Architecture $(dpkg --print-architecture)" \
  "$(field Package) $(field Version) $(field Architecture)" \
  eval '[ "$(field Package) $(field Version) $(field Architecture)" = "asynclock $version $(dpkg --print-architecture)" ]'
expect "the file is named as Debian names packages" "$(basename "${debs[0]}")" \
  eval '[ "$(basename "${debs[0]}")" = "asynclock_${version}_$(dpkg --print-architecture).deb" ]'

# The dependencies: what the binary links (libclang, sqlite3, cJSON, libc), and libclang's builtin
# headers, which the library reads at run time from a package of their own.
depends=$(field Depends)
llvm=$("$build/asynclock" --version | sed -n 's/^libclang: built with LLVM \([0-9]*\).*/\1/p')
for dep in "libclang1-$llvm" "libclang-common-$llvm-dev" libsqlite3-0 libcjson1 libc6; do
  expect "Depends names $dep" "$depends" eval 'grep -qE "(^|, )$dep( |,|\$)" <<<"$depends"'
done
expect "Recommends names binutils (addr2line, for asynclock trace's stacks)" "$(field Recommends)" \
  eval '[ "$(field Recommends)" = binutils ]'
for needed in $(objdump -p "$build/asynclock" | awk '/NEEDED/ {print $2}'); do
  owner=$(dpkg -S "*/$needed" 2>/dev/null | head -1 | cut -d: -f1)
  expect "the library $needed comes from a dependency ($owner)" "$depends" \
    eval '[ -n "$owner" ] && grep -qE "(^|, )$owner( |,|\$)" <<<"$depends"'
done

dpkg-deb -c "$out/asynclock.deb" | awk '{print $6}' | sed 's|^\./|/|' >"$out/contents.txt"
for f in /usr/bin/asynclock /usr/include/asynclock.h /usr/share/man/man1/asynclock.1.gz \
  /usr/share/bash-completion/completions/asynclock /usr/share/zsh/vendor-completions/_asynclock \
  /usr/share/doc/asynclock/copyright /usr/share/doc/asynclock/changelog.gz /usr/share/doc/asynclock/README.md \
  /usr/share/doc/asynclock/CHANGELOG.md /usr/share/doc/asynclock/docs/rules.md \
  /usr/share/doc/asynclock/examples/demo/server.c /usr/share/doc/asynclock/examples/demo/CMakeLists.txt; do
  expect "the package holds $f" "" has_line "$out/contents.txt" "$f"
done
# the trace shim, where the packaged asynclock looks for it (built for x86-64 only)
if [ "$(dpkg --print-architecture)" = amd64 ]; then
  expect "the package holds the trace shim" "" has_line "$out/contents.txt" "/usr/lib/asynclock/trace/libasynclock-trace.so"
fi
for pack in "$src"/rules/*.json; do
  expect "the package holds the pack $(basename "$pack")" "" has_line "$out/contents.txt" \
    "/usr/share/asynclock/rules/$(basename "$pack")"
done
expect "nothing outside /usr" "$(grep -v '^/usr' "$out/contents.txt" | grep -vx '/' | head -3)" \
  eval '! grep -v "^/usr" "$out/contents.txt" | grep -vxq "/"'
dpkg-deb -x "$out/asynclock.deb" "$out/root"
expect "the packaged binary is stripped" "$(file "$out/root/usr/bin/asynclock")" \
  eval 'file "$out/root/usr/bin/asynclock" | grep -q ", stripped"'
expect "the Debian changelog's first entry is version $version" "$(zcat "$out/root/usr/share/doc/asynclock/changelog.gz" | head -1)" \
  eval 'zcat "$out/root/usr/share/doc/asynclock/changelog.gz" | head -1 | grep -q "^asynclock ($version) "'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
