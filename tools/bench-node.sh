#!/usr/bin/env bash
# Node overhead benchmark (`make bench-node`): what tapio-exporter costs the node it watches.
#
# A page-fault-heavy workload (`tapio-workload pagefaults`: mmap, touch every page, munmap,
# repeated) runs alternately without and with the exporter attached, PAIRS pairs in random
# order, in one session. The exporter streams to a real tapio-aggregator on loopback (journal
# in a temp dir) and is started afresh for each "with" run, so every "without" run has no Tapio
# BPF program of ours attached. Reports the workload's faults/s both ways and the slowdown, the
# exporter's CPU (utime+stime from /proc/PID/stat over the run), its RSS (VmRSS, VmHWM) and the
# BPF map memory of its programs (bytes_memlock from bpftool). Needs root, jq and bpftool.
#
# The workload runs in a memory cgroup created under this script's own memory cgroup (cgroup
# v1), with a limit, and removed afterwards; without cgroup v1 it runs bounded by --mib alone.
#
#   tools/bench-node.sh [--output FILE] [--pairs N] [--seconds S] [--mib M] [--seed N]
set -euo pipefail
cd "$(dirname "$0")/.."

output=bench/node.md pairs=5 run_seconds=5 mib=64 seed=$RANDOM
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
run_workload() {
  local enter="" rate
  [[ -n $cgroup ]] && enter="echo \$\$ > $cgroup/cgroup.procs && "
  bash -c "${enter}exec /usr/bin/time -f '%R %e' -o $tmp/time.txt bin/tapio-workload pagefaults --mib $mib --seconds $1" >"$tmp/workload.txt"
  rate=$(sed -n 's/.*faults_per_sec=\([0-9]*\).*/\1/p' "$tmp/workload.txt")
  [[ -n $rate ]] || die "workload printed no rate: $(cat "$tmp/workload.txt")"
  workload="$rate $(cat "$tmp/time.txt")"
}

# Forgets a pid this script has waited for (so cleanup never signals a recycled pid).
forget() {
  local pid keep=()
  for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  pids=("${keep[@]}")
}

