#!/usr/bin/env bash
# Transport benchmark (`make bench-transport`): tapio-aggregator (journal in a temp dir, token
# handshake) fed by tapio-loadgen simulating NODES nodes × CONTAINERS containers over real TCP
# on loopback.
# 1. Memory, first and at steady state, each on a fresh aggregator: CONTAINERS, then twice as
#    many, per node, at 2 simulated seconds per second (past the predictors' 60 s warm-up, so
#    every container has its history), well below capacity. RSS during load minus RSS before
#    over containers tracked is the upper bound; the difference between the two runs over the
#    containers added is the marginal cost.
# 2. Throughput and latency, on another fresh aggregator, at stepped offered rates: records/s
#    applied (/api/v1/status pipeline.recordsApplied over a steady window), the aggregator's and
#    the load generator's CPU over the same window (/proc/PID/stat), and the ack latency
#    p50/p99 (loadgen's summary: frame cut → ACK, ACKs covering only journaled, fsynced frames).
# Binaries from bin/ unless TAPIO_BIN names another directory (e.g. .build-x/release).
# Needs jq and curl.
#
#   tools/bench-transport.sh [--output FILE] [--nodes N] [--containers M] [--rates "R1 R2 ..."]
#                            [--seconds S] [--loadgen-threads T] [--memory-seconds S] [--memory-only]
# --memory-only runs step 1 alone and writes only its figures.
set -euo pipefail
cd "$(dirname "$0")/.."

output=bench/transport.md nodes=1000 containers=20 rates="200 500 1000 1200 2000" step_seconds=15 loadgen_threads=2 memory_seconds=40 memory_only=0
bin=${TAPIO_BIN:-bin}
warm_up=2  # seconds of each step whose frames are left out of the latency percentiles
while (($#)); do
  case $1 in
    --output) output=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --containers) containers=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --seconds) step_seconds=$2; shift 2 ;;
    --loadgen-threads) loadgen_threads=$2; shift 2 ;;
    --memory-seconds) memory_seconds=$2; shift 2 ;;
    --memory-only) memory_only=1; shift ;;
    *) echo "usage: $0 [--output FILE] [--nodes N] [--containers M] [--rates \"R1 R2 ...\"] [--seconds S] [--loadgen-threads T] [--memory-seconds S] [--memory-only]" >&2; exit 2 ;;
  esac
done
command_line="tools/bench-transport.sh --output $output --nodes $nodes --containers $containers --rates \"$rates\" --seconds $step_seconds --loadgen-threads $loadgen_threads --memory-seconds $memory_seconds"
if ((memory_only)); then command_line="tools/bench-transport.sh --output $output --nodes $nodes --containers $containers --loadgen-threads $loadgen_threads --memory-seconds $memory_seconds --memory-only"; fi

die() { echo "bench-transport: $*" >&2; exit 1; }
for tool in jq curl; do command -v "$tool" >/dev/null || die "needs $tool"; done
for b in tapio-aggregator tapio-loadgen; do [[ -x $bin/$b ]] || die "$bin/$b missing: run make build"; done
((step_seconds >= 6)) || die "--seconds must be at least 6 (3 s of warm-up, then the window)"
((memory_seconds >= 35)) || die "--memory-seconds must be at least 35 (60 simulated seconds of warm-up, then history)"

tmp=$(mktemp -d /tmp/tapio-bench-transport.XXXXXX)
pids=()  # every process this script started and has not yet waited for
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
forget() {
  local pid keep=()
  for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  pids=("${keep[@]}")
}

clk_tck=$(getconf CLK_TCK)
cores=$(nproc)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }
now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
status() { curl -sf --max-time 20 "http://127.0.0.1:$http_port/api/v1/status?containers=false" >"$tmp/status.json" || die "aggregator status failed"; }
applied() { status; jq '.pipeline.recordsApplied' "$tmp/status.json"; }

