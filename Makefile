# weir — build, test, demo, bench.  `make help` lists the targets.
#
#   make deps    install what is missing (apt-get, npm ci)
#   make build   build ./weir (optimized)          [default]
#   make test    build with ASan+UBSan and run every test
#   make demo    simulator -> pipeline -> store, live summary
#   make bench   benchmarks against DuckDB (docs/benchmarks.md)
#   make lint    clang-format check + cppcheck

CC      ?= cc
CXX     ?= c++
PKGS_C   = -lsimdjson -lcjson -lsqlite3 -lzstd -lz -lxxhash -lroaring -lpthread -lm
WARN     = -Wall -Wextra -Werror -Wno-unused-parameter
CSTD     = -std=c11 -D_GNU_SOURCE
# -O3: the chat benchmark 1.4-4.6% faster than -O2 (three sets of 8-10
# alternating pairs, 2026-11-28); -march=x86-64-v3 was 3% slower, and would
# tie the binary to newer CPUs.
CFLAGS_R = -O3 -g $(WARN) $(CSTD) -Iinclude -Isrc
CXXFLAGS_R = -O3 -g $(WARN) -std=c++17 -Iinclude -Isrc
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS_T = -O1 -g $(WARN) $(CSTD) -Iinclude -Isrc $(SAN)
CXXFLAGS_T = -O1 -g $(WARN) -std=c++17 -Iinclude -Isrc $(SAN)

LIB_C    = $(wildcard src/core/*.c src/sources/*.c src/sinks/*.c src/ops/*.c src/http/*.c) \
           $(filter-out src/cli/main.c,$(wildcard src/cli/*.c))
LIB_CXX  = $(wildcard src/core/*.cc)
HDRS     = $(wildcard include/weir/*.h src/*/*.h)
UNIT     = $(wildcard tests/unit/test_*.c)

R_OBJ = $(LIB_C:%.c=build/r/%.o) $(LIB_CXX:%.cc=build/r/%.o)
T_OBJ = $(LIB_C:%.c=build/t/%.o) $(LIB_CXX:%.cc=build/t/%.o)

.PHONY: all build test test-only demo bench bench-memory deps lint clean help fmt fuzz
all: build
build: weir

weir: $(R_OBJ) build/r/src/cli/main.o
	$(CXX) -o $@ $^ $(PKGS_C) -g

build/r/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS_R) -c -o $@ $<
build/r/%.o: %.cc $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CXX) $(CXXFLAGS_R) -c -o $@ $<
# The simdjson shim (src/core/json_simd.cc) is built with clang++ when it is
# installed: its On-Demand walk is simdjson's inline templates, which GCC 12
# compiles into copies of simdjson_result<field> that stall on store-to-load
# forwarding; clang's code parses chat lines ~20% faster (docs/benchmarks.md).
# Same target (no -m flags) and C++ ABI (libstdc++); otherwise $(CXX). The
# sanitizer build keeps $(CXX): one compiler's ASan runtime. -gdwarf-4: the
# valgrind of Debian 12 cannot read clang 14's DWARF 5.
SIMD_CXX := $(shell command -v clang++ 2>/dev/null || echo $(CXX))
build/r/src/core/json_simd.o: src/core/json_simd.cc $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC  $< ($(notdir $(SIMD_CXX)))"
	@$(SIMD_CXX) $(CXXFLAGS_R) -gdwarf-4 -c -o $@ $<
build/t/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC-san $<"
	@$(CC) $(CFLAGS_T) -c -o $@ $<
build/t/%.o: %.cc $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC-san $<"
	@$(CXX) $(CXXFLAGS_T) -c -o $@ $<

# The sanitizer build of the CLI, used by the integration tests.
build/t/weir: $(T_OBJ) build/t/src/cli/main.o
	$(CXX) $(SAN) -o $@ $^ $(PKGS_C)

build/t/tests/unit/%: tests/unit/%.c tests/unit/t.h $(T_OBJ)
	@mkdir -p $(dir $@)
	$(CXX) $(SAN) -x c $(CFLAGS_T) -o $@ $< -x none $(T_OBJ) $(PKGS_C)

UNIT_BINS = $(UNIT:tests/unit/%.c=build/t/tests/unit/%)

