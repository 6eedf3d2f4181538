/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tapio_task.bpf.h — what Tapio reads from a task_struct, CO-RE.
 * Include after vmlinux.h, bpf_helpers.h, bpf_tracing.h, bpf_core_read.h.
 */
#ifndef TAPIO_TASK_BPF_H
#define TAPIO_TASK_BPF_H

#include "tapio_abi.h"

#define TAPIO_PF_KTHREAD 0x00200000 /* include/linux/sched.h */

/*
 * Memory cgroup id of a task: task->cgroups->subsys[memory_cgrp_id]->cgroup->kn->id.
 * It equals the inode number of the cgroup's directory, on cgroup v1 (the memory
 * hierarchy) and v2 alike. 0 when the kernel has no memory controller.
 */
static __always_inline __u64 tapio_task_memcg_id(struct task_struct *task)
{
	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return 0;
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (id < 0 || id >= CGROUP_SUBSYS_COUNT)
		return 0;
	struct css_set *cgroups = BPF_CORE_READ(task, cgroups);
	struct cgroup_subsys_state *css = NULL;
	bpf_core_read(&css, sizeof(css), &cgroups->subsys[id]);
	if (!css)
		return 0;
	return BPF_CORE_READ(css, cgroup, kn, id);
}

/* PID-namespace level of a task (0 = initial namespace) and its pid inside that namespace. */
static __always_inline void tapio_task_pidns(struct task_struct *task, __u32 *level, __u32 *ns_pid)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	__u32 lvl = BPF_CORE_READ(pid, level);
	struct upid upid = {};

	*level = lvl;
	*ns_pid = 0;
	if (!pid)
		return;
	/* numbers[] is a flexible array of (level + 1) entries; levels are < 32 (MAX_PID_NS_LEVEL). */
	if (lvl >= 32)
		return;
	bpf_core_read(&upid, sizeof(upid), &pid->numbers[lvl]);
	*ns_pid = upid.nr;
}

static __always_inline __u32 tapio_task_uid(struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	__u32 uid = 0;

	bpf_core_read(&uid, sizeof(uid), &cred->uid.val);
	return uid;
}

static __always_inline int tapio_task_is_kthread(struct task_struct *task)
{
	return BPF_CORE_READ(task, flags) & TAPIO_PF_KTHREAD;
}

#endif /* TAPIO_TASK_BPF_H */
