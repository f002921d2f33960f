# bash completion for asynclock                                        -*- shell-script -*-
#
# Commands, the options of each, and their values: formats, severities, categories, packs and
# rule names (the last three asked of asynclock itself, so a --rules pack on the line counts),
# folders and files. Installed as share/bash-completion/completions/asynclock, where
# bash-completion loads it on first use. The options are those of `asynclock --help` (tests/
# completion.sh fails when they drift apart).

_asynclock_check_options="-p -f --format -o --output --json --sarif --html --codequality --baseline
  --changed-since --trace --program -j --jobs --cache --no-cache --shard --rules --config --no-config --fail-on
  --conditional --no-conditional --resolve-by-type --unknown --source-root --show-suppressed --all-chains --all-locks --color
  -q --quiet --strict"

# Values from `asynclock rules list` (column 1 API, 2 category, 5 pack), with the line's --rules packs.
_asynclock_rules_column() {
    local column=$1 i
    local -a args=()
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        [[ ${COMP_WORDS[i]} == --rules ]] && args+=(--rules "${COMP_WORDS[i + 1]}")
    done
    "${COMP_WORDS[0]}" rules list "${args[@]}" 2>/dev/null | awk -v c="$column" 'NR > 1 && NF >= 5 {print $c}' | sort -u
}

_asynclock() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --option=value: bash splits the word at '=' (COMP_WORDBREAKS)
    if [[ $cur == = ]]; then
        cur=""
    elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi

    local command="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            check | baseline | merge | programs | lsp | rules | trace) command=${COMP_WORDS[i]} && break ;;
        esac
    done

    # trace: after its options, the program to run and its arguments, completed as that command's
    if [[ $command == trace ]]; then
        local k=$((i + 1))
        while ((k < COMP_CWORD)); do
            case ${COMP_WORDS[k]} in
                --) ((k += 1)) && break ;;
                -o | --output | --interval) [[ ${COMP_WORDS[k + 1]} == = ]] && ((k += 3)) || ((k += 2)) ;;
                -*) ((k += 1)) ;;
                *) break ;;
            esac
        done
        if ((k < COMP_CWORD)) || { ((k == COMP_CWORD)) && [[ $cur != -* || ${COMP_WORDS[k - 1]} == -- ]]; }; then
            _command_offset "$k" 2>/dev/null # compopt complains outside a completion (tests)
            return
        fi
    fi

    case $prev in
        -f | --format)
            if [[ $command == programs ]]; then
                COMPREPLY=($(compgen -W "text json" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "text json sarif html codequality" -- "$cur"))
            fi
            return ;;
        --fail-on) COMPREPLY=($(compgen -W "error warning note never" -- "$cur")) && return ;;
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")) && return ;;
        --category) COMPREPLY=($(compgen -W "$(_asynclock_rules_column 2)" -- "$cur")) && return ;;
        --pack) COMPREPLY=($(compgen -W "$(_asynclock_rules_column 5)" -- "$cur")) && return ;;
        -p | --compile-commands-dir | --cache | --source-root)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
        -o | --output | --json | --sarif | --html | --codequality | --baseline | --config | --rules | --trace)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --changed-since)
            COMPREPLY=($(compgen -W "HEAD $(git for-each-ref --format='%(refname:short)' 2>/dev/null)" -- "$cur"))
            return ;;
        -j | --jobs | --shard | --program | --interval) return ;;
    esac

    local options
    case $command in
        "")
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "check baseline merge programs lsp rules trace" -- "$cur"))
            fi
            return ;;
        check | baseline) options=$_asynclock_check_options ;;
        programs) options="-p -f --format -o --output --program --cache --no-cache --config --no-config" ;;
        merge) # shard files, not -p or --shard
            options=" ${_asynclock_check_options//$'\n'/ } "
            options=${options/ -p / }
            options=${options/ --shard / } ;;
        lsp) options="--compile-commands-dir $_asynclock_check_options" ;;
        trace) options="-o --output --interval --conditional -q --quiet" ;;
        rules)
            if [[ $cur != -* ]]; then
                local sub="" j
                for ((j = i + 1; j < COMP_CWORD; j++)); do
                    [[ ${COMP_WORDS[j]} == list || ${COMP_WORDS[j]} == show ]] && sub=${COMP_WORDS[j]}
                done
                case $sub in
                    "") COMPREPLY=($(compgen -W "list show" -- "$cur")) ;;
                    show) COMPREPLY=($(compgen -W "$(_asynclock_rules_column 1)" -- "$cur")) ;;
                esac
                return
            fi
            options="--rules --category --pack" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    else
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -F _asynclock asynclock
