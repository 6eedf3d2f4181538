#!/usr/bin/env python3
"""Writes the cgroup and /proc fixture trees used by the TapioNode sampler and resolver tests.

Every file copies the exact format the kernel writes (field order, spacing, final newline):
cgroup v2 files as on Linux 6.8 (and a 5.4-era memory.stat without the "kernel" line for the
cgroupfs tree), cgroup v1 files as on Linux 6.x with local and total_ lines. Numbers are
invented but consistent (usage ~ anon + file + kernel; pod totals = sum of containers).

Run from this directory: python3 generate.py   (it rewrites the cgroup-*/ and proc*/ trees;
the kubelet/*.json fixtures are hand-written and left alone).
"""
import hashlib
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = 4096
V1_UNLIMITED = 9223372036854771712

def cid(name):
    return hashlib.sha256(name.encode()).hexdigest()

UID_GUARANTEED = "8f0b5a1e-3c2d-4e6f-9a7b-1c2d3e4f5a6b"
UID_BURSTABLE = "2c48a299-e1f2-4b3a-9c8d-7e6f5a4b3c2d"
UID_BESTEFFORT = "b41662f7-b03a-4c65-8ef9-6e4e55c3cf27"
UID_CRIO = "57e67067-89e4-4001-bdd4-8632d39ea02b"

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def pages(n):
    return n * PAGE

