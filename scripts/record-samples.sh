#!/usr/bin/env bash
# record-samples.sh — record REAL kernel traces of a KVM guest for kvmreq.
#
# Boots a tiny 2-vCPU QEMU/KVM guest (SeaBIOS + a Debian cloud kernel + a
# busybox initramfs), hot-plugs a DIMM while it runs (a memslot change, so
# x86's kvm_arch_memslots_updated() kicks every vCPU without a request), and
# captures the stock tracepoints kvm:*, ipi:*, csd:*, sched:sched_waking/
# sched_wakeup/sched_switch with a `stacktrace` trigger on sched_waking.
#
# Usage (as root, on a host with /dev/kvm and tracefs):
#   scripts/record-samples.sh [--only LIST] [--big DIR] OUTDIR
#     OUTDIR gets traces/, fixtures/ingest/, fixtures/dat/
#     --only LIST  comma-separated subset of: dat,traces,ingest
#                  (default: all three; "none" records nothing but --big)
#     --big DIR    also record a ~6 s boot with every kvm:* event into
#                  DIR/boot.dat and DIR/boot.trace (large; keep it out of git)
# Environment:
#   GUEST_KERNEL=/path/to/vmlinuz   use this guest kernel instead of
#                                   apt-get download'ing a Debian cloud one
#   KEEP_WORK=1                     keep the temporary work directory
#
# Needs: qemu-system-x86 busybox-static trace-cmd cpio gzip (apt-get install).
#
# tracefs: every setting this script touches is saved first and put back on
# exit (EXIT/INT/TERM trap), and tracefs is unmounted again if it was not
# mounted.  One thing cannot be undone: if the ring buffer had never been
# expanded ("7 (expanded: 1408)"), enabling any event expands it; it is then
# set back to the expanded default size.
set -euo pipefail

T=/sys/kernel/tracing
OUT=""
ONLY="dat,traces,ingest"
BIG=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift 2 ;;
    --big) BIG="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) OUT="$1"; shift ;;
  esac
done
[ -n "$OUT" ] || { echo "usage: $0 [--only LIST] [--big DIR] OUTDIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
[ -c /dev/kvm ] || { echo "no /dev/kvm" >&2; exit 1; }
for c in qemu-system-x86_64 trace-cmd cpio gzip unshare; do
  command -v "$c" >/dev/null || { echo "missing $c (apt-get install qemu-system-x86 trace-cmd cpio)" >&2; exit 1; }
done
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' \
  || { echo "need a static busybox (apt-get install busybox-static)" >&2; exit 1; }
want() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/kvmreq-rec.XXXXXX)
log() { echo "[record-samples] $*" >&2; }

# ---------------------------------------------------------------- tracefs state
MOUNTED_BY_US=0
STATE_SAVED=0
RESTORED=0
declare -A EV_ENABLE EV_FILTER EV_TRIGGER
SAVED_ON= SAVED_CLOCK= SAVED_BUF= SAVED_TRACER= SAVED_EVPID= SAVED_EVNOPID=
declare -A SAVED_OPT

MOUNTS_BEFORE=""
fs_mounts() { awk '$3 == "tracefs" || $3 == "debugfs" {print $2}' /proc/mounts | sort -u; }

tfs_save() {
  MOUNTS_BEFORE=$(fs_mounts)
  if ! mountpoint -q "$T"; then
    mount -t tracefs nodev "$T"
    MOUNTED_BY_US=1
  fi
  SAVED_ON=$(cat $T/tracing_on)
  SAVED_CLOCK=$(sed -E 's/.*\[([^]]+)\].*/\1/' $T/trace_clock)
  SAVED_BUF=$(cat $T/buffer_size_kb)
  SAVED_TRACER=$(cat $T/current_tracer)
  SAVED_EVPID=$(cat $T/set_event_pid)
  SAVED_EVNOPID=$(cat $T/set_event_notrace_pid 2>/dev/null || true)
  local o e
  for o in $T/options/*; do SAVED_OPT[$(basename "$o")]=$(cat "$o"); done
  # Every event of every subsystem: trace-cmd extract resets all of them.
  for e in $T/events/*/*/; do
    [ -f "$e/enable" ] || continue
    EV_ENABLE[$e]=$(cat "$e/enable")
    EV_FILTER[$e]=$(cat "$e/filter")
    EV_TRIGGER[$e]=$(grep -v '^#' "$e/trigger" || true)
  done
  cp $T/set_event "$WORK/set_event.saved"
  STATE_SAVED=1
  log "tracefs state saved (mounted_by_us=$MOUNTED_BY_US tracing_on=$SAVED_ON clock=$SAVED_CLOCK buffer_size_kb='$SAVED_BUF')"
}

remove_triggers() { # $1 = event dir
  local line cmd
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    cmd=${line%% if *}
    case "$cmd" in
      enable_event:*|disable_event:*|enable_hist:*|disable_hist:*)
        cmd=$(echo "$cmd" | cut -d: -f1-3) ;;
      *) cmd=${cmd%%:*} ;;
    esac
    echo "!$cmd" > "$1/trigger" 2>/dev/null || true
  done < <(grep -v '^#' "$1/trigger" || true)
}

