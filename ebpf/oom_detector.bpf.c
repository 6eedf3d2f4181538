// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * oom_detector.bpf.c — Tapio's kernel side: per-process RSS, per-cgroup page traffic,
 * OOM kills, process lifecycle and oom_score_adj metadata.
 *
 * Records go to one ring buffer (`tapio_events`, size set by user space before load);
 * counters live in per-CPU maps that user space sums. Layouts: tapio_abi.h.
 *
 * Program types: tp_btf (BTF-typed raw tracepoints: a direct call with typed pointers, no
 * perf record to assemble) everywhere. No kprobes: the target kernels may not have them.
 * Needs Linux 6.2 or later (mm->rss_stat as percpu counters).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "tapio_abi.h"
#include "tapio_task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- Tunables: set by the loader before load (struct tapio_config in tapio_abi.h). ---- */

const volatile struct tapio_config tapio_config SEC(".rodata.tapio") = {
	.rss_threshold_bytes = 1 << 20,         /* emit when RSS or swap moved by more than 1 MiB */
	.rss_min_interval_ns = 1000000000ULL,   /* ... or when it moved at all and 1 s has passed */
	.page_shift = 12,
	.wakeup_bytes = 64 * 1024,
};

/* ---- Maps ---- */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024); /* overridden by the loader (bpf_map__set_max_entries) */
} tapio_events SEC(".maps");

/* Per-CPU counters, indices TAPIO_COUNTER_* (ring-buffer drops = loss). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TAPIO_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} tapio_counters SEC(".maps");

/* Page allocations/frees per memory cgroup of the *current* task; LRU so it never fills. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 2048);
	__type(key, __u64);
	__type(value, struct tapio_page_counters);
} tapio_cgroup_pages SEC(".maps");

/* Aggregated RSS per process (tgid). */
struct rss_state {
	__u64 bytes[TAPIO_RSS_MEMBERS]; /* latest value per member, bytes */
	__u64 cgroup_id;                /* memcg at the last update made by the process itself */
	__u64 last_emit_rss;            /* file + anon + shmem at the last emitted record */
	__u64 last_emit_swap;
	__u64 last_emit_ns;
	__u64 mm;                       /* address of the process's current mm (identity only) */
	__u32 last_pid;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);      /* LRU: the least recently updated processes give way */
	__type(key, __u32);             /* tgid */
	__type(value, struct rss_state);
} tapio_rss_state SEC(".maps");

/* mm address -> tgid, learnt from updates the owner made itself (mm == current->mm). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);             /* mm address */
	__type(value, __u32);           /* tgid */
} tapio_mm_owner SEC(".maps");

/* Per-CPU memo of the rss_stat fast path (struct tapio_rss_memo in tapio_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tapio_rss_memo);
} tapio_rss_memo SEC(".maps");

/* tgids whose exit was reported: several threads can exit at once and all see live == 0, so
 * the first to insert here reports and the others stay quiet. Cleared when a new process
 * takes the tgid (fork), so pid reuse is reported again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);             /* tgid */
	__type(value, __u8);
} tapio_exit_reported SEC(".maps");

/* ---- Helpers ---- */

static __always_inline void count(__u32 index, __u64 n)
{
	__u64 *value = bpf_map_lookup_elem(&tapio_counters, &index);
	if (value)
		*value += n; /* per-CPU slot: no atomics needed */
}

static __always_inline void *reserve(__u64 size, __u32 type)
{
	struct tapio_event_header *header = bpf_ringbuf_reserve(&tapio_events, size, 0);
	if (!header) {
		count(TAPIO_COUNTER_RINGBUF_DROPS, 1);
		return NULL;
	}
	header->type = type;
	header->size = size;
	header->timestamp_ns = bpf_ktime_get_boot_ns();
	return header;
}

/*
 * Wake the reader only when it has real work: at once for an OOM kill, otherwise once the
 * ring holds tapio_config.wakeup_bytes unread (the reader also drains it on a timer). A wakeup
 * is an irq_work self-IPI in the submitting task, costly on every record and more so in VMs.
 */
static __always_inline void submit(void *event, int urgent)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (urgent || bpf_ringbuf_query(&tapio_events, BPF_RB_AVAIL_DATA) >= tapio_config.wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(event, flags);
}

