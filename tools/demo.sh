#!/usr/bin/env bash
# The whole Tapio story on this machine in about three minutes (run it as `make demo`, which
# installs what is missing and builds first):
#   an aggregator, an exporter and a tapio-tail start in the background; a process leaks
#   2 MiB/s in a memory cgroup limited to 256 MiB; tapio warns with an ETA, escalates, and
#   scores the kernel's real OOM kill against its warning; a summary; everything is stopped
#   and removed again (also on Ctrl-C and on failure).
#
# Needs root, BPF, and a memory cgroup (v1 `memory` hierarchy, or v2 with the memory
# controller delegated to the caller's cgroup). The cgroup is created only under the caller's
# own memory cgroup. Exit status: 0 the kill was predicted; 1 failure; 77 this machine cannot
# run the demo (not root, no memory cgroup, BPF not loadable).
#
# Environment: TAPIO_BIN (directory of the binaries, default bin/), DEMO_TIMEOUT (seconds to
# wait for the kill, default 240), DEMO_RATE_MIB (leak rate, default 2), DEMO_LIMIT_MIB (256).
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${TAPIO_BIN:-bin}
TIMEOUT=${DEMO_TIMEOUT:-240}
RATE_MIB=${DEMO_RATE_MIB:-2}
LIMIT_MIB=${DEMO_LIMIT_MIB:-256}

say() { printf '==> %s\n' "$*"; }
fail() { printf '==> demo FAILED: %s\n' "$*" >&2; exit 1; }
cannot() { printf '==> cannot run the demo here: %s\n' "$*" >&2; exit 77; }

[ "$(id -u)" = 0 ] || cannot "it needs root (eBPF programs and a memory cgroup); run: sudo make demo"
for b in tapio tapio-exporter tapio-aggregator tapio-tail tapio-workload; do
  [ -x "$BIN/$b" ] || fail "$BIN/$b is missing; run 'make demo' (it builds first)"
done
command -v jq >/dev/null || fail "jq is missing; run 'make demo' (it installs what is missing)"

# --- state that cleanup undoes --------------------------------------------------------------
WORK=""
CGROUP=""          # absolute path of the cgroup this run created
PIDS=()            # processes this run started, in start order
CLEANED=0

