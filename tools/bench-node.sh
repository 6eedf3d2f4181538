#!/usr/bin/env bash
# Node overhead benchmark (`make bench-node`): what tapio-exporter costs the node it watches.
#
# A page-fault-heavy workload (`tapio-workload pagefaults`: mmap, touch every page, munmap,
# repeated) runs in rounds, PAIRS of them, each round in random order: without the exporter,
# with it as installed (kmem:rss_stat attached 100 ms of every second), with it and rss_stat
# attached continuously (--rss-window-ms 1000 --rss-period-ms 1000), and with only an empty
# BPF program on kmem:rss_stat (the "floor": what attaching anything there costs; built from
# ebpf/bench/rss_stat_floor.bpf.c, held by tools/bpf-floor.c).
# The exporter streams to a real tapio-aggregator on loopback (journal in a temp dir) and is
# started afresh for each "with" run, so every "without" run has no Tapio BPF program of ours
# attached. Reports the workload's faults/s each way and the slowdowns, the exporter's CPU
# (utime+stime from /proc/PID/stat over the run), its RSS (VmRSS, VmHWM), the BPF map memory
# of its programs (bytes_memlock from bpftool) and, with perf installed, where the slowdown
# goes. Needs root, jq and bpftool.
#
# The workload runs in a memory cgroup created under this script's own memory cgroup (cgroup
# v1), with a limit, and removed afterwards; without cgroup v1 it runs bounded by --mib alone.
#
#   tools/bench-node.sh [--output FILE] [--pairs N] [--seconds S] [--mib M] [--seed N]
set -euo pipefail
cd "$(dirname "$0")/.."

output=bench/node.md pairs=16 run_seconds=4 mib=64 seed=$RANDOM
while (($#)); do
  case $1 in
    --output) output=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --seconds) run_seconds=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "usage: $0 [--output FILE] [--pairs N] [--seconds S] [--mib M] [--seed N]" >&2; exit 2 ;;
  esac
done
command_line="tools/bench-node.sh --output $output --pairs $pairs --seconds $run_seconds --mib $mib --seed $seed"

die() { echo "bench-node: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "needs root (the exporter loads BPF programs)"
for tool in jq bpftool; do command -v "$tool" >/dev/null || die "needs $tool"; done
for b in tapio-exporter tapio-aggregator tapio-workload; do [[ -x bin/$b ]] || die "bin/$b missing: run make build"; done

tmp=$(mktemp -d /tmp/tapio-bench-node.XXXXXX)
pids=()      # every process this script started, and only those
cgroup=""    # the memory cgroup this script created
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n $cgroup && -d $cgroup ]]; then rmdir "$cgroup" || echo "bench-node: could not remove $cgroup" >&2; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

clk_tck=$(getconf CLK_TCK)
# utime+stime of a process in clock ticks (fields 14 and 15; the comm field may hold spaces).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# A /proc/PID/status field in kB.
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
tapio_prog_ids() { bpftool prog show -j | jq -r '.[] | select(.name | startswith("tapio_")) | .id' | sort -n; }
# Waits until FILE contains PATTERN, or fails after SECONDS (the process PID must stay alive).
wait_for() {
  local file=$1 pattern=$2 seconds=$3 pid=$4 i
  for ((i = 0; i < seconds * 10; i++)); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$file" >&2; die "process $pid exited while waiting for '$pattern'"; }
    sleep 0.1
  done
  cat "$file" >&2
  die "timed out waiting for '$pattern' in $file"
}

# --- the memory cgroup, under our own ------------------------------------------------------
own=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
if [[ -n $own && -d /sys/fs/cgroup/memory$own ]]; then
  cgroup=/sys/fs/cgroup/memory${own%/}/tapio-bench-node-$$
  mkdir "$cgroup"
  echo $(((mib + 128) << 20)) > "$cgroup/memory.limit_in_bytes"
  cgroup_note="memory cgroup \`${cgroup#/sys/fs/cgroup/memory}\` (cgroup v1, limit $((mib + 128)) MiB), created under this script's own and removed afterwards"