# Put back everything tfs_save recorded.  Idempotent; runs from the trap.
tfs_restore() {
  [ "$STATE_SAVED" = 1 ] || { [ "$MOUNTED_BY_US" = 1 ] && umount "$T"; return 0; }
  [ "$RESTORED" = 0 ] || return 0
  RESTORED=1
  set +e
  echo 0 > $T/tracing_on
  local e cur want
  for e in "${!EV_ENABLE[@]}"; do
    if grep -qv '^#' "$e/trigger"; then remove_triggers "$e"; fi
  done
  echo > $T/set_event
  for e in "${!EV_ENABLE[@]}"; do
    cur=$(cat "$e/filter")
    if [ "$cur" != "${EV_FILTER[$e]}" ]; then
      if [ "${EV_FILTER[$e]}" = none ]; then echo 0 > "$e/filter"; else echo "${EV_FILTER[$e]}" > "$e/filter"; fi
    fi
    if [ -n "${EV_TRIGGER[$e]}" ]; then
      while IFS= read -r want; do
        echo "${want/:unlimited/}" > "$e/trigger"
      done <<< "${EV_TRIGGER[$e]}"
    fi
  done
  while IFS= read -r want; do
    [ -n "$want" ] && echo "$want" >> $T/set_event
  done < "$WORK/set_event.saved"
  echo "$SAVED_EVPID" > $T/set_event_pid
  [ -f $T/set_event_notrace_pid ] && echo "$SAVED_EVNOPID" > $T/set_event_notrace_pid
  local o
  for o in "${!SAVED_OPT[@]}"; do
    [ "$(cat $T/options/$o)" = "${SAVED_OPT[$o]}" ] || echo "${SAVED_OPT[$o]}" > $T/options/$o
  done
  echo "$SAVED_CLOCK" > $T/trace_clock
  local buf=$SAVED_BUF
  if [[ "$buf" =~ expanded:\ ([0-9]+) ]]; then buf=${BASH_REMATCH[1]}; fi
  [ "$(cat $T/buffer_size_kb)" = "$buf" ] || [ "$(cat $T/buffer_size_kb)" = "$SAVED_BUF" ] || echo "$buf" > $T/buffer_size_kb
  echo "$SAVED_TRACER" > $T/current_tracer
  echo > $T/trace
  echo "$SAVED_ON" > $T/tracing_on
  # verify
  local bad=0
  for e in "${!EV_ENABLE[@]}"; do
    [ "$(cat "$e/enable")" = "${EV_ENABLE[$e]}" ] || { log "restore: $e enable=$(cat "$e/enable") want ${EV_ENABLE[$e]}"; bad=1; }
    [ "$(cat "$e/filter")" = "${EV_FILTER[$e]}" ] || { log "restore: $e filter differs"; bad=1; }
    [ "$(grep -v '^#' "$e/trigger")" = "${EV_TRIGGER[$e]}" ] || { log "restore: $e trigger differs"; bad=1; }
  done
  cmp -s $T/set_event "$WORK/set_event.saved" || { log "restore: set_event differs"; bad=1; }
  [ "$(cat $T/tracing_on)" = "$SAVED_ON" ] || { log "restore: tracing_on differs"; bad=1; }
  grep -q "\[$SAVED_CLOCK\]" $T/trace_clock || { log "restore: trace_clock differs"; bad=1; }
  for o in "${!SAVED_OPT[@]}"; do
    [ "$(cat $T/options/$o)" = "${SAVED_OPT[$o]}" ] || { log "restore: option $o differs"; bad=1; }
  done
  log "tracefs restored (buffer_size_kb now $(cat $T/buffer_size_kb), was '$SAVED_BUF'; verify: $([ $bad = 0 ] && echo ok || echo MISMATCH))"
  if [ "$MOUNTED_BY_US" = 1 ]; then
    umount "$T" && log "tracefs unmounted again"
  fi
  # trace-cmd (libtracefs) mounts debugfs + tracefs under /sys/kernel/debug
  # when it finds no tracefs; undo any such mount made while we ran.
  local m
  for m in $(fs_mounts | sort -r); do
    grep -qxF "$m" <<< "$MOUNTS_BEFORE" || { umount "$m" && log "unmounted $m (not mounted before)"; }
  done
  set -e
}

