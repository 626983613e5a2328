# asyncdrive: build, run the main evaluation, test.
#
#   make run    install what is missing, build bin/asyncdrive, evaluate the builtin suite with the baseline
#               planners and with PDM guided by the builtin language-model guide (non-reactive and reactive
#               agents), then PDM unguided and guided on the instruction suite (routes withheld past a branch,
#               operator commands), then the planners on the real recorded scenarios (REAL_SCENARIOS, when
#               the folder is there) into out/ and print the score tables
#   make model  retrain the guide's model (llmguide/model) with Debian's PyTorch
#   make test   install what is missing and run every test
#
# Needs Go 1.26 (found on PATH or at /usr/local/go/bin) and make; everything else comes from the Go module
# proxy (go mod download) or Debian's apt (APT_PACKAGES).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO := $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
GOFMT := $(dir $(GO))gofmt
export PATH := $(dir $(GO)):$(PATH)
# Builds do not need git: the version is passed explicitly.
export GOFLAGS ?= -buildvcs=false

BIN      := bin/asyncdrive
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

# The main job: these planners, with these agent modes, on the builtin suite, into $(OUT)/PLANNER-AGENTS.
OUT      ?= out
PLANNERS ?= log_replay idm idm_nuplan pdm
AGENTS   ?= nonreactive reactive
EVALFLAGS ?=
# The guided run of make run: PDM with the builtin language-model guide (llmguide/model).
GUIDEFLAGS ?= --guide-interval 5 --guide-latency-ms 100
# The real recorded scenarios make run evaluates with REAL_PLANNERS (and PDM guided), non-reactive, into
# $(OUT)/real-PLANNER; empty, or a folder that is not there: skipped.
REAL_SCENARIOS ?= ../shared/data/commonroad
REAL_PLANNERS  ?= log_replay idm pdm

# Debian packages the build or the tests need: the OpenGL viewer's (GLFW's X11 and GL headers, and Xvfb for
# its tests). gcc comes with the machine.
APT_PACKAGES ?= libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev \
	libxxf86vm-dev xvfb xauth
# Packages that need cgo (the OpenGL viewer, the ONNX Runtime binding and the command that links them), tested with CGO_ENABLED=1 under
# xvfb-run; all others are tested with CGO_ENABLED=0. The first cgo build compiles GLFW (about a minute);
# Go's build cache keeps it.
CGO_PKGS ?= viz llmguide/ort cmd/asyncdrive

TESTFLAGS ?=
BENCHFLAGS ?= -benchtime=1s
FUZZTIME ?= 10s

.PHONY: all deps go-check apt-deps ort-deps build run test bench fmt fmt-check vet lint fuzz clean model

all: build

go-check:
	@if ! [ -x "$(GO)" ]; then \
		echo "make: Go not found on PATH or at /usr/local/go/bin: install Go 1.26 (go.dev/dl) to /usr/local/go" >&2; \
		exit 1; \
	fi

apt-deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing; \
	fi

deps: go-check apt-deps ort-deps
	@$(GO) mod download

# The ONNX Runtime 1.24 C library the guide loads (from npm's onnxruntime-node; ONNXRUNTIME_LIB overrides).
ORT_DIR := third_party/onnxruntime
ort-deps:
	@if [ -z "$${ONNXRUNTIME_LIB:-}" ]; then scripts/install-onnxruntime.sh $(ORT_DIR); fi

# Retrain the guide's model: export the dataset, train with Debian's PyTorch, write llmguide/model/.
MODEL_DATA ?= out/guide-dataset
model: build
	@sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	for p in python3-torch python3-onnx; do dpkg -s $$p >/dev/null 2>&1 || { $$sudo apt-get update -qq && $$sudo apt-get install -y -qq python3-torch python3-onnx; break; }; done
	$(BIN) guide-dataset --out $(MODEL_DATA) --commonroad ../shared/data/commonroad
	/usr/bin/python3 scripts/train_guide.py $(MODEL_DATA) llmguide/model

build: deps
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/asyncdrive