static __always_inline __u64 abs_diff(__u64 a, __u64 b)
{
	return a > b ? a - b : b - a;
}

/* ---- kmem:rss_stat → per-process RSS ---- */

/*
 * get_mm_counter(): percpu_counter_read_positive(&mm->rss_stat[member]), in pages: the value
 * the classic tracepoint reports. Constant offsets only (tp_btf pointers take no variable
 * offsets); the caller bounds `member`.
 */
static __always_inline __s64 mm_counter_pages(struct mm_struct *mm, int member)
{
	__s64 pages;

	switch (member) {
	case 0: pages = mm->rss_stat[0].count; break;
	case 1: pages = mm->rss_stat[1].count; break;
	case 2: pages = mm->rss_stat[2].count; break;
	default: pages = mm->rss_stat[3].count; break;
	}
	return pages > 0 ? pages : 0;
}

/*
 * rss_stat fires on every RSS counter update (each page fault, each unmap batch): on a
 * page-fault-heavy workload hundreds of thousands of times a second per core, in the
 * faulting task, so its cost is the workload's slowdown. Hence tp_btf (a direct call, no
 * perf buffer assembling the classic record) and a two-stage program:
 *
 * Fast path: the counter the kernel just updated is a percpu_counter whose shared value
 * (`count`, what get_mm_counter() returns) only moves when a CPU folds in its local delta,
 * every 32+ pages. If this CPU's memo is for this mm and the value is the one this CPU saw
 * last (no fold: two loads and a compare), or has moved by no more than rss_threshold_bytes
 * since the memo's full pass and its recheck time has not come, nothing can be due and we
 * return. The memo is not cleared when a process exits: a new mm at the same address starts
 * from the old baseline, which only delays its first small record.
 *
 * Full path: keep the latest value of all four members per tgid (read from the mm itself, so
 * members skipped by the fast path are current) and emit a record only when RSS (or swap)
 * moved by more than rss_threshold_bytes, or moved at all and rss_min_interval_ns passed.
 *
 * An update of an mm that is not the current task's (the classic tracepoint's curr == 0):
 * reclaim/swap-out by kswapd or another task, the OOM reaper, ptrace/process_vm_writev,
 * khugepaged, and an mm being torn down (exit/exec, where current->mm is already NULL or the
 * new mm). Every update a process makes itself teaches tapio_mm_owner that the mm belongs to
 * its tgid, so remote updates of a known mm are attributed to that tgid (flagged
 * TAPIO_RSS_FLAG_REMOTE). Remote updates of an mm we never saw current (or whose process
 * already exited, or an old mm replaced by exec) are dropped knowingly and counted in
 * TAPIO_COUNTER_RSS_UNATTRIBUTED. A kernel thread borrowing an mm (kthread_use_mm) is
 * treated as remote too.
 *
 * Threads of one process may update the same entry on several CPUs at once; the race only
 * makes a record slightly stale, the next update corrects it.
 */
/* Everything past the fast path, out of line so the fast path stays a few instructions with
 * no register spills. `pages_now` is the counter of `member` as the fast path read it. */
