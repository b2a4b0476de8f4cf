# mlgate - CI/CD gates for machine-learning pipelines
#
#   make                 build libmlgate.a and the tools into $(O)
#   make demo            run data-validate on the bundled example
#   make test            build and run every test; ends "N passed, N failed"
#   make SANITIZE=address,undefined test    the same under ASan+UBSan
#   make install PREFIX=/usr/local DESTDIR=
#   make lint | deps | clean | uninstall

O ?= build
ifdef SANITIZE
ifeq ($(O),build)
O := build/asan
endif
endif
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
PKG_CONFIG ?= pkg-config
WERROR ?= 1

PKGS := libcurl jansson libgit2 libarchive libcrypto libpcre2-8

# A fresh machine has none of the libraries: install them (as root) or say
# how, before pkg-config is asked for flags. Goals that build nothing skip it.
NODEPS_GOALS := deps clean uninstall help lint-format
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(shell $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && echo ok),ok)
$(info mlgate: build dependencies missing, running scripts/deps.sh build)
ifneq ($(shell sh scripts/deps.sh build >&2; echo $$?),0)
$(error mlgate: cannot build without the dependencies above)
endif
endif
endif

TOOLS := $(basename $(notdir $(wildcard tools/*.c)))
LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(O)/tests/%)
TEST_TOOL := $(O)/tests/mlg-testtool

# libyaml is optional: without it, YAML metrics files are refused.
ifeq ($(shell $(PKG_CONFIG) --exists yaml-0.1 2>/dev/null && echo ok),ok)
PKGS += yaml-0.1
override CPPFLAGS += -DMLG_HAVE_YAML
endif

DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
DEP_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

# Skylake-family x86 cores stop caching decoded instructions for a jump
# that crosses or ends on a 32-byte boundary (the "JCC erratum"
# microcode). Keeping branches inside 32-byte blocks costs a few bytes of
# padding; where the cores are affected the parsing and checking loops
# run about 8% faster. Used when the compiler takes it: gcc passes it to
# the assembler, clang has it as its own option.
ALIGN_BRANCHES := $(shell for f in -Wa,-mbranches-within-32B-boundaries \
	-mbranches-within-32B-boundaries; do $(CC) $$f -x c -c -o /dev/null \
	/dev/null 2>/dev/null && { echo $$f; break; }; done)

override CPPFLAGS += -Iinclude -D_GNU_SOURCE
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -pthread -Wall -Wextra -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wformat=2 -Wvla $(ALIGN_BRANCHES) $(DEP_CFLAGS)
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
override LDFLAGS += -pthread
override LDLIBS += $(DEP_LIBS) -lm
ifdef SANITIZE
override CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=$(SANITIZE)
endif

all: $(TOOLS:%=$(O)/bin/%)

$(O)/libmlgate.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(O)/bin/%: $(O)/tools/%.o $(O)/libmlgate.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/test_%: $(O)/tests/unit/test_%.o $(O)/tests/unit/harness.o \
		   $(O)/libmlgate.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# It stands between the library and open() and pthread_create().
$(O)/tests/test_profile_read: override LDFLAGS += \
	-Wl,--wrap=open,--wrap=pthread_create

$(O)/tests/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(O)/tests/fuzz/replay.o \
		   $(O)/libmlgate.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(TEST_TOOL): $(O)/tests/testtool.o $(O)/libmlgate.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) -MMD -MP $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/tests/unit/%.o $(O)/tests/fuzz/%.o: override CPPFLAGS += -Itests/unit
$(O)/tests/testtool.o: tests/testtool.c
	@mkdir -p $(@D)
	$(CC) -MMD -MP $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

.SECONDARY:
-include $(shell find $(O) -name '*.d' 2>/dev/null)

check-build: all $(UNIT_BIN) $(FUZZ_BIN) $(TEST_TOOL)

test: check-build
	@sh scripts/deps.sh test >&2
	@O='$(O)' sh tests/run.sh

check: test

# The bundled example: a clean training table passes, an incoming batch
# with broken rows is stopped, with every reason on its row and field.
demo: all
	@echo '$$ data-validate --schema examples/schema.json examples/train.csv'
	@$(O)/bin/data-validate --schema examples/schema.json examples/train.csv
	@echo
	@echo '$$ data-validate --schema examples/schema.json examples/incoming.csv'
	@$(O)/bin/data-validate --schema examples/schema.json \
		examples/incoming.csv; echo "exit status $$?"

# Every benchmark, each beside its peer (bench/README.md); one failing
# does not stop the others.
BENCHES = run profile model-test perf-gate latency
bench: all
	@rc=0; for b in $(BENCHES); do \
		O='$(O)' sh bench/$$b.sh || rc=1; echo; done; exit $$rc

# libFuzzer builds of the harnesses in tests/fuzz (clang); run one with
#   build/fuzz/fuzz_csv -max_total_time=300 tests/fuzz/corpus/csv
FUZZ_CC ?= clang
fuzz:
	@mkdir -p $(O)/fuzz
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
		echo "  FUZZ $(O)/fuzz/$$n"; \
		$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
			$(CPPFLAGS) -std=c11 $(DEP_CFLAGS) -o $(O)/fuzz/$$n \
			$$f $(LIB_SRC) $(LDLIBS) || exit 1; done

install: all
	install -d '$(DESTDIR)$(BINDIR)'
	$(if $(TOOLS),install -m 0755 $(TOOLS:%=$(O)/bin/%) '$(DESTDIR)$(BINDIR)')

uninstall:
	$(if $(TOOLS),rm -f $(TOOLS:%='$(DESTDIR)$(BINDIR)/%'))

deps:
	sh scripts/deps.sh build test

lint: lint-format
	cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
		--enable=warning,portability,performance -Iinclude \
		--suppress=missingIncludeSystem --suppress=unknownMacro \
		--suppress='nullPointerRedundantCheck:tests/unit/*' \
		lib tools tests
	@for f in tools/*.c; do [ -f "$$f" ] || continue; \
		n=$$(wc -l < "$$f"); [ "$$n" -le 600 ] || \
		echo "warning: $$f has $$n lines (over 600: move logic to lib/)"; \
	done

lint-format:
	clang-format --dry-run --Werror include/mlgate/*.h lib/*.c \
		$(wildcard tools/*.c) tests/unit/*.c tests/*.c

clean:
	rm -rf '$(O)'

help:
	@sed -n '2,8p' Makefile | sed 's/^# \{0,1\}//'

.PHONY: all check-build test check demo bench fuzz install uninstall deps lint \
	lint-format clean help