else
  cgroup_note="no memory cgroup (no cgroup v1 memory controller); memory bounded by --mib $mib"
fi

# --- the aggregator the exporter streams to -------------------------------------------------
port=$(free_port)
bin/tapio-aggregator --listen "127.0.0.1:$port" --journal "$tmp/journal" >"$tmp/aggregator.log" 2>&1 &
aggregator=$!
pids+=("$aggregator")
wait_for "$tmp/aggregator.log" "listening" 20 "$aggregator"

# One workload run of $1 seconds; sets workload="faults_per_sec minflt elapsed" (minflt: the
# kernel's count for the process, from time(1)).
# Also sets others_cpu: CPU of everything but the workload during the run, % of all cores
# (exporter and aggregator included in "with" runs): contention that makes a run unfair.
run_workload() {
  local enter="" rate busy0 busy1 total0 total1 user sys
  [[ -n $cgroup ]] && enter="echo \$\$ > $cgroup/cgroup.procs && "
  read -r busy0 total0 < <(machine_jiffies)
  bash -c "${enter}exec /usr/bin/time -f '%R %e %U %S' -o $tmp/time.txt bin/tapio-workload pagefaults --mib $mib --seconds $1" >"$tmp/workload.txt"
  read -r busy1 total1 < <(machine_jiffies)
  rate=$(sed -n 's/.*faults_per_sec=\([0-9]*\).*/\1/p' "$tmp/workload.txt")
  [[ -n $rate ]] || die "workload printed no rate: $(cat "$tmp/workload.txt")"
  read -r minflt elapsed user sys <"$tmp/time.txt"
  workload="$rate $minflt $elapsed"
  others_cpu=$(awk -v b="$((busy1 - busy0))" -v t="$((total1 - total0))" -v u="$user" -v s="$sys" -v hz="$clk_tck" \
    'BEGIN {o = (b - (u + s) * hz) / t * 100; printf "%.1f", (o > 0 ? o : 0)}')
}