static __noinline int rss_update(struct tapio_rss_memo *memo, struct mm_struct *mm, int member, __s64 pages_now)
{
	__u64 mm_key = (__u64)mm;
	__u64 threshold = tapio_config.rss_threshold_bytes;
	__u32 shift = tapio_config.page_shift & 63;
	__s64 pages[TAPIO_RSS_MEMBERS];

	if (memo->mm == mm_key) {
		int m = member & (TAPIO_RSS_MEMBERS - 1);
		__s64 moved = pages_now - memo->pages[m];

		memo->seen[m] = pages_now;
		if (moved < 0)
			moved = -moved;
		if (((__u64)moved << shift) <= threshold && bpf_ktime_get_ns() < memo->recheck_ns)
			return 0;
	}

	/* ---- full path ---- */
	struct task_struct *task = bpf_get_current_task_btf();
	struct rss_state *state;
	__u32 tgid, pid, flags = 0;
	int remote = task->mm != mm || (task->flags & TAPIO_PF_KTHREAD);

	count(TAPIO_COUNTER_RSS_FULL, 1);
	for (int i = 0; i < TAPIO_RSS_MEMBERS; i++)
		pages[i] = mm_counter_pages(mm, i);
	memo->mm = mm_key;
	/* Read back: a value loaded from a map is a plain number to the verifier, so it can be
	 * a map key and be folded into the record's mm_id (pointer arithmetic is refused). */
	mm_key = *(volatile __u64 *)&memo->mm;
	__builtin_memcpy(memo->pages, pages, sizeof(pages));
	__builtin_memcpy(memo->seen, pages, sizeof(pages));
	memo->recheck_ns = bpf_ktime_get_ns() + tapio_config.rss_min_interval_ns;

	if (!remote) {
		__u64 id = bpf_get_current_pid_tgid();
		tgid = id >> 32;
		pid = (__u32)id;
		state = bpf_map_lookup_elem(&tapio_rss_state, &tgid);
		if (!state) {
			struct rss_state fresh = { .mm = mm_key };
			bpf_map_update_elem(&tapio_rss_state, &tgid, &fresh, BPF_NOEXIST);
			bpf_map_update_elem(&tapio_mm_owner, &mm_key, &tgid, BPF_ANY);
			state = bpf_map_lookup_elem(&tapio_rss_state, &tgid);
			if (!state)
				return 0;
		} else if (state->mm != mm_key) {
			/* A new mm (exec): the old values no longer describe this process. */
			state->mm = mm_key;
			state->last_emit_ns = 0;
			bpf_map_update_elem(&tapio_mm_owner, &mm_key, &tgid, BPF_ANY);
		}
		state->last_pid = pid;
	} else {
		__u32 *owner = bpf_map_lookup_elem(&tapio_mm_owner, &mm_key);
		if (!owner) {
			count(TAPIO_COUNTER_RSS_UNATTRIBUTED, 1);
			return 0;
		}
		tgid = *owner;
		state = bpf_map_lookup_elem(&tapio_rss_state, &tgid);
		if (!state || state->mm != mm_key) {
			count(TAPIO_COUNTER_RSS_UNATTRIBUTED, 1);
			return 0;
		}
		pid = tgid;
		flags = TAPIO_RSS_FLAG_REMOTE;
	}

	for (int i = 0; i < TAPIO_RSS_MEMBERS; i++)
		state->bytes[i] = (__u64)pages[i] << shift;

	__u64 rss = state->bytes[TAPIO_RSS_FILE] + state->bytes[TAPIO_RSS_ANON] +
		    state->bytes[TAPIO_RSS_SHMEM];
	__u64 swap = state->bytes[TAPIO_RSS_SWAP];
	__u64 drss = abs_diff(rss, state->last_emit_rss);
	__u64 dswap = abs_diff(swap, state->last_emit_swap);
	__u64 now = bpf_ktime_get_boot_ns();

	if (drss <= threshold && dswap <= threshold) {
		if (drss == 0 && dswap == 0)
			return 0;
		if (now - state->last_emit_ns < tapio_config.rss_min_interval_ns)
			return 0;
	}

	if (!remote) {
		state->cgroup_id = tapio_task_memcg_id(task);
		/* Re-teach the owner now and then: a vfork child may have borrowed this mm. */
		bpf_map_update_elem(&tapio_mm_owner, &mm_key, &tgid, BPF_ANY);
	}
	state->last_emit_rss = rss;
	state->last_emit_swap = swap;
	state->last_emit_ns = now;

	struct tapio_rss_event *event = reserve(sizeof(*event), TAPIO_EVENT_PROCESS_RSS);
	if (!event)
		return 0;
	event->pid = pid;
	event->tgid = tgid;
	event->cgroup_id = state->cgroup_id;
	event->file_bytes = state->bytes[TAPIO_RSS_FILE];
	event->anon_bytes = state->bytes[TAPIO_RSS_ANON];
	event->swap_bytes = state->bytes[TAPIO_RSS_SWAP];
	event->shmem_bytes = state->bytes[TAPIO_RSS_SHMEM];
	event->flags = flags;
	event->mm_id = (__u32)(mm_key ^ (mm_key >> 32));
	submit(event, 0);
	count(TAPIO_COUNTER_RSS_EMITTED, 1);
	return 0;
}