# VADER's lexicon for src/core/vader.c is the npm package vader-sentiment's own
# data (package.json; `make deps` installs it), converted at build time into C
# initializers {"word", valence}. Keys the package can never match (an upper-case
# letter or whitespace: it looks up one lowercased word) are left out.
VADER_LEX_JS = node_modules/vader-sentiment/src/vader_lexicon.js
VADER_LEX_GEN = const fs = require("fs"), vm = require("vm"); \
  const src = fs.readFileSync(process.argv[1], "utf8").replace(/export\s+const\s+lexicon\s*=/, "lexicon ="); \
  const ctx = {}; vm.runInNewContext(src, ctx); let out = ""; \
  for (const [k, v] of Object.entries(ctx.lexicon)) { \
    if (k !== k.toLowerCase() || /\s/.test(k) || typeof v !== "number") continue; \
    let e = ""; for (const b of Buffer.from(k, "utf8")) \
      e += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c && b !== 0x3f ? String.fromCharCode(b) \
        : "\\" + b.toString(8).padStart(3, "0"); \
    out += "{\"" + e + "\", " + String(v) + "},\n"; } \
  process.stdout.write("/* generated from " + process.argv[1] + " (Makefile): do not edit */\n" + out);
build/gen/vader_lexicon.inc: $(VADER_LEX_JS)
	@mkdir -p $(dir $@)
	@echo "  GEN $@"
	@node -e '$(VADER_LEX_GEN)' $< >$@.tmp && mv $@.tmp $@
$(VADER_LEX_JS):
	@echo "weir: $@ is missing: run 'make deps' (npm ci) first" >&2; exit 1
build/r/src/core/vader.o build/t/src/core/vader.o: build/gen/vader_lexicon.inc
build/r/src/core/vader.o: CFLAGS_R += -Ibuild/gen
build/t/src/core/vader.o: CFLAGS_T += -Ibuild/gen

# Parser benchmark (bench/parse_bench.c), optimized build.
build/r/bench/parse_bench: bench/parse_bench.c $(R_OBJ)
	@mkdir -p $(dir $@)
	$(CXX) -x c $(CFLAGS_R) -o $@ $< -x none $(R_OBJ) $(PKGS_C)

# libFuzzer targets (clang): one per parser, run by hand, e.g.
#   make fuzz && build/fuzz/fuzz_json -max_total_time=60
FUZZ_SRC = src/core/common.c src/core/event.c src/core/json_cjson.c src/core/time.c src/core/utf8.c \
           src/core/tokenize.c src/sources/irc.c
fuzz: build/fuzz/fuzz_json build/fuzz/fuzz_irc
build/fuzz/%: tests/fuzz/%.c $(FUZZ_SRC) src/core/json_simd.cc $(HDRS)
	@mkdir -p $(dir $@)
	clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude -Isrc -c -o $@.simd.o src/core/json_simd.cc
	clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude -Isrc -c $< -o $@.main.o
	for f in $(FUZZ_SRC); do clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	  -Iinclude -Isrc -c $$f -o $@.$$(basename $$f .c).o || exit 1; done
	clang++ -fsanitize=fuzzer,address,undefined -o $@ $@.*.o -lsimdjson -lcjson -lxxhash -lm

test: deps
	$(MAKE) test-only

test-only: build/t/weir $(UNIT_BINS)
	@tests/run.sh

demo: deps
	$(MAKE) build
	./weir demo

bench: deps
	$(MAKE) build
	bench/run.sh

# Memory on a 10 GB stream from stdin (docs/benchmarks.md); takes about a minute.
bench-memory: deps
	$(MAKE) build
	bench/memory_stdin.sh

deps:
	@scripts/deps.sh

lint:
	clang-format --dry-run --Werror $(LIB_C) $(LIB_CXX) src/cli/main.c $(HDRS) $(UNIT)
	cppcheck --quiet --error-exitcode=1 --std=c11 -Iinclude --suppress=missingIncludeSystem \
	  --suppress=unusedFunction --inline-suppr src

fmt:
	clang-format -i $(LIB_C) $(LIB_CXX) src/cli/main.c $(HDRS) $(UNIT)

clean:
	rm -rf build weir

help:
	@sed -n '1,10p' Makefile
