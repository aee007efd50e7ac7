# akte — the two commands of the README, and the long runs.
#   make run    install what is missing, build, start akted with demo data
#   make test   install what is missing, build (plain and with ASan/UBSan),
#               run every test; ends with one line "N passed, N failed"
#   make bench  the benchmarks (long; not part of make test)
#   make fuzz   the fuzzers for FUZZ_SECONDS each (not part of make test)

BUILD  ?= build
SAN    ?= build-san
DATA   ?= $(CURDIR)/.akte-data
LISTEN ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 3600

.PHONY: all deps build run test bench fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	$(BUILD)/src/server/akted serve --data $(DATA) --listen $(LISTEN) --demo

test: deps
	@bash scripts/test.sh

bench: build
	@bash scripts/install-deps.sh --bench
	bash bench/http.sh
	bash bench/docs.sh

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh

clean:
	rm -rf $(BUILD) $(SAN) build-fuzz