SEC("tp_btf/rss_stat")
int BPF_PROG(tapio_rss_stat, struct mm_struct *mm, int member)
{
	__u32 zero = 0;
	struct tapio_rss_memo *memo = bpf_map_lookup_elem(&tapio_rss_memo, &zero);
	__s64 pages;

	if (!memo || (__u32)member >= TAPIO_RSS_MEMBERS)
		return 0;
	memo->updates++;        /* here, not in tapio_counters: one map lookup per hit, not two */
	pages = mm_counter_pages(mm, member);
	/* No fold since this CPU's last update of this mm's member: the common case. */
	if (memo->mm == (__u64)mm && memo->seen[member & (TAPIO_RSS_MEMBERS - 1)] == pages)
		return 0;
	return rss_update(memo, mm, member, pages);
}

/* ---- kmem:mm_page_alloc / mm_page_free → per-cgroup page traffic ---- */

/*
 * Both are keyed by the memory cgroup of the *current* task. For allocations that is
 * usually the cgroup that gets charged; frees run in whatever context releases the page
 * (reclaim, another process, RCU, kswapd), so the free column says "freed while this
 * cgroup was running", never "this cgroup's pages were freed". User space uses them as
 * activity counters, not as per-process or per-cgroup memory truth.
 */
static __always_inline void count_pages(int is_free, unsigned int order)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 cgroup_id = tapio_task_memcg_id(task);
	__u64 pages = 1ULL << (order & 31);
	struct tapio_page_counters *counters;

	counters = bpf_map_lookup_elem(&tapio_cgroup_pages, &cgroup_id);
	if (!counters) {
		struct tapio_page_counters zero = {};
		bpf_map_update_elem(&tapio_cgroup_pages, &cgroup_id, &zero, BPF_NOEXIST);
		counters = bpf_map_lookup_elem(&tapio_cgroup_pages, &cgroup_id);
		if (!counters)
			return;
	}
	if (is_free)
		counters->free_pages += pages;
	else
		counters->alloc_pages += pages;
}

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(tapio_page_alloc, struct page *page, unsigned int order, gfp_t gfp_flags, int migratetype)
{
	count_pages(0, order);
	return 0;
}

SEC("tp_btf/mm_page_free")
int BPF_PROG(tapio_page_free, struct page *page, unsigned int order)
{
	count_pages(1, order);
	return 0;
}

/* ---- oom:mark_victim → the kill ---- */

static __always_inline __u64 mm_counter_kb(struct mm_struct *mm, int member)
{
	/* get_mm_counter(): percpu_counter_read_positive(&mm->rss_stat[member]), in pages. */
	s64 pages = BPF_CORE_READ(mm, rss_stat[member].count);
	return pages > 0 ? ((__u64)pages << tapio_config.page_shift) >> 10 : 0;
}

/*
 * Runs in the context of the task that hit the OOM (the trigger), which may be another
 * process than the victim. tp_btf hands us the victim's task_struct, so everything about
 * the victim (cgroup, pid namespace, RSS) is read from the victim itself. The RSS values
 * are computed as the tracepoint computes them (get_mm_counter << (PAGE_SHIFT - 10)).
 */