# --- the aggregator -------------------------------------------------------------------------
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/token"
aggregator=
# Starts a fresh aggregator (stopping the previous one): empty journal, RSS before load in rss_idle.
start_aggregator() {
  if [[ -n $aggregator ]]; then
    kill "$aggregator" 2>/dev/null || true
    wait "$aggregator" 2>/dev/null || true
    forget "$aggregator"
  fi
  rm -rf "$tmp/journal"
  port=$(free_port) http_port=$(free_port)
  "$bin/tapio-aggregator" --listen "127.0.0.1:$port" --http "127.0.0.1:$http_port" --token-file "$tmp/token" \
    --journal "$tmp/journal" >"$tmp/aggregator.log" 2>&1 &
  aggregator=$!
  pids+=("$aggregator")
  local i
  for ((i = 0; i < 100; i++)); do
    curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
    kill -0 "$aggregator" 2>/dev/null || { cat "$tmp/aggregator.log" >&2; die "aggregator exited"; }
    sleep 0.1
  done
  sleep 1
  rss_idle=$(rss_kb "$aggregator")
  timeouts_before=0
}

# One load step: loadgen with $1 records/s per node ("0": one simulated second per node per
# second), $2 containers per node, for $3 seconds. Sets step="..." (see the echo at the end).
run_step() {
  local rate=$1 per_node=$2 seconds=$3 json=$tmp/loadgen-$1-$2.json loadgen t0 t1 a0 a1 g0 g1 l0 l1 rss_load rc=0
  "$bin/tapio-loadgen" --aggregator "127.0.0.1:$port" --token-file "$tmp/token" --nodes "$nodes" \
    --containers "$per_node" --records-per-second "$rate" --seconds "$seconds" --threads "$loadgen_threads" \
    --drain-seconds 60 --warm-up-seconds "$warm_up" --output "$json" 2>"$tmp/loadgen.log" &
  loadgen=$!
  pids+=("$loadgen")
  local started
  # Every node connects before the load generator produces anything: its run starts then.
  for ((i = 0; i < 600; i++)); do
    [[ $(jq '.pipeline.connectionsOpen' <(curl -sf "http://127.0.0.1:$http_port/api/v1/status?containers=false") 2>/dev/null) == "$nodes" ]] && break
    sleep 0.1
  done
  started=$(now)
  sleep 3  # first frames
  t0=$(now) g0=$(cpu_ticks "$aggregator") l0=$(cpu_ticks "$loadgen") a0=$(applied)
  sleep "$(awk -v s="$seconds" -v st="$started" -v n="$(now)" 'BEGIN {d = s - 0.5 - (n - st); print (d > 0 ? d : 0)}')"
  t1=$(now) g1=$(cpu_ticks "$aggregator") l1=$(cpu_ticks "$loadgen") a1=$(applied) rss_load=$(rss_kb "$aggregator")
  wait "$loadgen" || rc=$?
  forget "$loadgen"
  [[ -s $json ]] || { cat "$tmp/loadgen.log" >&2; die "loadgen wrote no summary (exit $rc)"; }
  status
  local tracked timeouts
  tracked=$(jq '[.nodes[].containers] | add' "$tmp/status.json")
  timeouts=$(jq '.pipeline.handshakeTimeouts' "$tmp/status.json")
  # rate applied/s agg% loadgen% sent/s p50 p99 all_acked seconds_total tracked rss_kb handshake_timeouts p99_all max
  step="$(jq -r --argjson s "$seconds" '"\(.totalRecordsSent / $s) \(.ackLatencyP50Ms // -1) \(.ackLatencyP99Ms // -1) \(.allAcknowledged) \(.seconds)"' "$json")"
  local tail_latency
  tail_latency="$(jq -r '"\(.ackLatencyP99AllFramesMs // -1) \(.ackLatencyMaxMs // -1)"' "$json")"
  step="$rate $(awk -v a="$((a1 - a0))" -v g="$((g1 - g0))" -v l="$((l1 - l0))" -v t0="$t0" -v t1="$t1" -v hz="$clk_tck" -v n="$cores" \
    'BEGIN {d = t1 - t0; printf "%.0f %.1f %.1f", a / d, 100 * g / hz / d / n, 100 * l / hz / d / n}') $step $tracked $rss_load $((timeouts - timeouts_before)) $tail_latency"
  timeouts_before=$timeouts
}

# --- memory: fresh aggregators, containers and twice as many, at steady state ------------------
# 2 simulated seconds per second: records per simulated second are ~5 per container, so the
# rate scales with the containers; memory_seconds of it is well past the 60 s warm-up.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Sets mem_tracked, mem_idle (RSS before load) and mem_rss (RSS at the end of the window).
memory_step() {
  start_aggregator
  echo "bench-transport: memory, $nodes nodes × $1 containers" >&2
  run_step $((10 * $1)) "$1" "$memory_seconds"
  read -r _ _ _ _ _ _ _ _ _ mem_tracked mem_rss _ <<<"$step"
  mem_idle=$rss_idle
  memory_steps+=("$1 $step")
  read -r scrape_bytes scrape_rise_kb < <(peak_during_get /metrics)
  read -r status_bytes status_rise_kb < <(peak_during_get /api/v1/status)
}
# One GET of the loaded aggregator: bytes received, and how far its RSS peaked above where it
# was (writing 5 to clear_refs resets VmHWM, the peak).
peak_during_get() {
  local before
  echo 5 >"/proc/$aggregator/clear_refs"
  before=$(rss_kb "$aggregator")
  curl -sf --max-time 60 "http://127.0.0.1:$http_port$1" >"$tmp/get.out" || die "$1 failed"
  echo "$(wc -c <"$tmp/get.out") $(($(awk '$1 == "VmHWM:" {print $2}' "/proc/$aggregator/status") - before))"
}
memory_steps=()
memory_step "$containers"
tracked_1=$mem_tracked idle_1=$mem_idle rss_1=$mem_rss scrape_bytes_1=$scrape_bytes scrape_rise_1=$scrape_rise_kb status_bytes_1=$status_bytes status_rise_1=$status_rise_kb
memory_step $((containers * 2))
tracked_2=$mem_tracked idle_2=$mem_idle rss_2=$mem_rss
per_container=$(awk -v r="$rss_1" -v r0="$idle_1" -v n="$tracked_1" 'BEGIN {printf "%.2f", n ? (r - r0) / n : 0}')
per_container_2=$(awk -v r="$rss_2" -v r0="$idle_2" -v n="$tracked_2" 'BEGIN {printf "%.2f", n ? (r - r0) / n : 0}')
marginal=$(awk -v r2="$rss_2" -v i2="$idle_2" -v r1="$rss_1" -v i1="$idle_1" -v n2="$tracked_2" -v n1="$tracked_1" \
  'BEGIN {printf "%.2f", (n2 > n1) ? ((r2 - i2) - (r1 - i1)) / (n2 - n1) : 0}')
commas='function c(v,  s) { s = sprintf("%d", v); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }'
fmt() { awk -v v="$1" "$commas BEGIN {print c(v)}"; }
verdict_max() { awk -v v="$1" -v limit="$2" 'BEGIN {print (v <= limit && v >= 0) ? "met" : "**not met**"}'; }
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
memory_rows() {
  cat <<EOF
| aggregator memory per tracked container, upper bound: (RSS under load − RSS before) / containers, $containers per node | $per_container KiB ($(((rss_1 - idle_1) / 1024)) MiB / $(fmt "$tracked_1")) | ≤ 2 KiB: $(verdict_max "$per_container" 2) |
| the same with $((containers * 2)) per node | $per_container_2 KiB ($(((rss_2 - idle_2) / 1024)) MiB / $(fmt "$tracked_2")) | |
| marginal memory per container ($(fmt "$tracked_1") → $(fmt "$tracked_2") containers) | $marginal KiB | ≤ 2 KiB: $(verdict_max "$marginal" 2) |
| RSS peak during one /metrics scrape above RSS before it, $containers per node ($(fmt "$scrape_bytes_1") bytes of text) | $(awk -v k="$scrape_rise_1" 'BEGIN {printf "%.1f", k / 1024}') MiB | |
| the same for one /api/v1/status with its containers ($(fmt "$status_bytes_1") bytes of JSON) | $(awk -v k="$status_rise_1" 'BEGIN {printf "%.1f", k / 1024}') MiB | |
EOF
}
memory_details() {
  cat <<EOF
- Memory: each figure from a fresh aggregator fed for $memory_seconds s at 2 simulated seconds per second ($((10 * containers)) and $((20 * containers)) records/s per node: about 5 records per container per simulated second), far below capacity, so no backlog inflates it, and past the predictors' 60 s warm-up, so every container holds its full predictor history. RSS is read at the end of the load window, all nodes connected. Then one \`curl /metrics\` and one of \`/api/v1/status\`: their rows are the peak RSS during each (VmHWM, reset just before through clear_refs) minus the RSS before it.

| containers per node | containers tracked | aggregator RSS before load, MiB | under load, MiB | per container, KiB |
|---|---|---|---|---|
| $containers | $(fmt "$tracked_1") | $(awk -v v="$idle_1" 'BEGIN {printf "%.1f", v / 1024}') | $(awk -v v="$rss_1" 'BEGIN {printf "%.1f", v / 1024}') | $per_container |
| $((containers * 2)) | $(fmt "$tracked_2") | $(awk -v v="$idle_2" 'BEGIN {printf "%.1f", v / 1024}') | $(awk -v v="$rss_2" 'BEGIN {printf "%.1f", v / 1024}') | $per_container_2 |

- RSS counts everything the process holds: per container its track, predictor history and names; per node its connection, buffers, node predictor and process names; the allocator's caches. So the per-container figure is an upper bound, and the marginal figure (the growth from $containers to $((containers * 2)) containers per node, over the containers added) is what one more container costs.
EOF
}
if ((memory_only)); then
  mkdir -p "$(dirname "$output")"
  {
    cat <<EOF
# Transport benchmark: memory only

Measured $(date -u +%Y-%m-%dT%H:%M:%SZ) on $cpu_model, $cores cores, by \`$command_line\` (the memory steps alone).
\`tapio-aggregator\` (release, token handshake, journal in a temp dir) and \`tapio-loadgen --nodes $nodes --threads $loadgen_threads\` on the same $cores cores, over loopback TCP.
Load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg).

| figure | value | target |
|---|---|---|
$(memory_rows)

$(memory_details)
EOF
  } >"$output"
  cat "$output"
  exit 0
fi

# --- throughput and latency: a fresh aggregator, stepped rates ------------------------------
start_aggregator
: >"$tmp/steps.txt"
for rate in $rates; do
  echo "bench-transport: $nodes nodes × $containers containers, $rate records/s per node" >&2
  run_step "$rate" "$containers" "$step_seconds"
  echo "$step" >>"$tmp/steps.txt"
done
# steps.txt: rate applied/s agg% loadgen% sent/s p50 p99 all_acked seconds tracked rss_kb timeouts p99_all max
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
journal_bytes=$(du -sb "$tmp/journal" | cut -f1)
journal_fs=$(df -T "$tmp" | awk 'NR == 2 {print $2}')

# --- the report -----------------------------------------------------------------------------
# The best step: the highest applied rate among steps that kept up: the window applied ≥ 95% of
# what was sent, every record was acknowledged, and the drain after the run took ≤ 1.5 s.
kept_up() { awk -v s="$step_seconds" '$8 == "true" && $2 >= 0.95 * $5 && $9 <= s + 1.5' "$tmp/steps.txt"; }
read -r best_rate best_applied best_agg best_lg best_sent best_p50 best_p99 _ < <(kept_up | sort -k2,2n | tail -1)
[[ -n ${best_rate:-} ]] || { best_rate=none best_applied=0 best_agg=- best_lg=- best_p50=-1 best_p99=-1; }
# The latency target is read at the throughput target: the lowest step that kept up with at
# least 1,000,000 records/s offered (the best step's latency, at a higher rate, is shown too).
read -r target_rate _ _ _ _ target_p50 target_p99 _ < <(kept_up | awk -v n="$nodes" '$1 * n >= 1000000' | sort -k1,1n | head -1)
[[ -n ${target_rate:-} ]] || { target_rate=none target_p50=-1 target_p99=-1; }
top_applied=$(sort -k2,2n "$tmp/steps.txt" | tail -1 | cut -d' ' -f2)
verdict_min() { awk -v v="$1" -v limit="$2" 'BEGIN {print (v >= limit) ? "met" : "**not met**"}'; }
mkdir -p "$(dirname "$output")"
{
  cat <<EOF
# Transport benchmark

Measured $(date -u +%Y-%m-%dT%H:%M:%SZ) on $cpu_model, $cores cores, by \`make bench-transport\` (\`$command_line\`).
\`tapio-aggregator\` (release, token handshake, journal on $journal_fs in a temp dir, group-committed with fsync before ACK) and
\`tapio-loadgen --nodes $nodes --threads $loadgen_threads\` on the **same $cores cores**, over loopback TCP.
Every simulated node is a real exporter sender (handshake, send window, ACKs, resends) announcing its containers' Kubernetes identity, then
streaming memory samples, page activity, process RSS and short-lived worker processes; nodes connect first, then submit at their own phases.
Load average before $load_before, after $load_after.

## Summary

| figure | value | target |
|---|---|---|
| records/s applied, best step that kept up ($best_rate records/s per node offered; see below) | $(fmt "$best_applied") | ≥ 1,000,000: $(verdict_min "$best_applied" 1000000) |
| ack latency p50 / p99 at 1,000,000 records/s: the lowest step that kept up with at least that offered ($target_rate records/s per node; frames cut after the first $warm_up s) | $(printf "%.1f" "$target_p50") ms / $(printf "%.1f" "$target_p99") ms | p99 ≤ 50 ms: $(verdict_max "$target_p99" 50) |
| ack latency p50 / p99 at the best step | $(printf "%.1f" "$best_p50") ms / $(printf "%.1f" "$best_p99") ms | |
| aggregator / load generator CPU at that step (% of $cores cores) | $best_agg% / $best_lg% | |
| highest records/s applied in any step | $(fmt "$top_applied") | |
$(memory_rows)

| records/s offered (all nodes) | records/s sent | records/s applied | aggregator CPU | loadgen CPU | ack p50 ms | ack p99 ms | ack p99 ms, all frames | ack max ms | all acked | run + drain s | handshake timeouts |
|---|---|---|---|---|---|---|---|---|---|---|---|
$(awk "$commas"' {printf "| %s | %s | %s | %s%% | %s%% | %.1f | %.1f | %.1f | %.1f | %s | %.1f | %s |\n", c($1 * '"$nodes"'), c($5), c($2), $3, $4, $6, $7, $13, $14, $8, $9, $12}' "$tmp/steps.txt")

## Details

$(memory_details)
- Throughput steps: one fresh aggregator, the steps in the order of the table, $containers containers per node, each for $step_seconds s; rates and CPU are over its steady window (from 3 s after the first record to 0.5 s before the end).
- A step "kept up" when the window applied ≥ 95% of what was sent, every record was acknowledged and the drain after the run took ≤ 1.5 s; a longer drain means a backlog was building. Handshake timeouts are the aggregator's count (AUTH not received within 5 s) during the step.
- "records/s sent" is what the load generator actually produced: its producer is one thread generating simulated records on the same cores (at a lower priority than the event loops, since on a real fleet that work is on the nodes), so at high offered rates it can fall short of the offer.
- CPU: utime+stime deltas of each process (all threads) from /proc/PID/stat over the window, as % of all $cores cores (100% = every core busy).
- Ack latency: per frame, from the moment the sender cuts it to the ACK that covers it (the ACK is sent once the frame is in the journal and fsynced). p50 and p99 are over the frames cut after the first $warm_up s of the step (first-time allocations on both sides); "all frames" includes those and the drain.
- Journal written in the throughput steps: $(fmt "$journal_bytes") bytes.
EOF
} >"$output"
cat "$output"