# Busy and total jiffies of the whole machine, from /proc/stat.
machine_jiffies() { awk '$1 == "cpu" {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }

# Forgets a pid this script has waited for (so cleanup never signals a recycled pid).
forget() {
  local pid keep=()
  for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  pids=("${keep[@]}")
}

# Runs the workload with a fresh exporter attached (extra exporter flags in "$@"); sets
# with_exporter="faults_per_sec minflt elapsed cpu_pct idle_cpu_pct vmrss_kb vmhwm_kb bpf_bytes
# ticks t1 t2 tapio_progs_of_others".
continuous_flags="--rss-window-ms 1000 --rss-period-ms 1000"
run_with_exporter() {
  local before log=$tmp/exporter.log exporter ours all t0 c0 t1 c1 t2 c2 idle busy rss hwm bpf id
  before=$(tapio_prog_ids)
  bin/tapio-exporter --aggregator "127.0.0.1:$port" --node bench-node "$@" >"$log" 2>&1 &
  exporter=$!
  pids+=("$exporter")
  wait_for "$log" "connected to" 30 "$exporter"
  sleep 1  # first cgroup scan and container-info records
  t0=$(now) c0=$(cpu_ticks "$exporter")
  sleep 2
  t1=$(now) c1=$(cpu_ticks "$exporter")
  run_workload "$run_seconds"
  t2=$(now) c2=$(cpu_ticks "$exporter")
  rss=$(status_kb "$exporter" VmRSS) hwm=$(status_kb "$exporter" VmHWM)
  # Our programs: tapio_* programs that appeared with this exporter; their maps, deduplicated.
  all=$(tapio_prog_ids)
  ours=$(comm -13 <(echo "$before") <(echo "$all"))
  : >"$tmp/maps.txt"
  for id in $(for p in $ours; do bpftool prog show id "$p" -j | jq -r '.map_ids[]?'; done | sort -un); do
    bpftool map show id "$id" -j | jq -r '"\(.id) \(.name) \(.type) \(.max_entries) \(.bytes_memlock)"' >>"$tmp/maps.txt"
  done
  bpf=$(awk '{s += $5} END {print s + 0}' "$tmp/maps.txt")
  echo "$ours" | wc -w >"$tmp/progs.txt"
  kill -TERM "$exporter"
  wait "$exporter" || true
  forget "$exporter"
  idle=$(awk -v c="$((c1 - c0))" -v t0="$t0" -v t1="$t1" -v hz="$clk_tck" 'BEGIN {printf "%.2f", 100 * c / hz / (t1 - t0)}')
  busy=$(awk -v c="$((c2 - c1))" -v t0="$t1" -v t1="$t2" -v hz="$clk_tck" 'BEGIN {printf "%.2f", 100 * c / hz / (t1 - t0)}')
  with_exporter="$workload $busy $idle $rss $hwm $bpf $((c2 - c1)) $t1 $t2 $(($(echo "$all" | wc -w) - $(cat "$tmp/progs.txt")))"
}

# The floor arm: an empty program on kmem:rss_stat (ebpf/bench/rss_stat_floor.bpf.c), held by
# tools/bpf-floor.c, compiled here against libbpf. floor="" when it cannot be built.
floor=""
floor_object=ebpf/.output/rss_stat_floor.bpf.o
compiler=$(command -v cc || command -v clang || echo /opt/swift/usr/bin/clang)
if [[ -r $floor_object ]] && "$compiler" -O2 tools/bpf-floor.c -o "$tmp/bpf-floor" -lbpf 2>"$tmp/floor-build.log"; then
  floor=$tmp/bpf-floor
else
  echo "bench-node: no floor arm ($floor_object missing or tools/bpf-floor.c did not build: $(head -1 "$tmp/floor-build.log" 2>/dev/null))" >&2
fi

# Runs the workload with only the empty rss_stat program attached (sets workload, others_cpu).
run_with_floor() {
  local holder
  "$floor" "$floor_object" 2>"$tmp/floor.log" &
  holder=$!
  pids+=("$holder")
  wait_for "$tmp/floor.log" "attached" 20 "$holder"
  others=$(($(tapio_prog_ids | wc -w)))
  run_workload "$run_seconds"
  kill -TERM "$holder"
  wait "$holder" || true
  forget "$holder"
  # The kernel frees a detached program a moment later; the next run starts without it.
  for ((i = 0; i < 50; i++)); do
    bpftool prog show name floor_rss_stat >/dev/null 2>&1 || break
    sleep 0.1
  done
}

# --- the session ----------------------------------------------------------------------------
command -v /usr/bin/time >/dev/null || die "needs /usr/bin/time (Debian package time)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-node: warm-up run" >&2
run_workload 2
RANDOM=$seed
: >"$tmp/runs.txt"
kinds="without with continuous"
[[ -n $floor ]] && kinds="without floor with continuous"
for ((pair = 1; pair <= pairs; pair++)); do
  # A random order of the kinds for this round (Fisher-Yates on the seeded RANDOM).
  order=($kinds)
  for ((i = ${#order[@]} - 1; i > 0; i--)); do
    j=$((RANDOM % (i + 1))) t=${order[i]}
    order[i]=${order[j]} order[j]=$t
  done
  for kind in "${order[@]}"; do
    echo "bench-node: round $pair, $kind" >&2
    if [[ $kind == without ]]; then
      others=$(tapio_prog_ids | wc -w)
      run_workload "$run_seconds"
      echo "$pair without $workload - - - - - - - - $others $others_cpu" >>"$tmp/runs.txt"
    elif [[ $kind == floor ]]; then
      run_with_floor
      echo "$pair floor $workload - - - - - - - - $others $others_cpu" >>"$tmp/runs.txt"
    elif [[ $kind == continuous ]]; then
      run_with_exporter $continuous_flags
      echo "$pair continuous $with_exporter $others_cpu" >>"$tmp/runs.txt"
    else
      run_with_exporter
      echo "$pair with $with_exporter $others_cpu" >>"$tmp/runs.txt"
    fi
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
aggregator_rss=$(status_kb "$aggregator" VmRSS)

# Where the slowdown goes: one more run with the exporter attached and rss_stat continuously
# (the duty cycle would hide most of it), the workload under `perf record` (not counted above:
# sampling costs the workload too, but shares stay true).
# profile="total_samples dispatch_pct programs_pct helpers_pct" or "" without perf.
profile=""
if command -v perf >/dev/null; then
  echo "bench-node: profile run (perf record)" >&2
  bin/tapio-exporter --aggregator "127.0.0.1:$port" --node bench-node $continuous_flags >"$tmp/exporter.log" 2>&1 &
  exporter=$!
  pids+=("$exporter")
  wait_for "$tmp/exporter.log" "connected to" 30 "$exporter"
  enter=""
  [[ -n $cgroup ]] && enter="echo \$\$ > $cgroup/cgroup.procs && "
  bash -c "${enter}exec perf record -q -o $tmp/perf.data -F 4999 -- bin/tapio-workload pagefaults --mib $mib --seconds $run_seconds" >/dev/null 2>&1 || true
  kill -TERM "$exporter"
  wait "$exporter" || true
  forget "$exporter"
  # Shares of the workload's samples: the kernel's BPF dispatch around every program run
  # (bpf_trace_run*), Tapio's programs themselves, and BPF helpers/map code they call.
  profile=$(perf report -i "$tmp/perf.data" --no-children --sort symbol --stdio 2>/dev/null | awk '
    /^# Samples: / { n = $3; if (n ~ /K$/) n = substr(n, 1, length(n) - 1) * 1000 }
    /^ *[0-9.]+%/ {
      pct = $1 + 0; sym = ""
      for (i = 2; i < NF; i++) if ($i == "[k]" || $i == "[.]") { sym = $(i + 1); break }
      if (sym ~ /^bpf_trace_run/) d += pct
      else if (sym ~ /^bpf_prog_.*_tapio_/) p += pct
      else if (sym ~ /bpf|ringbuf|htab|array_map/) h += pct
    }
    END { printf "%d %.2f %.2f %.2f", n, d, p, h }') || profile=""
fi

# --- the report -----------------------------------------------------------------------------
# runs.txt: pair kind faults/s minflt elapsed cpu% idle% rss hwm bpf ticks t1 t2 tapio_progs_of_others others_cpu%
summary=$(awk -v hz="$clk_tck" '
  function med(v, n,   i, j, t) {
    if (n == 0) return "-"
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return sprintf("%.2f", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2)
  }
  $2 == "without" { a[$1] = $3; na++; sa += $3 }
  $2 == "floor" { f[$1] = $3; nf++; sf += $3 }
  $2 == "with" { b[$1] = $3; nb++; sb += $3; ticks += $11; secs += $13 - $12
                 if ($8 > rss) rss = $8; if ($9 > hwm) hwm = $9; bpf = $10; idle += $7 }
  $2 == "continuous" { c[$1] = $3; nc++; sc += $3; cticks += $11; csecs += $13 - $12 }
  END {
    n = 0
    for (p in a) if (p in b) slow[++n] = 100 * (a[p] - b[p]) / a[p]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (slow[j] < slow[i]) { t = slow[i]; slow[i] = slow[j]; slow[j] = t }
    median = n % 2 ? slow[(n + 1) / 2] : (slow[n / 2] + slow[n / 2 + 1]) / 2
    # The floor arm and the continuous exporter against "without", and the continuous
    # exporter against the floor, per round.
    m = 0; for (p in a) if (p in f) fl[++m] = 100 * (a[p] - f[p]) / a[p]
    k = 0; for (p in f) if (p in c) ab[++k] = 100 * (f[p] - c[p]) / f[p]
    q = 0; for (p in a) if (p in c) cs[++q] = 100 * (a[p] - c[p]) / a[p]
    printf "%d %d %.2f %.2f %.2f %.3f %.3f %d %d %d %.3f %s %s %d %s %d %.3f\n", sa / na, sb / nb, median, slow[1], slow[n], 100 * ticks / hz / secs, idle / nb, rss, hwm, bpf, 100 * (sa / na - sb / nb) / (sa / na), med(fl, m), med(ab, k), (nf ? sf / nf : 0), med(cs, q), (nc ? sc / nc : 0), (csecs ? 100 * cticks / hz / csecs : 0)
  }' "$tmp/runs.txt")
read -r mean_without mean_with slow_median slow_min slow_max cpu_pct idle_pct rss_kb hwm_kb bpf_bytes slow_means floor_median above_floor_median mean_floor continuous_median mean_continuous continuous_cpu_pct <<<"$summary"

verdict() { awk -v v="$1" -v limit="$2" 'BEGIN {print (v <= limit) ? "met" : "**not met**"}'; }
profile_text="(perf not installed: no breakdown of where the slowdown goes.)
"
if [[ -n $profile ]]; then
  read -r samples dispatch programs helpers <<<"$profile"
  profile_text="Where the slowdown goes with rss_stat attached continuously (one extra run with \`$continuous_flags\`, the workload under \`perf record -F 4999\`, $samples samples; shares of the workload's CPU samples):

| part | share of the workload's CPU |
|---|---|
| the kernel's BPF dispatch around each program run (\`bpf_trace_run*\`: RCU, recursion guard, the indirect call) | $dispatch% |
| Tapio's programs (\`bpf_prog_*_tapio_*\`) | $programs% |
| BPF helpers and map code they call | $helpers% |

The dispatch is paid on every kmem:rss_stat hit (every page fault) by any program attached there: it is the floor of this design on this kernel (x86 with retpoline and return-thunk mitigations).
"
fi
# Thousands separators, without depending on the locale.
commas='function c(v,  s) { s = sprintf("%d", v); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }'
fmt() { awk -v v="$1" "$commas BEGIN {print c(v)}"; }
bpf_mib=$(awk -v b="$bpf_bytes" 'BEGIN {printf "%.2f", b / 1048576}')
rate_ok=$(awk -v r="$mean_with" 'BEGIN {print (r >= 100000) ? "yes" : "no"}')
cpu_verdict=$(verdict "$cpu_pct" 1)
[[ $rate_ok == yes ]] || cpu_verdict="not measured at ≥ 100k faults/s (only $(fmt "$mean_with")/s)"
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mkdir -p "$(dirname "$output")"
{
  cat <<EOF
# Node overhead benchmark

Measured $(date -u +%Y-%m-%dT%H:%M:%SZ) on $cpu_model, $(nproc) cores, kernel $(uname -r), by \`make bench-node\` (\`$command_line\`).
Workload: \`bin/tapio-workload pagefaults --mib $mib --seconds $run_seconds\` (mmap $mib MiB, touch every page, munmap, repeat), in a $cgroup_note.
Exporter: \`bin/tapio-exporter --aggregator 127.0.0.1:PORT --node bench-node\` as installed (all BPF programs, kmem:rss_stat attached 100 ms of every second, cgroup sampling every 1 s of every memory cgroup on the node), and in the "continuous" arm the same with \`$continuous_flags\` (rss_stat always attached: every RSS change seen); each streaming to a real \`bin/tapio-aggregator\` on loopback with a journal; started afresh for each "with" run, stopped (SIGTERM, programs detached) before the next run.
$pairs rounds of runs: without the exporter, with it, with it continuous$([[ -n $floor ]] && echo ", and with only an empty program on kmem:rss_stat (the floor: \`ebpf/bench/rss_stat_floor.bpf.c\` held by \`tools/bpf-floor.c\`)"), each round in random order (seed $seed). Load average before $load_before, after $load_after.

## Summary

| figure | value | target |
|---|---|---|
| workload page faults/s without exporter (mean of $pairs runs) | $(fmt "$mean_without") | |
| workload page faults/s with exporter (mean of $pairs runs) | $(fmt "$mean_with") | ≥ 100,000 faults/s for the CPU target |
| slowdown, median of rounds (min … max) | $slow_median% ($slow_min% … $slow_max%) | ≤ 1%: $(verdict "$slow_median" 1) |
| the same with rss_stat attached continuously (\`$continuous_flags\`; median of rounds; $(fmt "$mean_continuous") faults/s) | $continuous_median% | (every RSS change seen) |
| floor: an empty program on kmem:rss_stat instead of the exporter, slowdown (median of rounds; $(fmt "$mean_floor") faults/s) | $floor_median% | (reference: the cost of attaching anything there, continuously) |
| the continuous exporter against the floor, slowdown (median of rounds) | $above_floor_median% | (Tapio's own program cost above the floor) |
| exporter CPU while the workload runs, % of one core | $cpu_pct% (idle node: $idle_pct%; continuous: $continuous_cpu_pct%) | ≤ 1%: $cpu_verdict |
| exporter RSS: VmRSS / VmHWM | $((rss_kb / 1024)) MiB / $((hwm_kb / 1024)) MiB | |
| BPF map memory (bytes_memlock of the exporter's maps) | $bpf_mib MiB ($(fmt "$bpf_bytes") bytes) | ≤ 2 MiB: $(verdict "$bpf_bytes" 2097152) |

Slowdown is (faults/s without − with) / without within each round; the means give $slow_means%. Run-to-run noise on this VM is several percent (see the "without" runs in bench/node.md), so medians over rounds are the figures to read. The floor row is what any BPF program attached to kmem:rss_stat costs here all the time (the kernel's dispatch on every RSS counter update, i.e. every page fault), more than 1% on its own; so the exporter attaches it for 100 ms of every second (\`--rss-window-ms\`, \`--rss-period-ms\`): each rss_stat event carries the absolute counter, so a process that keeps changing is still reported every second, and the cost falls with the share of time attached. Where the continuous cost goes (perf): bench/node.md.

## Details

Every run (faults/s as the workload prints it: pages touched per second, each one a minor fault; minflt is the kernel's count for the whole process from time(1)):

| round | arm | faults/s | minflt | seconds | exporter CPU % of one core | idle CPU % | VmRSS kB | VmHWM kB | tapio_* programs of others | CPU of everything else, % of all cores |
|---|---|---|---|---|---|---|---|---|---|---|
$(awk "$commas"' {printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, c($3), c($4), $5, $6, $7, $8, $9, $14, $15}' "$tmp/runs.txt")

BPF maps of the exporter's $(cat "$tmp/progs.txt") tapio_* programs (last "with" run; from \`bpftool prog show\` map_ids, then \`bpftool map show id N\`):

| id | name | type | max_entries | bytes_memlock |
|---|---|---|---|---|
$(awk "$commas"' {printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, c($5)}' "$tmp/maps.txt")

$profile_text
- Exporter CPU: utime+stime deltas of its process (all threads) from /proc/PID/stat over each workload run, summed over the "with" runs and divided by their wall time (tick $((1000 / clk_tck)) ms); "idle" is the same over 2 s before the workload starts. BPF program time runs in the faulting task's context and shows up as workload slowdown, not as exporter CPU.
- "CPU of everything else": the machine's busy time during the run (/proc/stat) minus the workload's own user+system time, as % of all cores; it includes the exporter and aggregator in "with" runs. A large value in some runs means something else competed for the cores and that pair is suspect.
- "tapio_* programs of others": Tapio programs attached by other processes during the run (other exporters on the machine); non-zero values make the "without" runs not truly without.
- The aggregator (RSS $((aggregator_rss / 1024)) MiB at the end) and this script share the machine; numbers are from one session, so compare "with" and "without" within it, not across machines.
EOF
} >"$output"
cat "$output"
