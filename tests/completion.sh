#!/usr/bin/env bash
# The shell completion, installed by `cmake --install` (the package's layout) and loaded the way
# each shell loads it: bash through bash-completion's on-demand loader (XDG_DATA_DIRS), zsh through
# compinit and $fpath. Scripted completions of partial commands, options and values, checked
# against what asynclock itself says (its --help, its rules list); every option of --help is
# offered by both shells, and none that --help lacks. zsh runs interactively under zpty with
# compadd wrapped to print the matches.
#
#   bash tests/completion.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -u
build=$(cd "$1" && pwd -P)
src=$(cd "$2" && pwd -P)
rm -rf "$3" && mkdir -p "$3"
work=$(cd "$3" && pwd -P)
# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"

for tool in zsh python3; do
  command -v "$tool" >/dev/null || fail "$tool is installed" "ci/deps.sh installs it"
done
[ -f /usr/share/bash-completion/bash_completion ] || fail "bash-completion is installed" "ci/deps.sh installs it"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || fail "cmake --install" "$(tail -3 "$work/install.log")"
export PATH="$prefix/bin:$PATH"
unset ASYNCLOCK_RULES_DIR # the installed packs
exe="$prefix/bin/asynclock"
# A pack of our own with one API, for completions that must see the line's --rules.
cat >"$work/mine.json" <<'EOF'
{"pack": "mine", "version": 1, "apis": [{"name": "my_sync_call", "category": "custom", "severity": "error",
 "confidence": "definite", "why": "waits", "fix": "do not"}]}
EOF
mkdir -p "$work/builds/build-debug" "$work/builds/bench"

# What asynclock says: the commands and options of --help (and those documented ahead of it),
# its formats, rule names, categories and packs.
help_words=$(python3 "$src/tests/help_text.py" "$exe")
ahead=$(cd "$src/tests" && python3 -c 'import help_text; print("\n".join(sorted(help_text.AHEAD_OF_HELP)))')
help_commands=$(grep -v '^-' <<<"$help_words")
help_options=$(grep '^-' <<<"$help_words")
ahead_commands=$(grep -v '^-' <<<"$ahead")
"$exe" rules list >"$work/rules.txt"
rules_column() { awk -v c="$1" 'NR > 1 && NF >= 5 {print $c}' "$work/rules.txt" | sort -u; }
formats=$("$exe" --help | sed -n 's/^  -f, --format FMT *//p' | tr -d '|' | sed 's/(default)//' | tr -s ' ' '\n' | grep .)
sorted() { tr ' ' '\n' | grep -v '^$' | sort -u; }
same() { [ "$(sorted <<<"$1")" = "$(sorted <<<"$2")" ]; }