QEMU_PID=""
PIPE_PID=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then kill "$QEMU_PID"; wait "$QEMU_PID" 2>/dev/null; fi
  if [ -n "$PIPE_PID" ]; then touch "$WORK/pipe.stop"; wait "$PIPE_PID" 2>/dev/null; fi
  tfs_restore
  if [ "${KEEP_WORK:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- guest
get_guest_kernel() {
  if [ -n "${GUEST_KERNEL:-}" ]; then KERNEL=$GUEST_KERNEL; GUEST_DESC=$(basename "$KERNEL"); return; fi
  local pkg
  pkg=$(apt-cache search --names-only '^linux-image-[0-9.]+-[0-9]+-cloud-amd64-unsigned$' \
        | awk '{print $1}' | sort -V | tail -1)
  [ -n "$pkg" ] || { echo "no linux-image-*-cloud-amd64-unsigned in apt (apt-get update?)" >&2; exit 1; }
  log "downloading guest kernel $pkg"
  (cd "$WORK" && apt-get download "$pkg" >/dev/null 2>&1)
  dpkg -x "$WORK"/"$pkg"_*.deb "$WORK/kroot"
  KERNEL=$(ls "$WORK"/kroot/boot/vmlinuz-* | head -1)
  GUEST_DESC="$pkg $(dpkg-deb -f "$WORK"/"$pkg"_*.deb Version)"
}

build_initramfs() {
  local ir=$WORK/initramfs
  mkdir -p $ir/bin $ir/proc $ir/sys $ir/dev
  cp "$BUSYBOX" $ir/bin/busybox
  cat > $ir/init <<'EOF'
#!/bin/busybox sh
# Guest workload: exits to the host a lot (timer sleeps, /proc reads, serial
# writes) on both vCPUs for kvmreq_secs seconds, then powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
DUR=$(sed -n 's/.*kvmreq_secs=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$DUR" ] || DUR=3
echo "kvmreq-guest: start, $(nproc) cpus, $DUR s"
work() {
  end=$(( $(cut -d. -f1 /proc/uptime) + DUR ))
  i=0
  while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
    sleep 0.01
    cat /proc/interrupts /proc/stat > /dev/null
    i=$((i+1))
    [ $((i % 20)) -eq 0 ] && echo "kvmreq-guest: worker $1 iter $i"
  done
}
work 0 & work 1 &
wait
echo "kvmreq-guest: done"
poweroff -f
EOF
  chmod +x $ir/init
  (cd $ir && find . | cpio -o -H newc 2>/dev/null | gzip -9) > "$WORK/initramfs.cpio.gz"
  INITRD=$WORK/initramfs.cpio.gz
}

# run_guest NAME SMP DEBUG_THREADS(0/1) SECS HOTPLUG_AT [ON_AT OFF_AT]
# Starts QEMU, hot-plugs a 128 MiB DIMM at HOTPLUG_AT s, quits at SECS s.
# If ON_AT/OFF_AT are given, tracing_on is 1 only in that window (seconds
# after start); otherwise the caller controls tracing_on.
QEMU_ARGS_DESC=""
run_guest() {
  local name=$1 smp=$2 dt=$3 secs=$4 hp=$5 on_at=${6:-} off_at=${7:-}
  local d=$WORK/run-$name
  mkdir -p $d
  rm -f $d/mon.in $d/mon.out; mkfifo $d/mon.in $d/mon.out
  local args=(-enable-kvm -cpu kvm64 -smp "$smp" -m 256,slots=2,maxmem=1G -nographic -no-reboot
              -kernel "$KERNEL" -initrd "$INITRD"
              -append "console=ttyS0 quiet panic=-1 kvmreq_secs=3")
  [ "$dt" = 1 ] && args+=(-name guest,debug-threads=on)
  QEMU_ARGS_DESC="qemu-system-x86_64 ${args[*]//$WORK\//} -chardev pipe,id=mon0,path=mon -mon chardev=mon0 (hot-plug at ${hp}s: object_add memory-backend-ram,id=mem1,size=128M; device_add pc-dimm,id=dimm1,memdev=mem1; quit at ${secs}s)"
  qemu-system-x86_64 "${args[@]}" -chardev pipe,id=mon0,path=$d/mon -mon chardev=mon0,mode=readline \
    > $d/console.log 2>&1 < /dev/null &
  QEMU_PID=$!
  # open both FIFOs read-write so that neither side can block on open()
  cat 0<>$d/mon.out > $d/mon.log &
  local catpid=$!
  exec 3<>$d/mon.in
  local t0 now
  t0=$(date +%s.%N)
  local ev=()
  [ -n "$on_at" ] && ev+=("$on_at on")
  ev+=("$hp plug")
  [ -n "$off_at" ] && ev+=("$off_at off")
  ev+=("$secs quit")
  local item at what
  while IFS= read -r item; do
    at=${item% *}; what=${item#* }
    now=$(date +%s.%N)
    sleep "$(awk -v a="$at" -v t0="$t0" -v n="$now" 'BEGIN{s=t0+a-n; if(s<0)s=0; printf "%.3f", s}')"
    case $what in
      on) echo 1 > $T/tracing_on ;;
      off) echo 0 > $T/tracing_on ;;
      plug) echo "object_add memory-backend-ram,id=mem1,size=128M" >&3
            echo "device_add pc-dimm,id=dimm1,memdev=mem1" >&3 ;;
      quit) echo "quit" >&3 ;;
    esac
  done < <(printf '%s\n' "${ev[@]}" | sort -n -k1,1)
  local i
  for i in $(seq 50); do kill -0 $QEMU_PID 2>/dev/null || break; sleep 0.2; done
  kill -0 $QEMU_PID 2>/dev/null && kill $QEMU_PID
  wait $QEMU_PID 2>/dev/null || true
  QEMU_PID=""
  exec 3>&-
  kill $catpid 2>/dev/null || true
  wait $catpid 2>/dev/null || true
}

