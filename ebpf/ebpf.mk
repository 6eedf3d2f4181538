# ebpf/ebpf.mk — builds Tapio's BPF object. Included by the top-level Makefile
# (`include ebpf/ebpf.mk`, its `build` depends on `bpf`), or standalone from the repo root:
#   make -f ebpf/ebpf.mk bpf        (V=1 shows the commands)
#
# Outputs (git-ignored):
#   ebpf/.output/vmlinux.h            bpftool btf dump of the running kernel's BTF
#   ebpf/.output/oom_detector.bpf.o   CO-RE object, embedded into the Swift binary by
#                                     Sources/CTapioBPF/embed.c
#   ebpf/.output/rss_stat_floor.bpf.o the node benchmark's empty reference program

BPF_DIR        := ebpf
BPF_OUTPUT     := $(BPF_DIR)/.output
BPF_CLANG      ?= $(firstword $(wildcard /opt/swift/usr/bin/clang) clang)
BPFTOOL        ?= bpftool
BPF_VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_ARCH       ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
                    -e 's/ppc64le/powerpc/' -e 's/mips.*/mips/' -e 's/riscv64/riscv/' \
                    -e 's/loongarch64/loongarch/' -e 's/s390x/s390/')
BPF_CFLAGS     ?= -g -O2 -Wall -Werror
BPF_OBJECT     := $(BPF_OUTPUT)/oom_detector.bpf.o
BPF_FLOOR      := $(BPF_OUTPUT)/rss_stat_floor.bpf.o
BPF_VMLINUX_H  := $(BPF_OUTPUT)/vmlinux.h
BPF_SOURCES    := $(BPF_DIR)/oom_detector.bpf.c
BPF_HEADERS    := $(BPF_DIR)/tapio_abi.h $(BPF_DIR)/tapio_task.bpf.h

ifeq ($(V),1)
  BPF_Q :=
  BPF_MSG = @true
else
  BPF_Q := @
  BPF_MSG = @printf '  %-8s %s\n'
endif

.DELETE_ON_ERROR:
.PHONY: bpf bpf-clean

bpf: $(BPF_OBJECT) $(BPF_FLOOR)

$(BPF_OUTPUT):
	$(BPF_Q)mkdir -p $@

$(BPF_VMLINUX_H): | $(BPF_OUTPUT)
	@test -r $(BPF_VMLINUX_BTF) || { echo "ebpf: $(BPF_VMLINUX_BTF) not found: this kernel has no BTF (needs CONFIG_DEBUG_INFO_BTF=y), or set BPF_VMLINUX_BTF=<path to a vmlinux BTF>" >&2; exit 1; }
	$(BPF_MSG) BTF $@
	$(BPF_Q)$(BPFTOOL) btf dump file $(BPF_VMLINUX_BTF) format c > $@

$(BPF_OBJECT): $(BPF_SOURCES) $(BPF_HEADERS) $(BPF_VMLINUX_H) | $(BPF_OUTPUT)
	$(BPF_MSG) BPF $@
	$(BPF_Q)$(BPF_CLANG) $(BPF_CFLAGS) -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
		-I$(BPF_OUTPUT) -I$(BPF_DIR) -c $< -o $@

$(BPF_FLOOR): $(BPF_DIR)/bench/rss_stat_floor.bpf.c $(BPF_VMLINUX_H) | $(BPF_OUTPUT)
	$(BPF_MSG) BPF $@
	$(BPF_Q)$(BPF_CLANG) $(BPF_CFLAGS) -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
		-I$(BPF_OUTPUT) -c $< -o $@

bpf-clean:
	$(BPF_Q)rm -rf $(BPF_OUTPUT)
