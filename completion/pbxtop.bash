# bash completion for pbxtop: commands, options, views, backend names (the section names of
# the config that -c names, else the default one), themes and journal ids.
# Needs nothing from the bash-completion package.

# `make install` puts its DATADIR here.
_pbxtop_datadir=/usr/local/share/pbxtop

_pbxtop_views="extensions ringgroups channels queuemembers queues backends ext rg ch qm q be"
_pbxtop_demo_opts="-b --backend -v --view -d --delay --read-only --theme --no-color --ascii
    -n --frames -h --help"
_pbxtop_console_opts="-c --config $_pbxtop_demo_opts --version"

# The value of -c/--config on the line (also --config=FILE), else the default config.
_pbxtop_config_file()
{
    local i w file=''
    for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
        [[ $i -eq $COMP_CWORD ]] && continue
        w=${COMP_WORDS[i]}
        if [[ $w == -c || $w == --config ]]; then
            if [[ ${COMP_WORDS[i + 1]} == = ]]; then
                file=${COMP_WORDS[i + 2]}
            else
                file=${COMP_WORDS[i + 1]}
            fi
        elif [[ $w == --config=* ]]; then
            file=${w#--config=}
        fi
    done
    if [[ -z $file ]]; then
        local base=${XDG_CONFIG_HOME:-$HOME/.config}
        [[ $base == /* ]] || base=$HOME/.config
        file=$base/pbxtop/config.ini
    fi
    [[ $file == "~"/* ]] && file=$HOME/${file#"~"/}
    printf '%s\n' "$file"
}

# The backend names: every [section] of the config but [pbxtop] and [keys].
_pbxtop_backends()
{
    local file line name
    file=$(_pbxtop_config_file)
    [[ -r $file ]] || return
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line =~ ^[[:space:]]*\[([^]]*)\] ]] || continue
        name=${BASH_REMATCH[1]}
        name=${name#"${name%%[![:space:]]*}"}
        name=${name%"${name##*[![:space:]]}"}
        [[ $name =~ ^[A-Za-z0-9_.-]+$ && $name != pbxtop && $name != keys ]] &&
            printf '%s\n' "$name"
    done <"$file"
}

# Theme names: the built-in default, the user's, then the installed ones.
_pbxtop_themes()
{
    local base=${XDG_CONFIG_HOME:-$HOME/.config} f
    [[ $base == /* ]] || base=$HOME/.config
    printf '%s\n' default
    for f in "$base"/pbxtop/themes/*.theme "$_pbxtop_datadir"/themes/*.theme; do
        [[ -e $f ]] || continue
        f=${f##*/}
        f=${f%.theme}
        [[ $f =~ ^[A-Za-z0-9_.-]+$ ]] && printf '%s\n' "$f"
    done
}

_pbxtop_journal_ids()
{
    local base=${XDG_STATE_HOME:-$HOME/.local/state} f
    [[ $base == /* ]] || base=$HOME/.local/state
    for f in "$base"/pbxtop/journal/*.journal; do
        [[ -e $f ]] || continue
        f=${f##*/}
        f=${f%.journal}
        [[ $f =~ ^[A-Za-z0-9_.-]+$ ]] && printf '%s\n' "$f"
    done
}

# Add the words of $1 (blank- or newline-separated) that start with $cur, each once.
# Not compgen -W: it would expand $(...) in a section name that a config file holds.
_pbxtop_words()
{
    local -a words
    local w have
    read -r -d '' -a words <<<"$1"
    for w in "${words[@]}"; do
        [[ $w == "$cur"* ]] || continue
        for have in "${COMPREPLY[@]}"; do
            [[ $have == "$w" ]] && continue 2
        done
        COMPREPLY+=("$w")
    done
}

_pbxtop_files()
{
    local f
    compopt -o filenames 2>/dev/null
    while IFS= read -r f; do
        COMPREPLY+=("$f")
    done < <(if [[ -n $1 ]]; then
        compgen -f -X "!$1" -- "$cur"
        compgen -d -- "$cur"
    else
        compgen -f -- "$cur"
    fi)
}

# Complete the value of option $1; false when $1 takes no value.
_pbxtop_option_value()
{
    case $1 in
    -c | --config) _pbxtop_files ;;
    -b | --backend)
        _pbxtop_words "$(_pbxtop_backends)"
        [[ $cmd == hangup || $cmd == apply ]] || _pbxtop_words "@all"
        ;;
    -v | --view) _pbxtop_words "$_pbxtop_views" ;;
    -o | --output) _pbxtop_words "table csv json" ;;
    --theme)
        _pbxtop_words "$(_pbxtop_themes)"
        [[ $cur == */* ]] && _pbxtop_files
        ;;
    -d | --delay | -n | --frames | --filter | --username) ;;
    *) return 1 ;;
    esac
    return 0
}

_pbxtop()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local cmd='' cmdi=0 i w
    COMPREPLY=()
    # "--theme=li" arrives as "--theme" "=" "li" (= is in COMP_WORDBREAKS).
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    # The command: the first word that is neither an option nor an option's value.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        -c | --config | -b | --backend | -v | --view | -d | --delay | -n | --frames | --theme)
            [[ ${COMP_WORDS[i + 1]} == = ]] && ((i++))
            ((i++))
            ;;
        = | -*) ;;
        *)
            cmd=$w
            cmdi=$i
            break
            ;;
        esac
    done
    _pbxtop_option_value "$prev" && return 0
    case $cmd in
    "")
        if [[ $cur == -* ]]; then
            _pbxtop_words "$_pbxtop_console_opts"
        else
            _pbxtop_words "get hangup apply journal keyring demo"
        fi
        ;;
    get)
        if [[ $cur == -* ]]; then
            _pbxtop_words "-b --backend -o --output --filter --raw -c --config -h --help"
        else
            for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
                [[ ${COMP_WORDS[i]} == -* || ${COMP_WORDS[i - 1]} == -[boc] ]] && continue
                [[ ${COMP_WORDS[i - 1]} == --@(backend|output|filter|config) ]] && continue
                return 0 # the view is there already
            done
            _pbxtop_words "$_pbxtop_views"
        fi
        ;;
    hangup)
        [[ $cur == -* ]] && _pbxtop_words "-b --backend -y --yes -c --config -h --help"
        ;;
    apply)
        if [[ $cur == -* ]]; then
            _pbxtop_words "-b --backend --view --dry-run -y --yes -c --config -h --help"
        else
            _pbxtop_files '*.csv'
        fi
        ;;
    journal)
        if [[ $cur == -* ]]; then
            _pbxtop_words "-y --yes -c --config -h --help"
        elif [[ $prev == show || $prev == resume ]]; then
            _pbxtop_words "$(_pbxtop_journal_ids)"
        elif ((COMP_CWORD == cmdi + 1)); then
            _pbxtop_words "list show resume"
        fi
        ;;
    keyring)
        if [[ $cur == -* ]]; then
            _pbxtop_words "--username -h --help"
        elif [[ $prev == set || $prev == rm ]]; then
            _pbxtop_words "$(_pbxtop_backends)"
        elif ((COMP_CWORD == cmdi + 1)); then
            _pbxtop_words "init set list rm passwd import"
        fi
        ;;
    demo)
        [[ $cur == -* ]] && _pbxtop_words "$_pbxtop_demo_opts"
        ;;
    esac
    return 0
}

complete -F _pbxtop pbxtop
