# pbxtop — plain GNU make. `make check` and `make demo` install what they need first.
VERSION := 0.1.0

PKGS := ncursesw libcurl libcjson libsodium
# Debian packages the build and the tests need; `make deps` installs the missing ones.
DEB_PKGS := gcc make pkg-config libncurses-dev libcurl4-openssl-dev libcjson-dev \
            libsodium-dev libcmocka-dev tmux openssl python3 groff-base strace binutils
LINT_PKGS := cppcheck clang-format clang-tidy shellcheck
# `make fuzz` builds with clang's libFuzzer and sanitizer runtimes; `make valgrind` needs valgrind.
FUZZ_PKGS := clang libclang-rt-14-dev
VALGRIND_PKGS := valgrind
# What `make bench` needs on top: jq for its `watch curl | jq` reference, valgrind for the
# instruction counts, procps for watch.
BENCH_PKGS := jq valgrind procps

CC ?= cc
PYTHON ?= python3
WERROR ?= 1
VARIANT ?= release
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/pbxtop
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wwrite-strings -Wpointer-arith -Wcast-qual -Wundef -Wvla -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN += -Werror
endif

OPT_release := -O2 -g
# `make CC=clang VARIANT=clang`: the release build through the other compiler, in build/clang/.
OPT_clang := -O2 -g
OPT_asan := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LD_asan := -fsanitize=address,undefined
OPT_fuzz := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
            -fno-sanitize-recover=all
LD_fuzz := -fsanitize=fuzzer,address,undefined

B := build/$(VARIANT)
# `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -I. -DPBXTOP_VERSION='"$(VERSION)"' -DPBXTOP_DATADIR='"$(DATADIR)"'
ALL_CFLAGS = -std=c11 $(OPT_$(VARIANT)) $(WARN) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LD_$(VARIANT)) $(LDFLAGS)