# ---------------------------------------------------------------- tracefs setup
QEMU_COMM='comm ~ "qemu*" || comm ~ "CPU *"'
SWITCH_FILTER='prev_comm ~ "qemu*" || prev_comm ~ "CPU *" || next_comm ~ "qemu*" || next_comm ~ "CPU *"'
STACK_TRIGGER="stacktrace if $QEMU_COMM"
SMALL_DROP="kvm_emulate_insn kvm_mmio kvm_fpu kvm_pio kvm_pic_set_irq"

# setup_events PROFILE STACK(0/1)
#   PROFILE small: kvm:* without the per-instruction/per-access floods
#                  ($SMALL_DROP), ipi:*, csd:*, sched
#                  (kvm_pic_set_irq duplicates kvm_ioapic_set_irq and
#                  kvm_pio duplicates kvm_userspace_exit KVM_EXIT_IO)
#   PROFILE all:   every kvm:* event, ipi:*, csd:*, sched
setup_events() {
  local profile=$1 stack=$2 e
  echo 0 > $T/tracing_on
  for e in $T/events/sched/sched_waking; do remove_triggers $e; done
  echo > $T/set_event
  for e in $T/events/sched/sched_waking $T/events/sched/sched_wakeup $T/events/sched/sched_switch; do echo 0 > $e/filter; done
  echo 'kvm:*' >> $T/set_event
  if [ "$profile" = small ]; then
    for e in $SMALL_DROP; do echo "!kvm:$e" >> $T/set_event; done
  fi
  echo 'ipi:*' >> $T/set_event
  echo 'csd:*' >> $T/set_event
  echo "$QEMU_COMM" > $T/events/sched/sched_waking/filter
  echo "$QEMU_COMM" > $T/events/sched/sched_wakeup/filter
  echo "$SWITCH_FILTER" > $T/events/sched/sched_switch/filter
  echo sched:sched_waking >> $T/set_event
  echo sched:sched_wakeup >> $T/set_event
  echo sched:sched_switch >> $T/set_event
  [ "$stack" = 1 ] && echo "$STACK_TRIGGER" > $T/events/sched/sched_waking/trigger
  echo > $T/trace
}

set_opts() { # defaults, then overrides "name=value"...
  echo global > $T/trace_clock
  echo 1 > $T/options/irq-info
  echo 0 > $T/options/record-tgid
  echo 1 > $T/options/overwrite
  local kv
  for kv in "$@"; do
    case $kv in
      clock=*) echo "${kv#clock=}" > $T/trace_clock ;;
      buf=*) echo "${kv#buf=}" > $T/buffer_size_kb ;;
      *) echo "${kv#*=}" > "$T/options/${kv%%=*}" ;;
    esac
  done
}

DEFAULT_BUF=""
reset_buf() { [ -n "$DEFAULT_BUF" ] && echo "$DEFAULT_BUF" > $T/buffer_size_kb; }

# ---------------------------------------------------------------- helpers
# excerpt IN OUT PATTERN BEFORE AFTER HEADER(0/1)
# A contiguous run of real lines of IN around the first line matching
# PATTERN, widened so that it neither starts nor ends inside a stack trace,
# optionally with IN's leading '#' header lines on top.
excerpt() {
  local in=$1 out=$2 pat=$3 before=$4 after=$5 hdr=$6
  local n total s e
  n=$(grep -nE -m1 -- "$pat" "$in" | cut -d: -f1 || true)
  [ -n "$n" ] || { log "excerpt: no '$pat' in $(basename "$in")"; return 1; }
  total=$(wc -l < "$in")
  local hend=0
  if [ "$hdr" = 1 ]; then hend=$(awk '!/^#/{print NR-1; exit}' "$in"); fi
  s=$((n - before)); [ $s -le $hend ] && s=$((hend + 1))
  e=$((n + after)); [ $e -gt $total ] && e=$total
  # do not start on a " => " frame or on a <stack trace> line's frames
  while [ $s -gt $((hend + 1)) ] && sed -n "${s}p" "$in" | grep -qE '^ => '; do s=$((s - 1)); done
  while [ $e -lt $total ] && sed -n "$((e + 1))p" "$in" | grep -qE '^ => |^ *=> '; do e=$((e + 1)); done
  { [ "$hdr" = 1 ] && [ $hend -gt 0 ] && head -n $hend "$in"; sed -n "${s},${e}p" "$in"; } > "$out"
  log "excerpt $(basename "$out"): lines $s-$e of $(basename "$in") ($(wc -l < "$out") lines)"
}