SEC("tp_btf/mark_victim")
int BPF_PROG(tapio_mark_victim, struct task_struct *victim, uid_t uid)
{
	struct task_struct *trigger = bpf_get_current_task_btf();
	struct tapio_oom_kill_event *event;
	struct mm_struct *mm;

	event = reserve(sizeof(*event), TAPIO_EVENT_OOM_KILL);
	if (!event)
		return 0;
	event->victim_pid = BPF_CORE_READ(victim, pid);
	event->victim_tgid = BPF_CORE_READ(victim, tgid);
	event->victim_cgroup_id = tapio_task_memcg_id(victim);
	mm = BPF_CORE_READ(victim, mm);
	if (mm) {
		event->total_vm_kb = (BPF_CORE_READ(mm, total_vm) << tapio_config.page_shift) >> 10;
		event->anon_rss_kb = mm_counter_kb(mm, TAPIO_RSS_ANON);
		event->file_rss_kb = mm_counter_kb(mm, TAPIO_RSS_FILE);
		event->shmem_rss_kb = mm_counter_kb(mm, TAPIO_RSS_SHMEM);
		event->pgtables_kb = BPF_CORE_READ(mm, pgtables_bytes.counter) >> 10;
	} else {
		event->total_vm_kb = 0;
		event->anon_rss_kb = 0;
		event->file_rss_kb = 0;
		event->shmem_rss_kb = 0;
		event->pgtables_kb = 0;
	}
	event->uid = uid;
	event->oom_score_adj = BPF_CORE_READ(victim, signal, oom_score_adj);
	event->trigger_pid = BPF_CORE_READ(trigger, pid);
	event->trigger_tgid = BPF_CORE_READ(trigger, tgid);
	event->trigger_cgroup_id = tapio_task_memcg_id(trigger);
	tapio_task_pidns(victim, &event->victim_pidns_level, &event->victim_ns_pid);
	BPF_CORE_READ_STR_INTO(&event->victim_comm, victim, comm);
	submit(event, 1);  /* a kill: wake the reader now */
	return 0;
}

/* ---- sched:sched_process_exec / fork / exit → lifecycle ---- */

static __always_inline void emit_process(__u32 type, struct task_struct *task, __s32 exit_code)
{
	struct tapio_process_event *event = reserve(sizeof(*event), type);
	if (!event)
		return;
	event->pid = BPF_CORE_READ(task, tgid);
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->cgroup_id = tapio_task_memcg_id(task);
	tapio_task_pidns(task, &event->pidns_level, &event->ns_pid);
	event->exit_code = exit_code;
	event->uid = tapio_task_uid(task);
	BPF_CORE_READ_STR_INTO(&event->comm, task, comm);
	submit(event, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tapio_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	emit_process(TAPIO_EVENT_PROCESS_EXEC, task, 0);
	return 0;
}

/* Fork fires for threads too: only a new thread group (child pid == tgid) is a new process. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(tapio_process_fork, struct task_struct *parent, struct task_struct *child)
{
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	__u32 tgid = BPF_CORE_READ(child, tgid);
	bpf_map_delete_elem(&tapio_exit_reported, &tgid);
	emit_process(TAPIO_EVENT_PROCESS_FORK, child, 0);
	return 0;
}

/*
 * Exit fires once per thread. We report the process once, when its last thread exits
 * (signal->live reached 0: the tracepoint's group_dead), whether or not that thread is the
 * leader, so a leader that exits first does not end the process early. The pid reported is
 * the tgid. Its RSS state is forgotten here.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tapio_process_exit, struct task_struct *task)
{
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;

	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u8 reported = 1;
	if (bpf_map_update_elem(&tapio_exit_reported, &tgid, &reported, BPF_NOEXIST) != 0)
		return 0;       /* another thread of this process already reported the exit */
	struct rss_state *state = bpf_map_lookup_elem(&tapio_rss_state, &tgid);
	if (state) {
		__u64 mm = state->mm;
		__u32 *owner = bpf_map_lookup_elem(&tapio_mm_owner, &mm);
		if (owner && *owner == tgid)
			bpf_map_delete_elem(&tapio_mm_owner, &mm);
		bpf_map_delete_elem(&tapio_rss_state, &tgid);
	}
	emit_process(TAPIO_EVENT_PROCESS_EXIT, task, BPF_CORE_READ(task, exit_code));
	return 0;
}

/* ---- oom:oom_score_adj_update → metadata only ---- */

SEC("tp_btf/oom_score_adj_update")
int BPF_PROG(tapio_oom_score_adj_update, struct task_struct *task)
{
	struct tapio_oom_score_adj_event *event;

	event = reserve(sizeof(*event), TAPIO_EVENT_OOM_SCORE_ADJ);
	if (!event)
		return 0;
	event->pid = BPF_CORE_READ(task, pid);
	event->tgid = BPF_CORE_READ(task, tgid);
	event->cgroup_id = tapio_task_memcg_id(task);
	event->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	event->_pad = 0;
	BPF_CORE_READ_STR_INTO(&event->comm, task, comm);
	submit(event, 0);
	return 0;
}
