// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rss_stat_floor.bpf.c — the node benchmark's reference: a program that does nothing, on the
 * tracepoint Tapio's tapio_rss_stat uses. What a workload loses with it attached is what any
 * program there costs (the kernel's tracepoint and BPF dispatch on every RSS counter update),
 * the floor under Tapio's own cost. Attached by tools/bpf-floor.c; never shipped.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/rss_stat")
int BPF_PROG(floor_rss_stat, struct mm_struct *mm, int member)
{
	return 0;
}