stop_pid() {  # TERM, up to 5 s, then KILL; only pids this script started
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

remove_cgroup() {  # kills what still runs inside (only a demo workload can be there), removes it
  local dir=$1
  [ -d "$dir" ] || return 0
  for _ in $(seq 50); do
    local procs
    procs=$(cat "$dir/cgroup.procs" 2>/dev/null || true)
    [ -z "$procs" ] && break
    for p in $procs; do kill -KILL "$p" 2>/dev/null || true; done
    sleep 0.1
  done
  for _ in $(seq 20); do rmdir "$dir" 2>/dev/null && return 0; sleep 0.1; done
  echo "==> warning: could not remove cgroup $dir" >&2
}

cleanup() {
  [ "$CLEANED" = 1 ] && return 0
  CLEANED=1
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
  [ -n "$CGROUP" ] && remove_cgroup "$CGROUP"
  [ -n "$WORK" ] && rm -rf "$WORK"
  say "stopped everything the demo started and removed its cgroup and temporary files"
}
trap cleanup EXIT
trap 'echo; say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# --- the caller's own memory cgroup -----------------------------------------------------------
if [ -f /sys/fs/cgroup/memory/memory.usage_in_bytes ]; then
  VERSION=1
  OWN=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
  MOUNT=/sys/fs/cgroup/memory
  LIMIT_FILE=memory.limit_in_bytes USAGE_FILE=memory.usage_in_bytes
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  VERSION=2
  OWN=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
  MOUNT=/sys/fs/cgroup
  LIMIT_FILE=memory.max USAGE_FILE=memory.current
  grep -qw memory "$MOUNT${OWN%/}/cgroup.subtree_control" 2>/dev/null ||
    cannot "cgroup v2 without the memory controller delegated to $OWN (see its cgroup.subtree_control)"
else
  cannot "no memory cgroup hierarchy under /sys/fs/cgroup"
fi
[ -n "$OWN" ] || cannot "no memory line in /proc/self/cgroup"
OWN=${OWN%/}
PARENT="$MOUNT$OWN"

# A stale cgroup left by an earlier demo that was killed with SIGKILL: its creator is gone.
for stale in "$PARENT"/tapio-demo-*; do
  [ -d "$stale" ] || continue
  creator=${stale##*-}
  if ! kill -0 "$creator" 2>/dev/null; then
    say "removing a stale demo cgroup from an earlier run: $stale"
    remove_cgroup "$stale"
  fi
done

WORK=$(mktemp -d /tmp/tapio-demo.XXXXXX)
NAME="tapio-demo-$$"
RELATIVE="$OWN/$NAME"
if command -v openssl >/dev/null; then openssl rand -hex 32 >"$WORK/token"; else
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$WORK/token"; fi
chmod 600 "$WORK/token"

# --- aggregator ------------------------------------------------------------------------------
# Ports 0: the kernel picks free ones and the aggregator logs them. A short warm-up and a
# 15-second critical horizon make the story fit in two minutes (defaults: 60 s and 2 min).
"$BIN/tapio-aggregator" --listen 127.0.0.1:0 --http 127.0.0.1:0 --token-file "$WORK/token" \
  --journal "$WORK/journal" --alerts-log "$WORK/alerts.jsonl" --warm-up 15 --critical-horizon 0.25 \
  >"$WORK/aggregator.out" 2>"$WORK/aggregator.err" &
PIDS+=($!)
AGG=$!
FRAME_PORT="" HTTP_PORT=""
for _ in $(seq 200); do
  line=$(grep -m1 'listening for frames on' "$WORK/aggregator.err" || true)
  if [ -n "$line" ]; then
    FRAME_PORT=$(sed -E 's/.*frames on [^:]+:([0-9]+).*/\1/' <<<"$line")
    HTTP_PORT=$(sed -E 's/.*HTTP on port ([0-9]+).*/\1/' <<<"$line")
    break
  fi
  kill -0 "$AGG" 2>/dev/null || break
  sleep 0.1
done
[ -n "$FRAME_PORT" ] && [ -n "$HTTP_PORT" ] || fail "the aggregator did not start: $(cat "$WORK/aggregator.err")"
say "started the aggregator on 127.0.0.1:$FRAME_PORT (frames) and http://127.0.0.1:$HTTP_PORT (status, metrics)"
say "its token, journal and alert log are in $WORK"

# --- the demo cgroup, then the exporter watching only it --------------------------------------
CGROUP="$PARENT/$NAME"
mkdir "$CGROUP" || fail "cannot create the cgroup $CGROUP"
echo $((LIMIT_MIB << 20)) >"$CGROUP/$LIMIT_FILE"
if [ "$VERSION" = 2 ]; then echo 0 >"$CGROUP/memory.swap.max" 2>/dev/null || true; fi
say "created memory cgroup $RELATIVE with a ${LIMIT_MIB} MiB limit (cgroup v$VERSION)"

"$BIN/tapio-exporter" --aggregator "127.0.0.1:$FRAME_PORT" --token-file "$WORK/token" \
  --cgroup-subtree "$RELATIVE" >"$WORK/exporter.out" 2>"$WORK/exporter.err" &
PIDS+=($!)
EXP=$!
for _ in $(seq 300); do
  grep -q 'connected to' "$WORK/exporter.err" && break
  kill -0 "$EXP" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q 'connected to' "$WORK/exporter.err"; then
  if ! kill -0 "$EXP" 2>/dev/null && grep -qi 'bpf' "$WORK/exporter.err"; then
    cannot "the exporter cannot load its BPF programs: $(tail -n 5 "$WORK/exporter.err")"
  fi
  fail "the exporter did not connect within 30 s: $(tail -n 20 "$WORK/exporter.err")"
fi
say "started the exporter (eBPF + cgroup sampling of $RELATIVE only), connected"

# --- tail ------------------------------------------------------------------------------------
# --workload: only the demo's container (the BPF programs see every OOM kill on the node).
"$BIN/tapio-tail" --aggregator "127.0.0.1:$FRAME_PORT" --token-file "$WORK/token" --workload "$NAME" \
  >"$WORK/tail.out" 2>"$WORK/tail.err" &
PIDS+=($!)
TAIL=$!
for _ in $(seq 200); do
  grep -q 'connected to' "$WORK/tail.err" && break
  kill -0 "$TAIL" 2>/dev/null || break
  sleep 0.1
done
grep -q 'connected to' "$WORK/tail.err" || fail "tapio-tail did not connect: $(cat "$WORK/tail.err")"
say "started tapio-tail --workload $NAME; its lines follow, marked with |"

# --- the leak ---------------------------------------------------------------------------------
SECONDS_TO_KILL=$((LIMIT_MIB / RATE_MIB))
say "leaking $RATE_MIB MiB/s into a $LIMIT_MIB MiB cgroup; the kernel will OOM-kill it in about $((SECONDS_TO_KILL / 60)) minutes ($SECONDS_TO_KILL s)"
say "tapio learns the trend for a minute or so, then warns with an ETA (this run waits at most $TIMEOUT s)"
# The limit is set before the process enters the cgroup: it runs inside from its first instruction.
sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CGROUP" \
  "$BIN/tapio-workload" leak --rate-mib-per-sec "$RATE_MIB" --max-seconds $((TIMEOUT + 30)) \
  >"$WORK/workload.out" 2>"$WORK/workload.err" &
PIDS+=($!)
WORKLOAD=$!
disown "$WORKLOAD"  # its OOM kill is the point: no "Killed" job notice from bash

oom_kills() {
  if [ "$VERSION" = 1 ]; then awk '$1 == "oom_kill" { print $2 }' "$CGROUP/memory.oom_control" 2>/dev/null || echo 0
  else awk '$1 == "oom_kill" { print $2 }' "$CGROUP/memory.events" 2>/dev/null || echo 0; fi
}

SHOWN=0
show_tail() {  # prints the tail's complete new lines
  local total
  total=$(wc -l <"$WORK/tail.out")
  if [ "$total" -gt "$SHOWN" ]; then
    sed -n "$((SHOWN + 1)),${total}p" "$WORK/tail.out" | sed 's/^/  | /'
    SHOWN=$total
  fi
}

START=$(date +%s)
KERNEL_KILL_AT=""
NEXT_PROGRESS=15
while :; do
  sleep 1
  show_tail
  now=$(date +%s)
  elapsed=$((now - START))
  grep -q "OOM KILL: $NAME" "$WORK/tail.out" && break
  kill -0 "$AGG" 2>/dev/null || fail "the aggregator exited: $(tail -n 20 "$WORK/aggregator.err")"
  kill -0 "$EXP" 2>/dev/null || fail "the exporter exited: $(tail -n 20 "$WORK/exporter.err")"
  if [ -z "$KERNEL_KILL_AT" ] && [ "$(oom_kills)" -gt 0 ]; then
    KERNEL_KILL_AT=$now
    say "the kernel OOM-killed the workload after $elapsed s"
  fi
  if [ -n "$KERNEL_KILL_AT" ] && [ $((now - KERNEL_KILL_AT)) -ge 20 ]; then
    fail "the kernel OOM-killed the workload, but tapio reported no kill within 20 s"
  fi
  if [ -z "$KERNEL_KILL_AT" ] && ! kill -0 "$WORKLOAD" 2>/dev/null; then
    fail "the workload exited without an OOM kill: $(cat "$WORK/workload.err")"
  fi
  [ "$elapsed" -ge "$TIMEOUT" ] && fail "no OOM kill reported within $TIMEOUT s (see the lines above)"
  if [ "$elapsed" -ge "$NEXT_PROGRESS" ] && [ -z "$KERNEL_KILL_AT" ]; then
    used=$(($(cat "$CGROUP/$USAGE_FILE" 2>/dev/null || echo 0) >> 20))
    echo "    ${elapsed}s: ${used} MiB of ${LIMIT_MIB} MiB used"
    NEXT_PROGRESS=$((NEXT_PROGRESS + 15))
  fi
done
[ -z "$KERNEL_KILL_AT" ] && [ "$(oom_kills)" -gt 0 ] && KERNEL_KILL_AT=$(date +%s)
sleep 1
show_tail

# --- summary ----------------------------------------------------------------------------------
say "what the aggregator knows now: $BIN/tapio check --aggregator http://127.0.0.1:$HTTP_PORT"
say "(the exporter's BPF programs see the whole node: other OOM kills on this machine count too)"
set +e
"$BIN/tapio" check --aggregator "http://127.0.0.1:$HTTP_PORT" | sed 's/^/    /'
set -e

KILL=$(jq -c --arg name "$NAME" 'select(.subject == "kill" and .name == $name)' "$WORK/alerts.jsonl" | tail -n 1)
WARNING=$(jq -c --arg name "$NAME" 'select(.subject == "container" and .transition == "fired" and .name == $name)' "$WORK/alerts.jsonl" | head -n 1)
[ -n "$KILL" ] || fail "the tail showed a kill but the alerts log has none"
predicted=$(jq -r '.kill.predicted' <<<"$KILL")
if [ "$predicted" != true ]; then
  fail "the kernel's OOM kill was NOT predicted: $(jq -r '.message' <<<"$KILL")"
fi
lead=$(jq -r '.kill.leadSeconds | round' <<<"$KILL")
error=$(jq -r 'if .kill.etaErrorFraction == null then "n/a" else (.kill.etaErrorFraction * 100 | round | tostring) + "%" end' <<<"$KILL")
say "verdict: the kernel OOM-killed $(jq -r '"\(.kill.command) (pid \(.kill.pid))"' <<<"$KILL") after about $((${KERNEL_KILL_AT:-$(date +%s)} - START)) s of leaking; tapio warned $lead s ahead, its first ETA off by $error"
[ -n "$WARNING" ] && say "first warning: $(jq -r '.message' <<<"$WARNING")"
say "alerts as JSON lines: --alerts-log; live: tapio-tail; fleet status: tapio check --aggregator URL"
