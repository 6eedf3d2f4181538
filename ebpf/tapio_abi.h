/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tapio_abi.h — the one kernel/user ABI of Tapio's eBPF programs.
 *
 * Every struct here crosses from the BPF programs (ebpf/oom_detector.bpf.c) into user space
 * (Sources/TapioNode, through the CTapioBPF module) byte for byte. Rules:
 *   - only fixed-width fields (__u32/__u64/__s32, fixed char arrays), no bitfields,
 *     no pointers, no enums as field types;
 *   - every struct is padded explicitly to a multiple of 8 bytes and every field sits
 *     at its natural alignment, so BPF and the host compiler lay it out identically;
 *   - the sizes are pinned by _Static_assert below; change a struct and the build tells
 *     you to change the Swift decoder (KernelEventDecoder) and its tests too.
 *
 * It compiles in BPF programs (after vmlinux.h, which defines __u32 etc.) and in user
 * space (where <linux/types.h> provides them).
 */
#ifndef TAPIO_ABI_H
#define TAPIO_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TAPIO_ABI_VERSION 1
#define TAPIO_COMM_LEN 16

/* Event type tags (tapio_event_header.type). */
#define TAPIO_EVENT_PROCESS_RSS 1     /* struct tapio_rss_event */
#define TAPIO_EVENT_OOM_KILL 2        /* struct tapio_oom_kill_event */
#define TAPIO_EVENT_PROCESS_EXEC 3    /* struct tapio_process_event */
#define TAPIO_EVENT_PROCESS_FORK 4    /* struct tapio_process_event */
#define TAPIO_EVENT_PROCESS_EXIT 5    /* struct tapio_process_event */
#define TAPIO_EVENT_OOM_SCORE_ADJ 6   /* struct tapio_oom_score_adj_event */

/*
 * Indices into the per-CPU counter array `tapio_counters` (sum over CPUs in user space).
 */
#define TAPIO_COUNTER_RINGBUF_DROPS 0      /* bpf_ringbuf_reserve failed: events lost */
#define TAPIO_COUNTER_RSS_UNATTRIBUTED 1   /* rss_stat of an mm not current's, owner unknown */
#define TAPIO_COUNTER_RSS_EVENTS 2         /* unused: rss_stat hits are counted in tapio_rss_memo */
#define TAPIO_COUNTER_RSS_EMITTED 3        /* rss events written to the ring buffer */
#define TAPIO_COUNTER_RSS_FULL 4           /* rss_stat hits past the per-CPU fast path */
#define TAPIO_COUNTER_COUNT 8              /* array size (spare slots for later counters) */

/* rss_stat members (kernel enum: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES). */
#define TAPIO_RSS_FILE 0
#define TAPIO_RSS_ANON 1
#define TAPIO_RSS_SWAP 2
#define TAPIO_RSS_SHMEM 3
#define TAPIO_RSS_MEMBERS 4

/* tapio_rss_event.flags */
#define TAPIO_RSS_FLAG_REMOTE 1u  /* last update came from another task (mm not current's), attributed via the mm */

/* Common header of every ring-buffer record. */
struct tapio_event_header {
	__u32 type;          /* TAPIO_EVENT_* */
	__u32 size;          /* size of the whole record, header included */
	__u64 timestamp_ns;  /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME; user space converts to UNIX epoch */
};

/* Per-process resident memory, emitted on a meaningful change (see rss_stat program). */
struct tapio_rss_event {
	struct tapio_event_header header;
	__u32 pid;           /* thread whose fault caused the last update (== tgid when remote) */
	__u32 tgid;          /* process id */
	__u64 cgroup_id;     /* memory cgroup id (inode of the cgroup directory) */
	__u64 file_bytes;
	__u64 anon_bytes;
	__u64 swap_bytes;
	__u64 shmem_bytes;
	__u32 flags;         /* TAPIO_RSS_FLAG_* */
	__u32 mm_id;         /* the mm's address folded to 32 bits: an identity, not a pointer */
};