# Keep a trace-cmd file small: store only the kallsyms lines the recorded
# data refers to (each used symbol plus the next one, so sizes and offsets
# resolve as with the full table), and only the event formats of the
# subsystems we trace.  The trace data itself is untouched.
# extract_dat TEXT_TRACE OUT.dat [full]
extract_dat() {
  local txt=$1 dat=$2 mode=${3:-small}
  if [ "$mode" = full ]; then trace-cmd extract -o "$dat" > "$WORK/extract.log" 2>&1; return; fi
  local syms=$WORK/syms.txt ks=$WORK/kallsyms.small
  {
    sed -nE 's/^ => ([^ ]+).*/\1/p' "$txt"
    grep -oE '(callsite|callback|func)=[A-Za-z0-9_.]+' "$txt" | cut -d= -f2
  } | sort -u > $syms
  # (sort reading /proc/kallsyms directly is very slow; cat it first)
  cat /proc/kallsyms | sort -k1,1 | awk -v S=$syms '
    BEGIN { while ((getline l < S) > 0) want[l] = 1 }
    { if (want[$3] || prev) print; prev = want[$3] }' > $ks
  mkdir -p $WORK/empty
  cat > $WORK/ns-extract.sh <<EOF
set -e
# only one tracefs view in this namespace (libtracefs picks the first one)
for m in \$(awk '\$3 == "tracefs" && \$2 != "$T" {print \$2}' /proc/mounts); do umount -l \$m; done
mount --bind $ks /proc/kallsyms
for d in $T/events/*/; do
  case \$(basename \$d) in kvm|ipi|csd|sched|ftrace) ;; *) mount --bind $WORK/empty \$d ;; esac
done
trace-cmd extract -o "$dat"
EOF
  unshare -m bash $WORK/ns-extract.sh > "$WORK/extract.log" 2>&1
}

hsize() { stat -c %s "$1"; }

# Read trace_pipe while the guest runs.  A blocking reader (plain
# `cat trace_pipe`) is woken through irq_work for every event, and those
# wake-ups are themselves ipi:*/csd:* events: a feedback loop that floods the
# buffer.  So poll with non-blocking reads every 50 ms instead (same lines).
PIPE_PID=""
pipe_reader_start() { # OUT
  rm -f "$WORK/pipe.stop"
  (
    set +e
    while [ ! -e "$WORK/pipe.stop" ]; do
      dd if=$T/trace_pipe iflag=nonblock bs=65536 status=none >> "$1" 2>/dev/null
      sleep 0.05
    done
    dd if=$T/trace_pipe iflag=nonblock bs=65536 status=none >> "$1" 2>/dev/null
    exit 0
  ) &
  PIPE_PID=$!
}
pipe_reader_stop() {
  touch "$WORK/pipe.stop"
  wait "$PIPE_PID" || true
  PIPE_PID=""
}

PROV=()
prov() { PROV+=("$1"); }

# ---------------------------------------------------------------- main
tfs_save
get_guest_kernel
build_initramfs
QEMU_VER=$(qemu-system-x86_64 --version 2>&1 | sed -n 1p || true)
TC_VER=$(trace-cmd --version 2>&1 | sed -n 's/^\(trace-cmd version [^ ]*\).*/\1/p' || true)
HOST_K=$(uname -r)
NOW=$(date -u +%Y-%m-%dT%H:%MZ)
# expand the buffer (if never expanded) and remember its default size
echo 'sched:sched_switch' > $T/set_event; echo > $T/set_event
DEFAULT_BUF=$(cat $T/buffer_size_kb)
log "guest kernel: $GUEST_DESC; $QEMU_VER; host $HOST_K; default buffer_size_kb $DEFAULT_BUF"

# ---- fixtures/dat: trace-cmd files (extracted from tracefs, then converted)
if want dat; then
  D=$OUT/fixtures/dat; mkdir -p "$D"
  for variant in plain stacktrace; do
    st=0; [ $variant = stacktrace ] && st=1
    # Tracing only during the first second: SeaBIOS's PAM/PCI set-up changes
    # memslots (a burst of request-less kicks) within the first few tenths of a second.  A
    # kick of a vCPU thread that is halt-polling wakes nobody (no
    # sched_waking), so retry the stacktrace run until it caught a few.
    for attempt in 1 2 3 4; do
      set_opts
      setup_events small $st
      echo 1 > $T/tracing_on
      run_guest dat-$variant 2 1 2.5 1.5 "" 1.0
      echo 0 > $T/tracing_on
      cp $T/trace "$WORK/dat-$variant.trace"
      [ $st = 1 ] || break
      n=$(grep -c kvm_arch_memslots_updated "$WORK/dat-$variant.trace" || true)
      log "dat-$variant attempt $attempt: $n memslot kicks with stacks"
      [ "$n" -lt 5 ] || break
    done
    extract_dat "$WORK/dat-$variant.trace" "$WORK/dat-$variant.dat"
    if [ $variant = plain ]; then
      trace-cmd convert --file-version 6 --compression none -i "$WORK/dat-plain.dat" -o "$D/v6.dat" 2>>"$WORK/convert.log"
      trace-cmd convert --file-version 7 --compression none -i "$WORK/dat-plain.dat" -o "$D/v7.dat" 2>>"$WORK/convert.log"
      trace-cmd convert --file-version 7 --compression zstd -i "$WORK/dat-plain.dat" -o "$D/v7-zstd.dat" 2>>"$WORK/convert.log"
      cp "$WORK/dat-plain.trace" "$D/plain.tracefs.txt"
    else
      trace-cmd convert --file-version 6 --compression none -i "$WORK/dat-stacktrace.dat" -o "$D/stacktrace-v6.dat" 2>>"$WORK/convert.log"
      trace-cmd convert --file-version 7 --compression zstd -i "$WORK/dat-stacktrace.dat" -o "$D/stacktrace-v7-zstd.dat" 2>>"$WORK/convert.log"
      cp "$WORK/dat-stacktrace.trace" "$D/stacktrace.tracefs.txt"
    fi
  done
  for f in "$D"/*.dat; do
    trace-cmd report -i "$f" > "${f%.dat}.report.txt" 2> "$WORK/report-$(basename "$f").err"
  done
  DAT_ARGS=$QEMU_ARGS_DESC
  nev() { trace-cmd report -i "$1" 2>/dev/null | grep -vcE '^cpus=|^=>' || true; }
  {
    echo "# fixtures/dat — real trace-cmd files (goldens for a trace.dat reader)"
    echo
    echo "Recorded by scripts/record-samples.sh on $NOW, host kernel $HOST_K, $TC_VER,"
    echo "$QEMU_VER, guest kernel $GUEST_DESC."
    echo "\`trace-cmd record\` cannot enable tracing on this host, so events were enabled through"
    echo "tracefs (trace_clock=global; kvm:* except $SMALL_DROP; ipi:*; csd:*;"
    echo "sched:sched_waking/sched_wakeup/sched_switch filtered to QEMU's threads), tracing was on"
    echo "for the first second of a 2-vCPU boot (SeaBIOS's PAM/PCI set-up = a burst of memslot"
    echo "changes), then \`trace-cmd extract\` wrote a v7/zstd file that \`trace-cmd convert\` turned"
    echo "into the versions below.  QEMU: $DAT_ARGS"
    echo
    echo "To keep the files small, trace-cmd extract ran in a private mount namespace where"
    echo "/proc/kallsyms held only the symbols the recorded data refers to (each one plus the"
    echo "next symbol, so name+offset/size resolve as with the full table) and where only the"
    echo "event formats of the kvm, ipi, csd, sched and ftrace systems were visible.  The"
    echo "ring-buffer data is untouched."
    echo
    echo "| file | size | what |"
    echo "| --- | --- | --- |"
    echo "| v6.dat | $(hsize $D/v6.dat) | \`trace-cmd convert --file-version 6 --compression none\`; $(nev $D/v6.dat) events |"
    echo "| v7.dat | $(hsize $D/v7.dat) | same data, \`--file-version 7 --compression none\` |"
    echo "| v7-zstd.dat | $(hsize $D/v7-zstd.dat) | same data, \`--file-version 7 --compression zstd\` |"
    echo "| stacktrace-v6.dat | $(hsize $D/stacktrace-v6.dat) | another run with trigger '$STACK_TRIGGER' on sched_waking, v6 uncompressed: $(nev $D/stacktrace-v6.dat) events, $(grep -c 'kernel_stack:' $D/stacktrace-v6.report.txt || true) kernel_stack events, $(grep -c '=> kvm_arch_memslots_updated' $D/stacktrace-v6.report.txt || true) of them request-less kicks from kvm_arch_memslots_updated |"
    echo "| stacktrace-v7-zstd.dat | $(hsize $D/stacktrace-v7-zstd.dat) | the same stacktrace data, v7 + zstd |"
    echo "| *.report.txt | | \`trace-cmd report -i <file>\` stdout for each .dat (the golden text) |"
    echo "| plain.tracefs.txt, stacktrace.tracefs.txt | | the kernel's own text (\`cat /sys/kernel/tracing/trace\`) of the same ring buffer, read just before the extract |"
  } > "$D/README.md"
fi

# ---- traces/: full small traces of a 2-vCPU boot (the README demo)
if want traces || want ingest; then
  mkdir -p "$OUT/traces"
  for dt in 1 0; do
    name=boot-2vcpu; [ $dt = 1 ] && name=boot-2vcpu-debug-threads
    set_opts
    setup_events small 1
    echo 1 > $T/tracing_on
    run_guest $name 2 $dt 5 4
    echo 0 > $T/tracing_on
    cp $T/trace "$WORK/$name.trace"
    want traces && cp "$WORK/$name.trace" "$OUT/traces/$name.trace"
    [ $dt = 1 ] && TRACE_ARGS_DT=$QEMU_ARGS_DESC || TRACE_ARGS=$QEMU_ARGS_DESC
  done
fi

if want traces; then
  cnt() { grep -cE -- "$1" "$2" || true; }
  {
    echo "# traces — real kernel traces of a 2-vCPU KVM boot"
    echo
    echo "Recorded by scripts/record-samples.sh on $NOW: host kernel $HOST_K, $QEMU_VER,"
    echo "guest kernel $GUEST_DESC with a busybox initramfs.  Each file is the complete"
    echo "\`/sys/kernel/tracing/trace\` text (header included) of one run: trace_clock=global,"
    echo "events kvm:* except $SMALL_DROP, ipi:*, csd:*, sched:sched_waking/sched_wakeup/"
    echo "sched_switch filtered to QEMU's threads, and the trigger"
    echo "\`$STACK_TRIGGER\` on sched:sched_waking."
    echo "A 128 MiB DIMM is hot-plugged 4 s after start (one more memslot change); QEMU quits at 5 s."
    echo
    echo "| file | lines | sched_waking stacks | of them \`__kvm_vcpu_kick\` <- \`kvm_arch_memslots_updated\` |"
    echo "| --- | --- | --- | --- |"
    for f in boot-2vcpu-debug-threads boot-2vcpu; do
      echo "| $f.trace | $(wc -l < "$OUT/traces/$f.trace") | $(cnt '<stack trace>' "$OUT/traces/$f.trace") | $(cnt '^ => kvm_arch_memslots_updated' "$OUT/traces/$f.trace") |"
    done
    echo
    echo "boot-2vcpu-debug-threads.trace: $TRACE_ARGS_DT"
    echo
    echo "boot-2vcpu.trace: $TRACE_ARGS"
    echo
    echo "What the runs show: each request-less kick is a sched_waking of the halted vCPU 1 thread"
    echo "(waiting for its SIPI) from the thread doing KVM_SET_USER_MEMORY_REGION, with the stack"
    echo "rcuwait_wake_up <- __kvm_vcpu_kick <- kvm_arch_memslots_updated <- kvm_swap_active_memslots."
    echo "Most come in one burst in the first few tenths of a second, when SeaBIOS programs the PAM registers"
    echo "(PCI config writes to 0xcf8/0xcfc) and QEMU remaps the BIOS shadow area."
    echo
    echo "Limits of this host: /dev/kvm is served by kvm_pvm (PVM, a VMX-less KVM backend), on"
    echo "which an unmodified guest kernel runs under instruction emulation.  Within 5 s the guest"
    echo "gets through SeaBIOS and into the kernel's decompressor; the initramfs workload is never"
    echo "reached.  kvm_entry/kvm_exit are never emitted by this backend; guest exits appear as"
    echo "kvm_userspace_exit, kvm_pio/kvm_mmio (dropped here), kvm_msr, kvm_cpuid."
  } > "$OUT/traces/README.md"
fi

# ---- fixtures/ingest/: one excerpt per line-layout variant
if want ingest; then
  I=$OUT/fixtures/ingest; mkdir -p "$I"
  KICK='kvm_arch_memslots_updated'
  excerpt "$WORK/boot-2vcpu.trace" "$I/irq-info.trace" "$KICK" 40 110 1
  prov "irq-info.trace: excerpt of traces/boot-2vcpu.trace (default options, trace_clock=global, small kvm profile + ipi/csd/sched + stacktrace trigger); $TRACE_ARGS"
  excerpt "$WORK/boot-2vcpu-debug-threads.trace" "$I/debug-threads.trace" "$KICK" 40 110 1
  prov "debug-threads.trace: excerpt of traces/boot-2vcpu-debug-threads.trace (comms 'CPU N/KVM'); $TRACE_ARGS_DT"
  excerpt "$WORK/boot-2vcpu-debug-threads.trace" "$I/stacktrace.trace" "$KICK" 40 120 0
  prov "stacktrace.trace: excerpt (no header) of traces/boot-2vcpu-debug-threads.trace around a request-less kick: sched_waking + <stack trace> with __kvm_vcpu_kick <- kvm_arch_memslots_updated; trigger '$STACK_TRIGGER'"

  set_opts irq-info=0; setup_events small 1; echo 1 > $T/tracing_on
  run_guest noirq 2 1 5 4; echo 0 > $T/tracing_on; cp $T/trace "$WORK/noirq.trace"
  excerpt "$WORK/noirq.trace" "$I/noirq-info.trace" "$KICK" 40 110 1
  prov "noirq-info.trace: options/irq-info=0 (no flag column), otherwise as debug-threads; $QEMU_ARGS_DESC"

  # '(-------)' (tgid unknown) shows up for <idle> and for tasks gone before
  # they were recorded; neither is certain on a busy host, so retry a little.
  for attempt in 1 2 3; do
    set_opts record-tgid=1; setup_events small 1; echo 1 > $T/tracing_on
    run_guest tgid 2 1 5 4; sleep 0.5; echo 0 > $T/tracing_on; cp $T/trace "$WORK/tgid.trace"
    grep -q '(-------)' "$WORK/tgid.trace" && break
    log "record-tgid attempt $attempt: no '(-------)' line"
  done
  if grep -q '(-------)' "$WORK/tgid.trace"; then
    excerpt "$WORK/tgid.trace" "$I/record-tgid.trace" '\(-------\)' 60 90 1
    prov "record-tgid.trace: options/record-tgid=1 (tgid column, '(-------)' for an unknown tgid, around the first such line); $QEMU_ARGS_DESC"
  else
    excerpt "$WORK/tgid.trace" "$I/record-tgid.trace" "$KICK" 40 110 1
    prov "record-tgid.trace: options/record-tgid=1 (tgid column; no '(-------)' line was recorded in 3 tries); $QEMU_ARGS_DESC"
  fi

  set_opts clock=counter; setup_events small 1; echo 1 > $T/tracing_on
  run_guest counter 2 1 5 4; echo 0 > $T/tracing_on; cp $T/trace "$WORK/counter.trace"
  excerpt "$WORK/counter.trace" "$I/counter-clock.trace" "$KICK" 40 110 1
  prov "counter-clock.trace: trace_clock=counter (timestamps are a plain counter); $QEMU_ARGS_DESC"

  # trace_pipe capture (consuming read, no header)
  set_opts; setup_events small 1
  pipe_reader_start "$WORK/pipe.trace"
  echo 1 > $T/tracing_on
  run_guest pipe 2 1 5 4
  echo 0 > $T/tracing_on; pipe_reader_stop
  excerpt "$WORK/pipe.trace" "$I/trace-pipe.trace" "$KICK" 40 110 0
  prov "trace-pipe.trace: excerpt of trace_pipe read during the run (non-blocking reads every 50 ms: 'dd if=trace_pipe iflag=nonblock'; no header); $QEMU_ARGS_DESC"

  # overrun while reading trace_pipe -> CPU:N [LOST M EVENTS]
  set_opts buf=8; setup_events all 0
  pipe_reader_start "$WORK/lost.trace"
  echo 1 > $T/tracing_on
  run_guest lost 2 1 5 4
  echo 0 > $T/tracing_on; pipe_reader_stop
  excerpt "$WORK/lost.trace" "$I/lost-events.trace" 'LOST [0-9]+ EVENTS' 40 60 0 || true
  prov "lost-events.trace: excerpt of trace_pipe read every 50 ms with buffer_size_kb=8 and every kvm:* event (kvm_emulate_insn flood), so the reader falls behind: 'CPU:N [LOST M EVENTS]'; $QEMU_ARGS_DESC"

  # overwrite mode, read 'trace' after the run -> ##### CPU N buffer started ####
  set_opts buf=8; setup_events all 0
  echo 1 > $T/tracing_on
  run_guest started 2 1 5 4
  echo 0 > $T/tracing_on; cp $T/trace "$WORK/started.trace"
  excerpt "$WORK/started.trace" "$I/buffer-started.trace" 'buffer started' 200 60 1 || true
  prov "buffer-started.trace: 'trace' read after the run with buffer_size_kb=8, options/overwrite=1 and every kvm:* event: '##### CPU N buffer started ####' lines; $QEMU_ARGS_DESC"
  reset_buf

  # trace-cmd report text (of the stacktrace trace.dat)
  if [ -f "$OUT/fixtures/dat/stacktrace-v6.dat" ]; then
    trace-cmd report -i "$OUT/fixtures/dat/stacktrace-v6.dat" > "$WORK/report.txt" 2>/dev/null
    trace-cmd report -l -i "$OUT/fixtures/dat/stacktrace-v6.dat" > "$WORK/report-latency.txt" 2>/dev/null
    excerpt "$WORK/report.txt" "$I/report.txt" "$KICK" 30 110 0
    { head -1 "$WORK/report.txt" | grep '^cpus=' && tail -n +1 "$I/report.txt" | grep -v '^cpus='; } > "$WORK/r" || true
    mv "$WORK/r" "$I/report.txt"
    excerpt "$WORK/report-latency.txt" "$I/report-latency.txt" "$KICK" 30 110 0
    { head -1 "$WORK/report-latency.txt" | grep '^cpus=' && grep -v '^cpus=' "$I/report-latency.txt"; } > "$WORK/r" || true
    mv "$WORK/r" "$I/report-latency.txt"
    prov "report.txt: 'trace-cmd report -i fixtures/dat/stacktrace-v6.dat' ($TC_VER), 'cpus=2' line kept on top, then an excerpt around a kernel_stack of a memslot kick"
    prov "report-latency.txt: same with 'trace-cmd report -l' (latency flag column)"
  fi

  {
    echo "# fixtures/ingest — provenance"
    echo
    echo "Real traces recorded by scripts/record-samples.sh on $NOW: host kernel $HOST_K (KVM, PVM backend),"
    echo "$QEMU_VER, $TC_VER, guest kernel $GUEST_DESC (SeaBIOS boot; the guest"
    echo "kernel's decompressor is still running when the run ends, see traces/README.md)."
    echo "Every file is a contiguous run of real lines (a '#' header kept on top where noted)."
    echo
    for p in "${PROV[@]}"; do echo "- $p"; done
  } > "$I/README.md"
fi

# ---- big recording for benchmarks (outside the repo)
if [ -n "$BIG" ]; then
  mkdir -p "$BIG"
  set_opts buf=400000; setup_events all 1
  echo 1 > $T/tracing_on
  run_guest big 2 1 6 4
  echo 0 > $T/tracing_on
  cat $T/per_cpu/cpu*/stats > "$BIG/boot.stats"
  cp $T/trace "$BIG/boot.trace"
  extract_dat "$BIG/boot.trace" "$BIG/boot.dat" full
  reset_buf
  echo "$QEMU_ARGS_DESC" > "$BIG/boot.args"
  log "big: $(du -h "$BIG/boot.dat" | cut -f1) boot.dat, $(du -h "$BIG/boot.trace" | cut -f1) boot.trace"
fi

for d in "$OUT/traces" "$OUT/fixtures"; do [ -d "$d" ] && find "$d" -type f -exec chmod 644 {} +; done
log "done: $OUT"