# The core links into pbxtop and into every unit test; it never includes curses.
CORE_SRCS := tui/xalloc.c tui/fileio.c tui/strbuf.c tui/log.c tui/clock.c tui/text.c tui/config.c \
             $(wildcard net/*.c)
UI_SRCS := $(filter-out tui/main.c $(CORE_SRCS),$(wildcard tui/*.c)) $(wildcard views/*.c) \
           $(wildcard themes/*.c)
CORE_OBJS := $(CORE_SRCS:%.c=$(B)/%.o)
UI_OBJS := $(UI_SRCS:%.c=$(B)/%.o)
MAIN_OBJ := $(B)/tui/main.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
BIN := $(B)/pbxtop
# Test builds carry hooks the release binary must not (the keyring's cheap KDF, see
# net/keyring.h): the files below are compiled a second time with -DPBXTOP_TEST_HOOKS, and
# the unit tests and pbxtop-test (for the integration tests' fast cases) link those objects.
HOOK_SRCS := net/keyring.c
HOOK_OBJS := $(HOOK_SRCS:%.c=$(B)/%.hooks.o)
TEST_CORE_OBJS := $(filter-out $(HOOK_SRCS:%.c=$(B)/%.o),$(CORE_OBJS)) $(HOOK_OBJS)
TEST_BIN := $(B)/pbxtop-test

.PHONY: all deps demo check check-run unit unit-build sim integration tui asan fuzz fuzz-deps \
        fuzz-build fuzz-smoke valgrind valgrind-deps format format-check lint lint-deps install \
        install-check uninstall clean bench bench-deps FORCE

all: $(BIN) pbxtop

pbxtop: $(BIN)
	@if [ "$(VARIANT)" = release ]; then cp -f $(BIN) pbxtop; fi

$(BIN): $(CORE_OBJS) $(UI_OBJS) $(MAIN_OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread -lm

$(TEST_BIN): $(TEST_CORE_OBJS) $(UI_OBJS) $(MAIN_OBJ)
	@echo "  LD    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread -lm

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The objects that compile DATADIR in are rebuilt when it changes: `make install PREFIX=/usr`
# after a plain `make` must not install a binary that looks in /usr/local.
DATADIR_STAMP := $(B)/datadir.stamp
$(DATADIR_STAMP): FORCE
	@mkdir -p $(B)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
$(B)/tui/demo.o $(B)/themes/theme.o: $(DATADIR_STAMP)

$(B)/%.hooks.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $< (test hooks)"
	$(Q)$(CC) $(CPPFLAGS) -DPBXTOP_TEST_HOOKS $(ALL_CFLAGS) -c -o $@ $<

# Helpers shared by a few unit tests (tests/unit/<name>_testlib.[ch]) link into every one.
UNIT_LIBS := $(wildcard tests/unit/*_testlib.c)
$(B)/tests/test_%: tests/unit/test_%.c tests/unit/testutil.c tests/unit/testutil.h \
                   $(UNIT_LIBS) $(UNIT_LIBS:.c=.h) $(TEST_CORE_OBJS) $(UI_OBJS)
	@mkdir -p $(dir $@)
	@echo "  TEST  $@"
	$(Q)$(CC) $(CPPFLAGS) -DPBXTOP_TEST_HOOKS $(ALL_CFLAGS) \
	    -DFIXTURES='"$(CURDIR)/tests/fixtures"' $(ALL_LDFLAGS) \
	    -o $@ $< tests/unit/testutil.c $(UNIT_LIBS) $(TEST_CORE_OBJS) $(UI_OBJS) $(PKG_LIBS) \
	    -lcmocka -lpthread -lm

# Install the Debian packages of list $(1) that are missing; without root, say how.
define apt_install
@missing=""; for p in $(1); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' \
	        || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	    echo "pbxtop needs these Debian packages:$$missing"; \
	    echo "run as root:  apt-get install -y$$missing"; exit 1; fi; \
	echo "installing:$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y --no-install-recommends $$missing \
	    || { apt-get update && apt-get install -y --no-install-recommends $$missing; }
endef

deps:
	$(call apt_install,$(DEB_PKGS))

demo: deps
	@$(MAKE) --no-print-directory all
	./pbxtop demo

check: deps
	@$(MAKE) --no-print-directory check-run

check-run: all $(UNIT_BINS)
	@$(MAKE) -k --no-print-directory unit sim integration tui

unit: $(UNIT_BINS)
	@$(PYTHON) tests/run_unit.py $(UNIT_BINS)

# Every unit test built, none run: CI builds them with both compilers.
unit-build: $(UNIT_BINS)

# The simulator's own self-tests: what the other suites test against must be right.
sim:
	@$(PYTHON) tests/sim/run_selftests.py

# The suites run pbxtop-test: their keyrings use the cheap KDF (tests/pylib/harness.py). The
# tests about the release binary itself (the demo, --help, the hook's absence) find it next
# to pbxtop-test.
integration: $(BIN) $(TEST_BIN)
	@$(PYTHON) tests/integration/run.py --pbxtop $(TEST_BIN)

tui: $(BIN) $(TEST_BIN)
	@$(PYTHON) tests/tui/run.py --pbxtop $(TEST_BIN)

# Figures against their references and budgets (tests/bench/README.md); never part of
# `make check`, never a failure because of a time. BENCH_ARGS=--quick for short runs.
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(B)/tests/%)
$(B)/tests/bench_%: tests/bench/bench_%.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	@echo "  BENCH $@"
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CORE_OBJS) $(PKG_LIBS) -lm

bench-deps:
	$(call apt_install,$(BENCH_PKGS))

bench: deps bench-deps
	@$(MAKE) --no-print-directory VARIANT=release build/release/pbxtop \
	    $(BENCH_SRCS:tests/bench/%.c=build/release/tests/%)
	@$(PYTHON) tests/bench/bench.py --build build/release $(BENCH_ARGS)

# The same suites under AddressSanitizer and UndefinedBehaviorSanitizer. Reports go to
# files, because a console running in a tmux pane has no stderr anyone reads; any report
# fails the target.
ASAN_REPORTS := $(CURDIR)/build/asan/reports
asan: deps
	@rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	@ASAN_OPTIONS=detect_leaks=1:log_path=$(ASAN_REPORTS)/asan \
	 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/supp/lsan.supp:print_suppressions=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(ASAN_REPORTS)/ubsan \
	 $(MAKE) -k --no-print-directory VARIANT=asan build/asan/pbxtop build/asan/pbxtop-test unit \
	     integration tui
	@if [ -n "$$(ls -A $(ASAN_REPORTS))" ]; then cat $(ASAN_REPORTS)/*; \
	    echo "asan: sanitizer reports above"; exit 1; fi
	@echo "asan: no sanitizer reports"

# libFuzzer targets: one per tests/fuzz/fuzz_<name>.c, found by the wildcard, each linked with
# tests/fuzz/fuzzlib.c and with the program's objects as an archive, so that the linker takes
# only what the target calls. A target that needs more (an object or library the archive does
# not hold) lists it in FUZZ_LIBS_<name>. Corpus, regression inputs and dictionary:
# tests/fuzz/corpus/<name>/, tests/fuzz/regress/<name>/, tests/fuzz/<name>.dict. The theme
# and keyring file parsers get theirs the same way (fuzz_theme.c, fuzz_keyring.c; a keyring
# target with a cheap KDF would name its specially built object in FUZZ_LIBS_keyring).
FUZZ_CC ?= clang
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_RUNS ?= 20000
FUZZ_TIME ?= 60

fuzz-deps:
	$(call apt_install,$(FUZZ_PKGS))

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory VARIANT=fuzz CC=$(FUZZ_CC) fuzz-build

fuzz-build: $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/%)
.SECONDARY: $(B)/tests/fuzz/fuzzlib.o

$(B)/libpbxtop.a: $(CORE_OBJS) $(UI_OBJS)
	@echo "  AR    $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/fuzz_%: tests/fuzz/fuzz_%.c $(B)/tests/fuzz/fuzzlib.o $(B)/libpbxtop.a
	@echo "  FUZZ  $@"
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/tests/fuzz/fuzzlib.o \
	    $(FUZZ_LIBS_$*) $(B)/libpbxtop.a $(PKG_LIBS) -lm

# Each target over its corpus and regression inputs plus FUZZ_RUNS mutations (at most
# FUZZ_TIME seconds); any crash, leak, sanitizer report or broken property fails.
fuzz-smoke: fuzz
	@$(PYTHON) tests/fuzz/run.py --runs $(FUZZ_RUNS) --max-time $(FUZZ_TIME) \
	    $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)

# The console's real loop under valgrind (pbxtop-test: the harness's keyrings use the cheap
# KDF, which the release binary refuses): five simulated backends of every type, the fleet
# view and each table view for VALGRIND_FRAMES frames (-n). Any memory error and any definite
# or indirect leak fails; tests/supp/valgrind.supp holds ncurses' and terminfo's own.
VALGRIND_FRAMES ?= 100

valgrind-deps:
	$(call apt_install,$(VALGRIND_PKGS))

valgrind: deps valgrind-deps
	@$(MAKE) --no-print-directory all $(TEST_BIN)
	@$(PYTHON) tests/tui/valgrind_smoke.py --pbxtop $(TEST_BIN) --frames $(VALGRIND_FRAMES) \
	    --suppressions $(CURDIR)/tests/supp/valgrind.supp --logs $(CURDIR)/build/valgrind

FORMAT_SRCS = $(wildcard tui/*.[ch] views/*.[ch] net/*.[ch] themes/*.[ch] tests/unit/*.[ch] \
                         tests/fuzz/*.[ch] tests/bench/*.c)

format:
	clang-format -i $(FORMAT_SRCS)

format-check: lint-deps
	clang-format --dry-run --Werror $(FORMAT_SRCS)

lint-deps:
	$(call apt_install,$(LINT_PKGS))

lint: lint-deps
	@sh tests/lint.sh

# What `make install` puts under $(DESTDIR): the binary, the man page, the themes, the bash
# completion and the simulator that `pbxtop demo` runs; `make uninstall` removes exactly
# that. The man page and the completion name DATADIR, as installed.
THEME_FILES := $(wildcard themes/*.theme)
SIM_FILES := tests/sim/pbxsim.py tests/sim/simcore.py $(wildcard tests/sim/dialect_*.py) \
             $(wildcard tests/sim/*_seed.py)
DATADIR_SED := sed 's|/usr/local/share/pbxtop|$(DATADIR)|g'

$(B)/pbxtop.1: man/pbxtop.1 $(DATADIR_STAMP)
	$(Q)$(DATADIR_SED) man/pbxtop.1 > $@

$(B)/pbxtop.bash: completion/pbxtop.bash $(DATADIR_STAMP)
	$(Q)$(DATADIR_SED) completion/pbxtop.bash > $@

# Never write outside $(DESTDIR)$(PREFIX), whatever the directories were set to.
install-check:
	@for d in "$(BINDIR)" "$(DATADIR)" "$(MANDIR)" "$(BASHCOMPDIR)"; do \
	    case "$$d/" in "$(PREFIX)"/*) ;; \
	    *) echo "install: $$d is not under PREFIX $(PREFIX)"; exit 2;; esac; done

install: install-check $(BIN) $(B)/pbxtop.1 $(B)/pbxtop.bash
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(BASHCOMPDIR)" \
	    "$(DESTDIR)$(DATADIR)/themes" "$(DESTDIR)$(DATADIR)/sim"
	install -m 0755 $(BIN) "$(DESTDIR)$(BINDIR)/pbxtop"
	install -m 0644 $(B)/pbxtop.1 "$(DESTDIR)$(MANDIR)/man1/pbxtop.1"
	install -m 0644 $(B)/pbxtop.bash "$(DESTDIR)$(BASHCOMPDIR)/pbxtop"
	install -m 0644 $(THEME_FILES) "$(DESTDIR)$(DATADIR)/themes/"
	install -m 0644 $(SIM_FILES) "$(DESTDIR)$(DATADIR)/sim/"

uninstall: install-check
	rm -f "$(DESTDIR)$(BINDIR)/pbxtop" "$(DESTDIR)$(MANDIR)/man1/pbxtop.1" \
	    "$(DESTDIR)$(BASHCOMPDIR)/pbxtop"
	rm -f $(patsubst themes/%,"$(DESTDIR)$(DATADIR)/themes/%",$(THEME_FILES))
	rm -f $(patsubst tests/sim/%,"$(DESTDIR)$(DATADIR)/sim/%",$(SIM_FILES))
	-rmdir "$(DESTDIR)$(DATADIR)/themes" "$(DESTDIR)$(DATADIR)/sim" "$(DESTDIR)$(DATADIR)" \
	    2>/dev/null

clean:
	rm -rf build pbxtop

-include $(shell find build -name '*.d' 2>/dev/null)
