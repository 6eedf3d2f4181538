# Tapio — build, test and benchmark entry points. `make test` is what CI runs.
SHELL := /bin/bash
.DELETE_ON_ERROR:
.PHONY: all deps build test demo demo-needs-root install bench bench-wire bench-node bench-transport bench-oom vectors clean

# Swift lives in /opt/swift on our machines; keep working when PATH lacks it.
ifneq ($(wildcard /opt/swift/usr/bin/swift),)
export PATH := /opt/swift/usr/bin:$(PATH)
endif

SWIFT ?= swift
CONFIG ?= release
BIN := bin
PRODUCTS := tapio tapio-exporter tapio-aggregator tapio-tail tapio-vectors tapio-wire-bench tapio-workload tapio-loadgen tapio-oom-bench
DEBIAN_PACKAGES := libbpf-dev libelf-dev liblz4-dev zlib1g-dev libcurl4-openssl-dev bpftool pkg-config lz4 jq curl time

all: build

# Installs the C libraries and tools from Debian when any is missing (idempotent), and mounts
# tracefs when we are root and it is not mounted (the BPF programs attach to tracepoints).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@if [ "$$(id -u)" = 0 ] && [ -d /sys/kernel/tracing ] && [ -z "$$(ls -A /sys/kernel/tracing 2>/dev/null)" ]; then \
	  mount -t tracefs tracefs /sys/kernel/tracing && echo "mounted tracefs on /sys/kernel/tracing"; \
	fi

# BPF objects come from ebpf/ebpf.mk (target `bpf`).
ifneq ($(wildcard ebpf/ebpf.mk),)
include ebpf/ebpf.mk
else
bpf:
	@true
endif

build: deps bpf
	$(SWIFT) build -c $(CONFIG)
	@mkdir -p $(BIN)
	@for p in $(PRODUCTS); do ln -sf ../.build/$(CONFIG)/$$p $(BIN)/$$p; done
	@echo "binaries in $(BIN)/: $(PRODUCTS)"

test: build
	$(SWIFT) test

# The whole story in about three minutes (needs root): a leak in a limited cgroup, tapio's
# warning with its ETA, the kernel's real OOM kill and how far ahead it was predicted.
demo: demo-needs-root build
	tools/demo.sh

demo-needs-root:
	@[ "$$(id -u)" = 0 ] || { echo "make demo needs root (eBPF programs and a memory cgroup): sudo make demo" >&2; exit 1; }

# Installs the release binaries and the systemd units, nothing else (DESTDIR for packaging).
# They are linked with Swift's runtime inside (--static-swift-stdlib, their own scratch path),
# so a node needs only Debian's libbpf1 libelf1 liblz4-1 zlib1g libcurl4, not /opt/swift; the
# target refuses to install a binary that still links a libswift*.so.
PREFIX ?= /usr/local
SYSTEMD_DIR ?= $(PREFIX)/lib/systemd/system
INSTALL_PRODUCTS := tapio tapio-exporter tapio-aggregator tapio-tail
STATIC_BUILD := .build-static
install: deps bpf
	@for p in $(INSTALL_PRODUCTS); do \
	  $(SWIFT) build -c release --static-swift-stdlib --scratch-path $(STATIC_BUILD) --product $$p || exit 1; \
	  if ldd $(STATIC_BUILD)/release/$$p | grep -q 'libswift\|libFoundation\|libdispatch'; then \
	    echo "install: $$p still links the Swift runtime dynamically" >&2; exit 1; \
	  fi; \
	done
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSTEMD_DIR)
	install -m 0755 $(addprefix $(STATIC_BUILD)/release/,$(INSTALL_PRODUCTS)) $(DESTDIR)$(PREFIX)/bin/
	@for u in tapio-exporter.service tapio-aggregator.service; do \
	  echo "install deploy/systemd/$$u -> $(DESTDIR)$(SYSTEMD_DIR)/$$u (binaries in $(PREFIX)/bin)"; \
	  sed 's#/usr/local/bin/#$(PREFIX)/bin/#g' deploy/systemd/$$u > $(DESTDIR)$(SYSTEMD_DIR)/$$u; \
	  chmod 0644 $(DESTDIR)$(SYSTEMD_DIR)/$$u; \
	done

# Regenerates protocol/vectors/ from tools/vectors (the tests check the committed files).
vectors: build
	$(BIN)/tapio-vectors protocol/vectors

bench: bench-wire bench-node bench-transport

bench-wire: build
	@mkdir -p bench
	$(BIN)/tapio-wire-bench --output bench/wire.md
	@tools/readme-splice.sh README.md wire bench/wire.md

# Node overhead of tapio-exporter (needs root): page-fault workload with and without it.
bench-node: build
	@mkdir -p bench
	tools/bench-node.sh --output bench/node.md
	@tools/readme-splice.sh README.md node bench/node.md

# Aggregator ingest, CPU, memory per container and ack latency under tapio-loadgen (1000 nodes).
bench-transport: build
	@mkdir -p bench
	tools/bench-transport.sh --output bench/transport.md
	@tools/readme-splice.sh README.md transport bench/transport.md

# OOM prediction against real kernel OOM kills (needs root, about 7 minutes): the workload suite
# in limited cgroups under our own, a live exporter (recording) and aggregator, then Tapio and the
# baselines scored on the dump. Kept out of `make bench`. Re-score a kept dump without root:
# $(BIN)/tapio-oom-bench score /tmp/tapio-oombench.dump
bench-oom: build
	@mkdir -p bench
	$(BIN)/tapio-oom-bench run --dump /tmp/tapio-oombench.dump --output bench/oom.md
	@tools/readme-splice.sh README.md oom bench/oom.md

clean:
	rm -rf .build $(BIN) ebpf/.output