# Each run starts afresh (rm -rf its folder) so that the tables reflect the code just built; call
# bin/asyncdrive eval directly to resume an interrupted run instead.
run: build
	@dirs=""; \
	for p in $(PLANNERS); do for a in $(AGENTS); do \
		dir="$(OUT)/$$p-$$a"; dirs="$$dirs $$dir"; rm -rf "$$dir"; \
		echo; echo "=== $(BIN) eval --planner $$p --agents $$a --out $$dir $(EVALFLAGS)"; \
		$(BIN) eval --planner "$$p" --agents "$$a" --out "$$dir" $(EVALFLAGS); \
	done; done; \
	for a in $(AGENTS); do \
		dir="$(OUT)/pdm-guided-$$a"; dirs="$$dirs $$dir"; rm -rf "$$dir"; \
		echo; echo "=== $(BIN) eval --planner pdm --guide builtin $(GUIDEFLAGS) --agents $$a --out $$dir $(EVALFLAGS)"; \
		$(BIN) eval --planner pdm --guide builtin $(GUIDEFLAGS) --agents "$$a" --out "$$dir" $(EVALFLAGS); \
	done; \
	echo; echo "=== $(BIN) report$$dirs"; \
	$(BIN) report $$dirs; \
	idirs=""; \
	for g in "" "--guide builtin $(GUIDEFLAGS)"; do \
		dir="$(OUT)/pdm$${g:+-guided}-instructions"; idirs="$$idirs $$dir"; rm -rf "$$dir"; \
		echo; echo "=== $(BIN) eval --planner pdm --suite instructions $$g --out $$dir $(EVALFLAGS)"; \
		$(BIN) eval --planner pdm --suite instructions $$g --out "$$dir" $(EVALFLAGS); \
	done; \
	echo; echo "=== the instruction suite, unguided and guided: $(BIN) report$$idirs"; \
	$(BIN) report $$idirs; \
	if [ -z "$(REAL_SCENARIOS)" ] || [ ! -d "$(REAL_SCENARIOS)" ]; then \
		echo; echo "=== real recorded scenarios skipped: no folder REAL_SCENARIOS='$(REAL_SCENARIOS)'"; exit 0; \
	fi; \
	rdirs=""; \
	for p in $(REAL_PLANNERS) pdm-guided; do \
		dir="$(OUT)/real-$$p"; rdirs="$$rdirs $$dir"; rm -rf "$$dir"; \
		flags="--planner $$p"; [ "$$p" != pdm-guided ] || flags="--planner pdm --guide builtin $(GUIDEFLAGS)"; \
		echo; echo "=== $(BIN) eval --scenarios $(REAL_SCENARIOS) $$flags --out $$dir"; \
		$(BIN) eval --scenarios "$(REAL_SCENARIOS)" $$flags --out "$$dir"; \
	done; \
	echo; echo "=== the real recorded scenarios: $(BIN) report$$rdirs"; \
	$(BIN) report $$rdirs

ifeq ($(strip $(CGO_PKGS)),)
NOCGO_PKGS := ./...
else
NOCGO_PKGS := $$($(GO) list ./... | grep -v -x -F $(foreach p,$(CGO_PKGS),-e asyncdrive/$(p)))
endif

test: deps
	CGO_ENABLED=0 $(GO) test $(TESTFLAGS) $(NOCGO_PKGS)
ifneq ($(strip $(CGO_PKGS)),)
	CGO_ENABLED=1 $$(command -v xvfb-run >/dev/null && echo "xvfb-run -a") $(GO) test $(TESTFLAGS) $(addprefix ./,$(CGO_PKGS))
endif

bench: deps
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchmem $(BENCHFLAGS) ./...

fmt: go-check
	$(GOFMT) -l -w .

fmt-check: go-check
	@out="$$($(GOFMT) -l .)"; if [ -n "$$out" ]; then echo "not gofmt'ed:"; echo "$$out"; exit 1; fi

vet: deps
	$(GO) vet ./...

lint: fmt-check vet

# Short runs of every fuzz target (FUZZTIME each); a failure leaves its input under testdata/fuzz/
# (scripts/fuzz-all.sh, which tells Go 1.26's end-of-run deadline flake apart from a failure).
fuzz: deps
	GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz-all.sh

clean:
	rm -rf bin $(OUT)