# Runs the workload with a fresh exporter attached; sets with_exporter="faults_per_sec minflt
# elapsed cpu_pct idle_cpu_pct vmrss_kb vmhwm_kb bpf_bytes ticks t1 t2 tapio_progs_of_others".
run_with_exporter() {
  local before log=$tmp/exporter.log exporter ours all t0 c0 t1 c1 t2 c2 idle busy rss hwm bpf id
  before=$(tapio_prog_ids)
  bin/tapio-exporter --aggregator "127.0.0.1:$port" --node bench-node >"$log" 2>&1 &
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

# --- the session ----------------------------------------------------------------------------
command -v /usr/bin/time >/dev/null || die "needs /usr/bin/time (Debian package time)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-node: warm-up run" >&2
run_workload 2
RANDOM=$seed
: >"$tmp/runs.txt"
for ((pair = 1; pair <= pairs; pair++)); do
  if ((RANDOM % 2)); then order="without with"; else order="with without"; fi
  for kind in $order; do
    echo "bench-node: pair $pair, $kind exporter" >&2
    if [[ $kind == without ]]; then
      others=$(tapio_prog_ids | wc -w)
      run_workload "$run_seconds"
      echo "$pair without $workload - - - - - - - - $others" >>"$tmp/runs.txt"
    else
      run_with_exporter
      echo "$pair with $with_exporter" >>"$tmp/runs.txt"
    fi
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
aggregator_rss=$(status_kb "$aggregator" VmRSS)

# --- the report -----------------------------------------------------------------------------
# runs.txt: pair kind faults/s minflt elapsed cpu% idle% rss hwm bpf ticks t1 t2 tapio_progs_of_others
summary=$(awk -v hz="$clk_tck" '
  $2 == "without" { a[$1] = $3; na++; sa += $3 }
  $2 == "with" { b[$1] = $3; nb++; sb += $3; ticks += $11; secs += $13 - $12
                 if ($8 > rss) rss = $8; if ($9 > hwm) hwm = $9; bpf = $10; idle += $7 }
  END {
    n = 0
    for (p in a) if (p in b) slow[++n] = 100 * (a[p] - b[p]) / a[p]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (slow[j] < slow[i]) { t = slow[i]; slow[i] = slow[j]; slow[j] = t }
    median = n % 2 ? slow[(n + 1) / 2] : (slow[n / 2] + slow[n / 2 + 1]) / 2
    printf "%d %d %.2f %.2f %.2f %.3f %.3f %d %d %d %.3f\n", sa / na, sb / nb, median, slow[1], slow[n], 100 * ticks / hz / secs, idle / nb, rss, hwm, bpf, 100 * (sa / na - sb / nb) / (sa / na)
  }' "$tmp/runs.txt")
read -r mean_without mean_with slow_median slow_min slow_max cpu_pct idle_pct rss_kb hwm_kb bpf_bytes slow_means <<<"$summary"

verdict() { awk -v v="$1" -v limit="$2" 'BEGIN {print (v <= limit) ? "met" : "**not met**"}'; }
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
Exporter: \`bin/tapio-exporter --aggregator 127.0.0.1:PORT --node bench-node\` (all BPF programs, cgroup sampling every 1 s of every memory cgroup on the node), streaming to a real \`bin/tapio-aggregator\` on loopback with a journal; started afresh for each "with" run, stopped (SIGTERM, programs detached) before the next run.
$pairs pairs of runs, each pair in random order (seed $seed). Load average before $load_before, after $load_after.

## Summary

| figure | value | target |
|---|---|---|
| workload page faults/s without exporter (mean of $pairs runs) | $(fmt "$mean_without") | |
| workload page faults/s with exporter (mean of $pairs runs) | $(fmt "$mean_with") | ≥ 100,000 faults/s for the CPU target |
| slowdown, median of pairs (min … max) | $slow_median% ($slow_min% … $slow_max%) | ≤ 1%: $(verdict "$slow_median" 1) |
| exporter CPU while the workload runs, % of one core | $cpu_pct% (idle node: $idle_pct%) | ≤ 1%: $cpu_verdict |
| exporter RSS: VmRSS / VmHWM | $((rss_kb / 1024)) MiB / $((hwm_kb / 1024)) MiB | |
| BPF map memory (bytes_memlock of the exporter's maps) | $bpf_mib MiB ($(fmt "$bpf_bytes") bytes) | ≤ 2 MiB: $(verdict "$bpf_bytes" 2097152) |

Slowdown is (faults/s without − with) / without within each pair; the means give $slow_means%.

## Details

Every run (faults/s as the workload prints it: pages touched per second, each one a minor fault; minflt is the kernel's count for the whole process from time(1)):

| pair | exporter | faults/s | minflt | seconds | exporter CPU % of one core | idle CPU % | VmRSS kB | VmHWM kB | tapio_* programs of others |
|---|---|---|---|---|---|---|---|---|---|
$(awk "$commas"' {printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, c($3), c($4), $5, $6, $7, $8, $9, $14}' "$tmp/runs.txt")

BPF maps of the exporter's $(cat "$tmp/progs.txt") tapio_* programs (last "with" run; from \`bpftool prog show\` map_ids, then \`bpftool map show id N\`):

| id | name | type | max_entries | bytes_memlock |
|---|---|---|---|---|
$(awk "$commas"' {printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, c($5)}' "$tmp/maps.txt")

- Exporter CPU: utime+stime deltas of its process (all threads) from /proc/PID/stat over each workload run, summed over the "with" runs and divided by their wall time (tick $((1000 / clk_tck)) ms); "idle" is the same over 2 s before the workload starts. BPF program time runs in the faulting task's context and shows up as workload slowdown, not as exporter CPU.
- "tapio_* programs of others": Tapio programs attached by other processes during the run (other exporters on the machine); non-zero values make the "without" runs not truly without.
- The aggregator (RSS $((aggregator_rss / 1024)) MiB at the end) and this script share the machine; numbers are from one session, so compare "with" and "without" within it, not across machines.
EOF
} >"$output"
cat "$output"