class Mem:
    """Memory numbers of one cgroup (bytes)."""
    def __init__(self, anon, file, shmem=0, kernel_stack=pages(12), pagetables=pages(40), percpu=720,
                 sock=0, slab_r=pages(30), slab_u=pages(20), active_file_share=0.5, pgscan=0,
                 pgsteal=0, pgfault=4413, pgmajfault=0, refault_anon=0, refault_file=0, swap=0):
        self.anon, self.file, self.shmem = anon, file, shmem
        self.kernel_stack, self.pagetables, self.percpu, self.sock = kernel_stack, pagetables, percpu, sock
        self.slab_r, self.slab_u = slab_r, slab_u
        self.active_file = (int(file * active_file_share) // PAGE) * PAGE
        self.inactive_file = file - self.active_file
        self.pgscan, self.pgsteal, self.pgfault, self.pgmajfault = pgscan, pgsteal, pgfault, pgmajfault
        self.refault_anon, self.refault_file, self.swap = refault_anon, refault_file, swap

    @property
    def slab(self):
        return self.slab_r + self.slab_u

    @property
    def kernel(self):
        return self.kernel_stack + self.pagetables + self.percpu + self.sock + self.slab

    @property
    def usage(self):
        return self.anon + self.file + self.kernel

    def plus(self, other):
        m = Mem(0, 0)
        for k, v in vars(self).items():
            setattr(m, k, v + vars(other)[k])
        return m

def v2_stat(m):
    inactive_anon = (m.anon * 9 // 10 // PAGE) * PAGE + m.shmem
    active_anon = m.anon + m.shmem - inactive_anon
    lines = [
        ("anon", m.anon), ("file", m.file), ("kernel", m.kernel), ("kernel_stack", m.kernel_stack),
        ("pagetables", m.pagetables), ("sec_pagetables", 0), ("percpu", m.percpu), ("sock", m.sock),
        ("vmalloc", 0), ("shmem", m.shmem), ("zswap", 0), ("zswapped", 0),
        ("file_mapped", (m.file // 3 // PAGE) * PAGE), ("file_dirty", 0), ("file_writeback", 0),
        ("swapcached", 0), ("anon_thp", 0), ("file_thp", 0), ("shmem_thp", 0),
        ("inactive_anon", inactive_anon), ("active_anon", active_anon),
        ("inactive_file", m.inactive_file), ("active_file", m.active_file), ("unevictable", 0),
        ("slab_reclaimable", m.slab_r), ("slab_unreclaimable", m.slab_u), ("slab", m.slab),
        ("workingset_refault_anon", m.refault_anon), ("workingset_refault_file", m.refault_file),
        ("workingset_activate_anon", 0), ("workingset_activate_file", m.refault_file // 2),
        ("workingset_restore_anon", 0), ("workingset_restore_file", 0), ("workingset_nodereclaim", 0),
        ("pgdemote_kswapd", 0), ("pgdemote_direct", 0), ("pgdemote_khugepaged", 0),
        ("pgscan", m.pgscan), ("pgsteal", m.pgsteal),
        ("pgscan_kswapd", 0), ("pgscan_direct", m.pgscan), ("pgscan_khugepaged", 0),
        ("pgsteal_kswapd", 0), ("pgsteal_direct", m.pgsteal), ("pgsteal_khugepaged", 0),
        ("pgfault", m.pgfault), ("pgmajfault", m.pgmajfault), ("pgrefill", m.pgscan // 3),
        ("pgactivate", 0), ("pgdeactivate", 0), ("pglazyfree", 0), ("pglazyfreed", 0),
        ("zswpin", 0), ("zswpout", 0), ("zswpwb", 0),
        ("thp_fault_alloc", 0), ("thp_collapse_alloc", 0), ("thp_swpout", 0), ("thp_swpout_fallback", 0),
    ]
    return "".join(f"{k} {v}\n" for k, v in lines)

def v2_stat_linux54(m):
    """memory.stat as Linux 5.4 writes it: no "kernel", "percpu" or "pgsteal_*" splits."""
    inactive_anon = (m.anon * 9 // 10 // PAGE) * PAGE + m.shmem
    active_anon = m.anon + m.shmem - inactive_anon
    lines = [
        ("anon", m.anon), ("file", m.file), ("kernel_stack", m.kernel_stack), ("slab", m.slab),
        ("sock", m.sock), ("shmem", m.shmem), ("file_mapped", (m.file // 3 // PAGE) * PAGE),
        ("file_dirty", 0), ("file_writeback", 0), ("anon_thp", 0),
        ("inactive_anon", inactive_anon), ("active_anon", active_anon),
        ("inactive_file", m.inactive_file), ("active_file", m.active_file), ("unevictable", 0),
        ("slab_reclaimable", m.slab_r), ("slab_unreclaimable", m.slab_u),
        ("pgfault", m.pgfault), ("pgmajfault", m.pgmajfault),
        ("workingset_refault", m.refault_anon + m.refault_file), ("workingset_activate", 0),
        ("workingset_nodereclaim", 0), ("pgrefill", 0), ("pgscan", m.pgscan), ("pgsteal", m.pgsteal),
        ("pgactivate", 0), ("pgdeactivate", 0), ("pglazyfree", 0), ("pglazyfreed", 0),
        ("thp_fault_alloc", 0), ("thp_collapse_alloc", 0),
    ]
    return "".join(f"{k} {v}\n" for k, v in lines)

def psi(some10="0.00", some60="0.00", some300="0.00", some_total=0,
        full10="0.00", full60="0.00", full300="0.00", full_total=0):
    return (f"some avg10={some10} avg60={some60} avg300={some300} total={some_total}\n"
            f"full avg10={full10} avg60={full60} avg300={full300} total={full_total}\n")

def v2_cgroup(d, m, max_="max", events=(0, 0, 0, 0, 0, 0), pressure=None, linux54=False, procs=(),
              swap=True):
    """Writes one v2 cgroup directory. events = low high max oom oom_kill oom_group_kill."""
    low, high, mx, oom, oom_kill, group = events
    write(f"{d}/cgroup.controllers", "cpu io memory pids\n" if not linux54 else "cpu io memory pids\n")
    write(f"{d}/cgroup.procs", "".join(f"{p}\n" for p in procs))
    write(f"{d}/memory.current", f"{m.usage}\n")
    write(f"{d}/memory.max", f"{max_}\n")
    write(f"{d}/memory.high", "max\n")
    write(f"{d}/memory.low", "0\n")
    write(f"{d}/memory.min", "0\n")
    write(f"{d}/memory.peak", f"{m.usage + pages(1000)}\n")
    write(f"{d}/memory.stat", v2_stat_linux54(m) if linux54 else v2_stat(m))
    if linux54:
        write(f"{d}/memory.events", f"low {low}\nhigh {high}\nmax {mx}\noom {oom}\noom_kill {oom_kill}\n")
    else:
        write(f"{d}/memory.events",
              f"low {low}\nhigh {high}\nmax {mx}\noom {oom}\noom_kill {oom_kill}\noom_group_kill {group}\n")
        write(f"{d}/memory.events.local",
              f"low {low}\nhigh {high}\nmax {mx}\noom {oom}\noom_kill {oom_kill}\noom_group_kill {group}\n")
    write(f"{d}/memory.pressure", pressure or psi())
    if swap:
        write(f"{d}/memory.swap.current", f"{m.swap}\n")
        write(f"{d}/memory.swap.max", "max\n")
        write(f"{d}/memory.swap.events", "high 0\nmax 0\nfail 0\n")

def v1_stat(local, total, hierarchical_limit):
    def block(m, prefix):
        inactive_anon = (m.anon * 9 // 10 // PAGE) * PAGE + m.shmem
        active_anon = m.anon + m.shmem - inactive_anon
        lines = [
            ("cache", m.file), ("rss", m.anon), ("rss_huge", 0), ("shmem", m.shmem),
            ("mapped_file", (m.file // 3 // PAGE) * PAGE), ("dirty", 0), ("writeback", 0),
            ("workingset_refault_anon", m.refault_anon), ("workingset_refault_file", m.refault_file),
            ("swap", m.swap), ("swapcached", 0),
            ("pgpgin", m.pgfault + (m.anon + m.file) // PAGE), ("pgpgout", m.pgfault),
            ("pgfault", m.pgfault), ("pgmajfault", m.pgmajfault),
            ("inactive_anon", inactive_anon), ("active_anon", active_anon),
            ("inactive_file", m.inactive_file), ("active_file", m.active_file), ("unevictable", 0),
        ]
        return "".join(f"{prefix}{k} {v}\n" for k, v in lines)
    return (block(local, "") + f"hierarchical_memory_limit {hierarchical_limit}\n"
            + f"hierarchical_memsw_limit {V1_UNLIMITED}\n" + block(total, "total_"))

def v1_cgroup(d, local, total, limit=V1_UNLIMITED, hierarchical_limit=V1_UNLIMITED, failcnt=0,
              under_oom=0, oom_kill=0, procs=()):
    usage = total.usage
    write(f"{d}/cgroup.procs", "".join(f"{p}\n" for p in procs))
    write(f"{d}/tasks", "".join(f"{p}\n" for p in procs))
    write(f"{d}/memory.usage_in_bytes", f"{usage}\n")
    write(f"{d}/memory.max_usage_in_bytes", f"{usage + pages(500)}\n")
    write(f"{d}/memory.limit_in_bytes", f"{limit}\n")
    write(f"{d}/memory.soft_limit_in_bytes", f"{V1_UNLIMITED}\n")
    write(f"{d}/memory.failcnt", f"{failcnt}\n")
    write(f"{d}/memory.stat", v1_stat(local, total, hierarchical_limit))
    write(f"{d}/memory.oom_control", f"oom_kill_disable 0\nunder_oom {under_oom}\noom_kill {oom_kill}\n")
    write(f"{d}/memory.use_hierarchy", "1\n")
    write(f"{d}/memory.swappiness", "60\n")
    write(f"{d}/memory.memsw.usage_in_bytes", f"{usage + total.swap}\n")
    write(f"{d}/memory.memsw.limit_in_bytes", f"{V1_UNLIMITED}\n")
    write(f"{d}/memory.memsw.max_usage_in_bytes", f"{usage + total.swap + pages(500)}\n")
    write(f"{d}/memory.memsw.failcnt", "0\n")
    write(f"{d}/memory.kmem.usage_in_bytes", f"{total.kernel}\n")
    write(f"{d}/memory.kmem.limit_in_bytes", f"{V1_UNLIMITED}\n")
    write(f"{d}/memory.kmem.max_usage_in_bytes", f"{total.kernel + pages(10)}\n")
    write(f"{d}/memory.kmem.failcnt", "0\n")
    write(f"{d}/memory.kmem.tcp.usage_in_bytes", "0\n")

MiB = 1024 * 1024
GiB = 1024 * MiB

# Containers shared by the trees (bytes chosen to be page multiples).
API = Mem(anon=pages(48000), file=pages(9000), shmem=pages(16), pgscan=18432, pgsteal=15360,
          pgfault=1_204_331, pgmajfault=87, refault_file=2210)          # burstable, near its 256 MiB limit
DB = Mem(anon=pages(61440), file=pages(30000), pgfault=532_112, pgmajfault=12)  # guaranteed, 512 MiB
BATCH = Mem(anon=pages(5000), file=pages(2500), pgfault=90_121)          # besteffort
PAUSE = Mem(anon=pages(60), file=0, kernel_stack=pages(2), pagetables=pages(4), percpu=96, slab_r=0,
            slab_u=pages(2), pgfault=211)
DOCKER = Mem(anon=pages(3000), file=pages(1200), pgfault=40_000)
EMPTY = Mem(0, 0, kernel_stack=0, pagetables=0, percpu=0, slab_r=0, slab_u=0, pgfault=0)

def reset(name):
    path = os.path.join(HERE, name)
    shutil.rmtree(path, ignore_errors=True)
    return path

def v2_systemd():
    root = reset("cgroup-v2-systemd")
    write(f"{root}/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
    write(f"{root}/cgroup.subtree_control", "cpuset cpu io memory hugetlb pids rdma misc\n")
    write(f"{root}/memory.stat", v2_stat(API.plus(DB).plus(BATCH).plus(PAUSE).plus(DOCKER)))
    write(f"{root}/memory.pressure", psi("0.12", "0.05", "0.01", 8812345, "0.00", "0.00", "0.00", 912345))
    kp = f"{root}/kubepods.slice"
    pods = API.plus(DB).plus(BATCH).plus(PAUSE)
    v2_cgroup(kp, pods, max_=str(7 * GiB + 512 * MiB))
    g = f"{kp}/kubepods-pod{UID_GUARANTEED.replace('-', '_')}.slice"
    v2_cgroup(g, DB.plus(PAUSE), max_=str(512 * MiB))
    v2_cgroup(f"{g}/cri-containerd-{cid('guaranteed-pause')}.scope", PAUSE, procs=[4410])
    v2_cgroup(f"{g}/cri-containerd-{cid('guaranteed-db')}.scope", DB, max_=str(512 * MiB), procs=[4502, 4533])
    b = f"{kp}/kubepods-burstable.slice"
    v2_cgroup(b, API)
    bp = f"{b}/kubepods-burstable-pod{UID_BURSTABLE.replace('-', '_')}.slice"
    v2_cgroup(bp, API)
    v2_cgroup(f"{bp}/cri-containerd-{cid('burstable-api')}.scope", API, max_=str(256 * MiB),
              events=(0, 0, 1523, 3, 2, 0),
              pressure=psi("4.37", "2.11", "0.62", 31337421, "3.98", "1.93", "0.57", 29876543), procs=[5120])
    e = f"{kp}/kubepods-besteffort.slice"
    v2_cgroup(e, BATCH)
    ep = f"{e}/kubepods-besteffort-pod{UID_BESTEFFORT.replace('-', '_')}.slice"
    v2_cgroup(ep, BATCH)
    v2_cgroup(f"{ep}/cri-containerd-{cid('besteffort-batch')}.scope", BATCH, procs=[6001])
    ss = f"{root}/system.slice"
    v2_cgroup(ss, DOCKER)
    v2_cgroup(f"{ss}/containerd.service", EMPTY, procs=[812])
    v2_cgroup(f"{ss}/sshd.service", EMPTY, procs=[955, 31044])
    v2_cgroup(f"{ss}/docker-{cid('plain-docker-systemd')}.scope", DOCKER, max_=str(128 * MiB), procs=[7001])
    # Without the memory controller enabled: no memory.* files (skipped by the subtree walk).
    write(f"{root}/init.scope/cgroup.procs", "1\n")

def v2_systemd_crio():
    root = reset("cgroup-v2-systemd-crio")
    write(f"{root}/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
    kp = f"{root}/kubepods.slice"
    v2_cgroup(kp, API, max_=str(3 * GiB))
    b = f"{kp}/kubepods-burstable.slice"
    v2_cgroup(b, API)
    bp = f"{b}/kubepods-burstable-pod{UID_CRIO.replace('-', '_')}.slice"
    v2_cgroup(bp, API, max_=str(384 * MiB))
    v2_cgroup(f"{bp}/crio-{cid('crio-web')}.scope", API, max_=str(512 * MiB), procs=[9100])
    v2_cgroup(f"{bp}/crio-conmon-{cid('crio-web')}.scope", EMPTY, procs=[9090])

def v2_cgroupfs():
    """cgroupfs driver on a Linux 5.4 v2 node (containerd)."""
    root = reset("cgroup-v2-cgroupfs")
    write(f"{root}/cgroup.controllers", "cpuset cpu io memory pids rdma\n")
    kp = f"{root}/kubepods"
    v2_cgroup(kp, API.plus(DB).plus(BATCH), max_=str(6 * GiB), linux54=True)
    v2_cgroup(f"{kp}/pod{UID_GUARANTEED}", DB, max_=str(512 * MiB), linux54=True)
    v2_cgroup(f"{kp}/pod{UID_GUARANTEED}/{cid('guaranteed-db')}", DB, max_=str(512 * MiB), linux54=True)
    v2_cgroup(f"{kp}/burstable", API, linux54=True)
    v2_cgroup(f"{kp}/burstable/pod{UID_BURSTABLE}", API, linux54=True)
    v2_cgroup(f"{kp}/burstable/pod{UID_BURSTABLE}/{cid('burstable-api')}", API, max_=str(256 * MiB),
              events=(0, 0, 1523, 3, 2, 0), linux54=True)
    v2_cgroup(f"{kp}/besteffort", BATCH, linux54=True)
    v2_cgroup(f"{kp}/besteffort/pod{UID_BESTEFFORT}", BATCH, linux54=True)
    v2_cgroup(f"{kp}/besteffort/pod{UID_BESTEFFORT}/{cid('besteffort-batch')}", BATCH, linux54=True, swap=False)
    v2_cgroup(f"{root}/docker", DOCKER, linux54=True)
    v2_cgroup(f"{root}/docker/{cid('plain-docker-cgroupfs')}", DOCKER, linux54=True)

def v1_tree(name, layout):
    root = reset(name)
    mem = f"{root}/memory"
    all_ = API.plus(DB).plus(BATCH).plus(DOCKER)
    v1_cgroup(mem, EMPTY, all_)
    for d in ["cpu", "cpuacct", "pids", "systemd"]:
        os.makedirs(f"{root}/{d}", exist_ok=True)
        write(f"{root}/{d}/cgroup.procs", "1\n")
    kube_limit = 6 * GiB
    if layout == "cgroupfs":
        kp, g, b, bp, e, ep = ("kubepods", f"kubepods/pod{UID_GUARANTEED}", "kubepods/burstable",
                               f"kubepods/burstable/pod{UID_BURSTABLE}", "kubepods/besteffort",
                               f"kubepods/besteffort/pod{UID_BESTEFFORT}")
        db, api, batch = (f"{g}/{cid('guaranteed-db')}", f"{bp}/{cid('burstable-api')}",
                          f"{ep}/{cid('besteffort-batch')}")
        docker = f"docker/{cid('plain-docker-cgroupfs')}"
    else:
        kp = "kubepods.slice"
        g = f"{kp}/kubepods-pod{UID_GUARANTEED.replace('-', '_')}.slice"
        b = f"{kp}/kubepods-burstable.slice"
        bp = f"{b}/kubepods-burstable-pod{UID_BURSTABLE.replace('-', '_')}.slice"
        e = f"{kp}/kubepods-besteffort.slice"
        ep = f"{e}/kubepods-besteffort-pod{UID_BESTEFFORT.replace('-', '_')}.slice"
        db = f"{g}/crio-{cid('guaranteed-db')}.scope"
        api = f"{bp}/docker-{cid('burstable-api')}.scope"
        batch = f"{ep}/cri-containerd-{cid('besteffort-batch')}.scope"
        docker = f"system.slice/docker-{cid('plain-docker-systemd')}.scope"
    v1_cgroup(f"{mem}/{kp}", EMPTY, API.plus(DB).plus(BATCH), limit=kube_limit, hierarchical_limit=kube_limit)
    v1_cgroup(f"{mem}/{g}", EMPTY, DB, limit=512 * MiB, hierarchical_limit=512 * MiB)
    v1_cgroup(f"{mem}/{db}", DB, DB, limit=512 * MiB, hierarchical_limit=512 * MiB, procs=[4502])
    v1_cgroup(f"{mem}/{b}", EMPTY, API, hierarchical_limit=kube_limit)
    v1_cgroup(f"{mem}/{bp}", EMPTY, API, hierarchical_limit=kube_limit)
    v1_cgroup(f"{mem}/{api}", API, API, limit=256 * MiB, hierarchical_limit=256 * MiB, failcnt=1523,
              under_oom=0, oom_kill=2, procs=[5120])
    v1_cgroup(f"{mem}/{e}", EMPTY, BATCH, hierarchical_limit=kube_limit)
    v1_cgroup(f"{mem}/{ep}", EMPTY, BATCH, hierarchical_limit=kube_limit)
    v1_cgroup(f"{mem}/{batch}", BATCH, BATCH, hierarchical_limit=kube_limit, procs=[6001])
    parent = os.path.dirname(docker)
    v1_cgroup(f"{mem}/{parent}", EMPTY, DOCKER)
    v1_cgroup(f"{mem}/{docker}", DOCKER, DOCKER, limit=128 * MiB, hierarchical_limit=128 * MiB, procs=[7001])

def v2_malformed():
    root = reset("cgroup-v2-malformed")
    write(f"{root}/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
    kp = f"{root}/kubepods"
    v2_cgroup(kp, API.plus(API), max_=str(2 * GiB))
    v2_cgroup(f"{kp}/a-good", API, max_=str(256 * MiB))
    v2_cgroup(f"{kp}/b-empty-current", API)
    write(f"{kp}/b-empty-current/memory.current", "")
    v2_cgroup(f"{kp}/c-garbage-max", API)
    write(f"{kp}/c-garbage-max/memory.max", "12x4567\n")
    v2_cgroup(f"{kp}/d-missing-stat", API)
    os.remove(f"{kp}/d-missing-stat/memory.stat")
    v2_cgroup(f"{kp}/e-truncated-stat", API)
    text = v2_stat(API)
    cut = text.index("inactive_file ") + len("inactive_file 12")
    write(f"{kp}/e-truncated-stat/memory.stat", text[:cut])
    v2_cgroup(f"{kp}/f-stat-without-file", API)
    write(f"{kp}/f-stat-without-file/memory.stat", "".join(
        l + "\n" for l in v2_stat(API).splitlines() if not l.startswith("file ")))
    v2_cgroup(f"{kp}/g-bad-pressure", API)
    write(f"{kp}/g-bad-pressure/memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00\n")
    v2_cgroup(f"{kp}/h-good-no-psi-no-swap", BATCH, swap=False)
    os.remove(f"{kp}/h-good-no-psi-no-swap/memory.pressure")

def v1_malformed():
    root = reset("cgroup-v1-malformed")
    mem = f"{root}/memory"
    v1_cgroup(mem, EMPTY, API.plus(API))
    v1_cgroup(f"{mem}/a-good", API, API, limit=256 * MiB, hierarchical_limit=256 * MiB)
    v1_cgroup(f"{mem}/b-garbage-usage", API, API)
    write(f"{mem}/b-garbage-usage/memory.usage_in_bytes", "-1\n")
    v1_cgroup(f"{mem}/c-truncated-stat", API, API)
    text = v1_stat(API, API, V1_UNLIMITED)
    write(f"{mem}/c-truncated-stat/memory.stat", text[:text.index("total_rss ") + len("total_rss 19")])
    v1_cgroup(f"{mem}/d-missing-oom-control", API, API)
    os.remove(f"{mem}/d-missing-oom-control/memory.oom_control")
    v1_cgroup(f"{mem}/e-no-memsw-no-kmem", BATCH, BATCH)
    for f in ["memory.memsw.usage_in_bytes", "memory.memsw.limit_in_bytes", "memory.memsw.max_usage_in_bytes",
              "memory.memsw.failcnt", "memory.kmem.usage_in_bytes", "memory.kmem.limit_in_bytes",
              "memory.kmem.max_usage_in_bytes", "memory.kmem.failcnt", "memory.kmem.tcp.usage_in_bytes"]:
        os.remove(f"{mem}/e-no-memsw-no-kmem/{f}")

MEMINFO = """MemTotal:        8039568 kB
MemFree:          411284 kB
MemAvailable:    2987432 kB
Buffers:          160032 kB
Cached:          2744884 kB
SwapCached:         1024 kB
Active:          4472348 kB
Inactive:        2381172 kB
Active(anon):    3570552 kB
Inactive(anon):   312084 kB
Active(file):     901796 kB
Inactive(file):  2069088 kB
Unevictable:       30720 kB
Mlocked:           27648 kB
SwapTotal:       2097148 kB
SwapFree:        1980412 kB
Zswap:                 0 kB
Zswapped:              0 kB
Dirty:               532 kB
Writeback:             0 kB
AnonPages:       3899316 kB
Mapped:           702848 kB
Shmem:             18944 kB
KReclaimable:     243712 kB
Slab:             398480 kB
SReclaimable:     243712 kB
SUnreclaim:       154768 kB
KernelStack:       17040 kB
PageTables:        37412 kB
SecPageTables:         0 kB
NFS_Unstable:          0 kB
Bounce:                0 kB
WritebackTmp:          0 kB
CommitLimit:     6116932 kB
Committed_AS:   12117720 kB
VmallocTotal:   34359738367 kB
VmallocUsed:       58384 kB
VmallocChunk:          0 kB
Percpu:             6528 kB
HardwareCorrupted:     0 kB
AnonHugePages:         0 kB
ShmemHugePages:        0 kB
ShmemPmdMapped:        0 kB
FileHugePages:         0 kB
FilePmdMapped:         0 kB
Unaccepted:            0 kB
HugePages_Total:       0
HugePages_Free:        0
HugePages_Rsvd:        0
HugePages_Surp:        0
Hugepagesize:       2048 kB
Hugetlb:               0 kB
DirectMap4k:      314220 kB
DirectMap2M:     7999488 kB
DirectMap1G:     2097152 kB
"""

def procs():
    root = reset("proc")
    write(f"{root}/meminfo", MEMINFO)
    write(f"{root}/pressure/memory", psi("1.25", "0.87", "0.31", 123456789, "0.50", "0.33", "0.12", 45678901))
    for pid, comm in [(812, "containerd"), (955, "sshd"), (31044, "sshd"), (4410, "pause"),
                      (4502, "postgres"), (5120, "java"), (6001, "python3"), (7001, "nginx")]:
        write(f"{root}/{pid}/comm", f"{comm}\n")
    root = reset("proc-no-psi")
    write(f"{root}/meminfo", MEMINFO)
    root = reset("proc-malformed")
    write(f"{root}/meminfo", MEMINFO.replace("MemAvailable:    2987432 kB\n", ""))
    write(f"{root}/pressure/memory", "some avg10=abc avg60=0.00 avg300=0.00 total=0\n")

if __name__ == "__main__":
    v2_systemd()
    v2_systemd_crio()
    v2_cgroupfs()
    v1_tree("cgroup-v1-cgroupfs", "cgroupfs")
    v1_tree("cgroup-v1-systemd", "systemd")
    v2_malformed()
    v1_malformed()
    procs()
    print("fixtures written")