# ---- bash ----
# bash_complete LINE: the words bash offers for LINE (split as bash does, at blanks and at '=').
bash_complete() {
  XDG_DATA_DIRS="$prefix/share" bash --norc --noprofile -c '
    source /usr/share/bash-completion/bash_completion
    line=$1
    read -r -a COMP_WORDS <<<"${line//=/ = }"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#line}
    _completion_loader asynclock # what bash-completion does on the first <Tab>
    spec=$(complete -p asynclock) || exit 3
    function=$(sed -n "s/.* -F \([^ ]*\) .*/\1/p" <<<"$spec")
    "$function" asynclock "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$1"
}
spec=$(XDG_DATA_DIRS="$prefix/share" bash --norc --noprofile -c '
  source /usr/share/bash-completion/bash_completion
  complete -p asynclock 2>/dev/null && echo "loaded before use"
  _completion_loader asynclock
  complete -p asynclock')
expect "bash: complete -p asynclock after bash-completion loads it from the installed file" "$spec" \
  eval '[ "$spec" = "complete -F _asynclock asynclock" ]'

# shell_case SHELL NAME LINE EXPECTED: the shell offers exactly EXPECTED (words) for LINE.
shell_case() {
  local got
  got=$("${1}_complete" "$3" 2>&1)
  expect "$1: $2" "'$3' offers: $(tr '\n' ' ' <<<"$got")" same "$got" "$4"
}
bash_case() { shell_case bash "$@"; }
# all_options_case SHELL: the options offered after "asynclock COMMAND -" for every command, and
# after "asynclock -", are those of --help (and the ones documented ahead of it), no more.
all_options_case() {
  local offered="" command want
  for command in $help_commands $ahead_commands; do
    offered+=" $("${1}_complete" "asynclock $command -")"
  done
  offered+=" $("${1}_complete" "asynclock -")"
  want="$help_options $(grep '^-' <<<"$ahead")"
  expect "$1: the options offered are those of --help (and the ones documented ahead of it)" \
    "only in --help: $(comm -23 <(sorted <<<"$want") <(sorted <<<"$offered") | tr '\n' ' ')only offered: $(comm -13 <(sorted <<<"$want") <(sorted <<<"$offered") | tr '\n' ' ')" \
    same "$offered" "$want"
}
bash_case "the commands" "asynclock " "$help_commands $ahead_commands"
bash_case "--help and --version" "asynclock --" "--help --version"
bash_case "a partial command" "asynclock ba" "baseline"
bash_case "a partial option" "asynclock check --fo" "--format"
bash_case "a partial option of lsp" "asynclock lsp --comp" "--compile-commands-dir"
bash_case "a partial option ahead of --help" "asynclock check --progr" "--program"
bash_case "the formats" "asynclock check -f " "$formats"
bash_case "the formats after --format=" "asynclock check --format=" "$formats"
bash_case "a partial format after --format=" "asynclock check --format=s" "sarif"
bash_case "programs lists as text or JSON" "asynclock programs --format " "text json"
bash_case "--fail-on's severities" "asynclock check --fail-on n" "note never"
bash_case "the categories" "asynclock rules list --category " "$(rules_column 2)"
bash_case "a partial category" "asynclock rules list --category d" "$(rules_column 2 | grep '^d')"
bash_case "the packs" "asynclock rules list --pack li" "$(rules_column 5 | grep '^li')"
bash_case "rule names" "asynclock rules show uv_fs_r" "$(rules_column 1 | grep '^uv_fs_r')"
bash_case "rule names of a --rules pack on the line" "asynclock rules --rules $work/mine.json show my_" "my_sync_call"
bash_case "rules' subcommands" "asynclock rules " "list show"
bash_case "folders for -p" "asynclock check -p $work/builds/b" "$work/builds/bench $work/builds/build-debug"
bash_case "trace: the program to run" "asynclock trace -q asyncl" "asynclock"
bash_case "trace: after --, the program's own completion" "asynclock trace -o t.json -- asynclock ru" "rules"
all_options_case bash
bash_case "the check can fail: a made-up option is not offered" "asynclock check --frob" ""

# ---- zsh ----
cat >"$work/init.zsh" <<EOF
PS1='' PROMPT='' RPROMPT=''
fpath=(${prefix}/share/zsh/vendor-completions \$fpath)
autoload -Uz compinit && compinit -u -d $work/zcompdump
bindkey '^I' complete-word
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
_al_mark() { print -rn -- \$'\x01' }
compprefuncs=(_al_mark)
comppostfuncs=(_al_mark exit)
# every match zsh would offer is printed between the two marks
compadd() {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "\$@"
    return
  fi
  local -a hits
  builtin compadd -A hits "\$@"
  (( \$#hits )) && print -rl -- "\${hits[@]}"
  builtin compadd "\$@"
}
EOF
cat >"$work/drive.zsh" <<'EOF'
# zsh -f drive.zsh INIT LINE: what <Tab> after LINE offers, in an interactive zsh under zpty
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z "source ${(q)1}"
zpty -w -n z "$2"$'\t'
out=''
integer deadline=$(( SECONDS + 20 ))
while (( SECONDS < deadline )); do
  if zpty -r -t z chunk 2>/dev/null; then
    out+=$chunk
    [[ $out == *$'\x01'*$'\x01'* ]] && break
  else
    sleep 0.02
  fi
done
zpty -d z
[[ $out == *$'\x01'*$'\x01'* ]] || { print -u2 "no completion in: ${(q+)out}"; exit 1 }
out=${out#*$'\x01'}
out=${out%%$'\x01'*}
print -r -- ${out//$'\r'/}
EOF
zsh_complete() { zsh -f "$work/drive.zsh" "$work/init.zsh" "$1"; }
zsh_owner=$(zsh -f -c "fpath=($prefix/share/zsh/vendor-completions \$fpath); autoload -Uz compinit; compinit -u -d $work/zcompdump; print -r -- \$_comps[asynclock]")
expect "zsh: compinit finds _asynclock in the installed folder" "$zsh_owner" eval '[ "$zsh_owner" = "_asynclock" ]'
zsh_case() { shell_case zsh "$@"; }
zsh_case "the commands" "asynclock " "$help_commands $ahead_commands"
zsh_case "a partial option" "asynclock check --fo" "--format"
zsh_case "a partial option of lsp" "asynclock lsp --comp" "--compile-commands-dir"
zsh_case "the formats" "asynclock check -f " "$formats"
zsh_case "--fail-on's severities" "asynclock baseline --fail-on " "error warning note never"
zsh_case "a partial category" "asynclock rules list --category d" "$(rules_column 2 | grep '^d')"
zsh_case "rule names" "asynclock rules show uv_fs_r" "$(rules_column 1 | grep '^uv_fs_r')"
zsh_case "rule names of a --rules pack on the line" "asynclock rules --rules $work/mine.json show my_" "my_sync_call"
zsh_case "folders for -p" "asynclock check -p $work/builds/b" "bench build-debug" # matches of the last path part
zsh_case "trace: after --, the program's own completion" "asynclock trace -q -- asynclock ru" "rules"
all_options_case zsh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
