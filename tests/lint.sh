#!/bin/sh
# The project's own rules (STYLE.md §2.1, §2.6), then cppcheck. Fails on any finding.
set -u
fail=0
note() { echo "lint: $*"; fail=1; }

if grep -rlE '#include *[<"](n?curses|ncursesw/)' net; then note "net/ must not include curses"; fi
# themes/ is loadable without the rest of pbxtop (unit tests, the fuzzer): curses, xalloc, itself.
if grep -nE '#include *"' themes/*.[ch] | grep -vE '"(themes/[a-z_]+|tui/xalloc)\.h"'; then
    note "themes/ may include only curses, tui/xalloc.h and themes/"
fi
for f in $(grep -rlE '#include *<curl/' tui views net themes); do
    [ "$f" = net/http.c ] || [ "$f" = net/http.h ] || note "$f includes libcurl (only net/http.c may)"
done
for f in $(grep -rlE '#include *<sodium' tui views net themes); do
    [ "$f" = net/keyring.c ] || [ "$f" = net/keyring.h ] || note "$f includes libsodium"
done
for f in $(grep -rlE '#include *<cjson/' tui views themes); do
    note "$f includes cJSON (only net/backend_*.c and net/model.c may)"
done
if grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|curl_easy_perform)\s*\(' \
        --include='*.c' tui views net themes tests/bench; then
    note "banned functions (STYLE.md 2.6)"
fi
if command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1; then
    if git rev-parse --verify -q HEAD >/dev/null; then
        git diff --check HEAD -- . || note "whitespace errors"
    fi
fi
if command -v cppcheck >/dev/null; then
    cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
        --inline-suppr --suppress=missingIncludeSystem -I. tui views net themes tests/bench \
        || fail=1
else
    note "cppcheck is not installed (make lint-deps)"
fi
if command -v shellcheck >/dev/null; then
    shellcheck -s bash completion/pbxtop.bash || fail=1
else
    note "shellcheck is not installed (make lint-deps)"
fi
[ $fail = 0 ] && echo "lint: clean"
exit $fail