/* The OOM killer chose a victim (oom:mark_victim). */
struct tapio_oom_kill_event {
	struct tapio_event_header header;
	__u32 victim_pid;         /* the victim thread the kernel picked */
	__u32 victim_tgid;
	__u64 victim_cgroup_id;   /* memory cgroup of the victim (not of the trigger) */
	__u64 total_vm_kb;
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__u64 pgtables_kb;
	__u32 uid;
	__s32 oom_score_adj;
	__u32 trigger_pid;        /* current task when the OOM happened (may differ from the victim) */
	__u32 trigger_tgid;
	__u64 trigger_cgroup_id;
	__u32 victim_pidns_level;
	__u32 victim_ns_pid;
	char victim_comm[TAPIO_COMM_LEN];
};

/* Process lifecycle: exec, fork (new processes only, not threads) and exit (once per process). */
struct tapio_process_event {
	struct tapio_event_header header;
	__u32 pid;           /* tgid of the process */
	__u32 ppid;          /* tgid of the real parent */
	__u64 cgroup_id;     /* memory cgroup id */
	__u32 pidns_level;   /* 0 = initial PID namespace; > 0 = inside a container/sandbox */
	__u32 ns_pid;        /* pid as seen inside its own (innermost) PID namespace */
	__s32 exit_code;     /* exit only: task->exit_code (status << 8 | signal), else 0 */
	__u32 uid;
	char comm[TAPIO_COMM_LEN];
};

/* Something wrote /proc/PID/oom_score_adj: metadata only, never a kill. */
struct tapio_oom_score_adj_event {
	struct tapio_event_header header;
	__u32 pid;
	__u32 tgid;
	__u64 cgroup_id;
	__s32 oom_score_adj;
	__u32 _pad;
	char comm[TAPIO_COMM_LEN];
};

/*
 * Tunables, set by the loader before load. The BPF object holds one `const volatile`
 * instance in its own section ".rodata.tapio", so user space finds it as the map of that
 * name and writes this struct into its initial value (bpf_map__initial_value).
 */
struct tapio_config {
	__u64 rss_threshold_bytes;   /* emit RSS when RSS or swap moved by more than this */
	__u64 rss_min_interval_ns;   /* ... or when it moved at all and this much time passed */
	__u32 page_shift;            /* log2(page size): 12 for 4 KiB pages */
	__u32 wakeup_bytes;          /* wake the reader when this much is unread (kills: always) */
};

/*
 * Value of the per-CPU array `tapio_rss_memo` (one entry): the last mm that went through the
 * full rss_stat path on this CPU and its counters then, which lets the program return after
 * two loads and a compare for most updates. User space reads only `updates`.
 */
struct tapio_rss_memo {
	__u64 mm;                       /* mm address (identity only) */
	__s64 pages[4];                 /* counters at the last full pass (TAPIO_RSS_* order) */
	__s64 seen[4];                  /* counter at the last update of that member on this CPU */
	__u64 recheck_ns;               /* bpf_ktime_get_ns(): a small move is looked at after this */
	__u64 updates;                  /* every rss_stat hit on this CPU */
};

/* Value of the per-CPU per-cgroup page counter map `tapio_cgroup_pages` (key: __u64 memcg id). */
struct tapio_page_counters {
	__u64 alloc_pages;   /* pages allocated while a task of this cgroup was current (order-weighted) */
	__u64 free_pages;    /* pages freed while a task of this cgroup was current: NOT the owner's frees */
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct tapio_event_header) == 16, "tapio_event_header layout");
_Static_assert(sizeof(struct tapio_rss_event) == 72, "tapio_rss_event layout");
_Static_assert(sizeof(struct tapio_oom_kill_event) == 120, "tapio_oom_kill_event layout");
_Static_assert(sizeof(struct tapio_process_event) == 64, "tapio_process_event layout");
_Static_assert(sizeof(struct tapio_oom_score_adj_event) == 56, "tapio_oom_score_adj_event layout");
_Static_assert(sizeof(struct tapio_page_counters) == 16, "tapio_page_counters layout");
_Static_assert(sizeof(struct tapio_config) == 24, "tapio_config layout");
_Static_assert(sizeof(struct tapio_rss_memo) == 88, "tapio_rss_memo layout");
#endif

#endif /* TAPIO_ABI_H */
