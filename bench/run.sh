#!/usr/bin/env bash
# bench/run.sh - ftpsh's own benchmark: `mirror` against a real pure-ftpd on 127.0.0.1, compared
# with lftp 4.9 `mirror -R --parallel=4`. See bench/README.md.
#
# usage: bench/run.sh [all|setup|start|stop|compare|idle|latency|huge|report]
#   all      setup start compare idle latency [huge if HUGE=1] report stop   (default)
#   setup    apt-get install lftp hyperfine; unpack pure-ftpd's .deb; user + puredb; data trees
#   start    pure-ftpd on 127.0.0.1:$PORT (passive $PASV, -L 1000000:50); stop: kill its pid
#   compare  hyperfine: ftpsh `mirror --once` vs lftp_p4 on small/many/big (+ curl -T floor)
#   idle     running mirror on `many`: CPU % of a core and FTP commands sent while idle
#   latency  running mirror on `small`: local edit -> server copy matches (median, p95)
#   huge     HUGE_FILES tiny files: mirror --once wall+RSS, then idle cost per tick + VmHWM
#   report   rebuild $B/results.md from the sections measured so far
# Knobs (env): B=/tmp/ftpsh-bench  FTPSH=<repo>/target/release/ftpsh  RUNS=5  MANY_RUNS=1
#   PORT=2151  PASV=32000:32999  IDLE_SECS=60  EDITS=20  HUGE=0  HUGE_FILES=200000  HUGE_SECS=20
#   RESET=aside (move old server trees aside, not delete: see reset_remote)
#   SCENARIOS="small-initial small-noop small-change1 many-initial many-noop big-initial"
# The binary is copied to $B/bin/ftpsh before measuring (a rebuild meanwhile changes nothing).
# Only loopback traffic; the only processes stopped are the ones this script started (by pid).
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(dirname "$HERE")
export B=${B:-/tmp/ftpsh-bench}
export RUNS=${RUNS:-5} MANY_RUNS=${MANY_RUNS:-1} PORT=${PORT:-2151} PASV=${PASV:-32000:32999}
export IDLE_SECS=${IDLE_SECS:-60} EDITS=${EDITS:-20} HUGE=${HUGE:-0} HUGE_FILES=${HUGE_FILES:-200000}
export HUGE_SECS=${HUGE_SECS:-20} RESET=${RESET:-aside}
export SCENARIOS=${SCENARIOS:-"small-initial small-noop small-change1 many-initial many-noop big-initial"}
export FTPSH=${FTPSH:-$REPO/target/release/ftpsh}
DATA=$B/data SRV=$B/srv WORK=$B/work LOG=$B/log RUN=$B/run ETC=$B/etc RES=$B/results
BIN=$B/bin/ftpsh
export FTPSH_STATE_DIR=$B/state          # ftpsh's persisted upload records: ours, not ~/.local
FTP_HOST=127.0.0.1 FTP_USER=ftpshbench FTP_PASS=benchpass
URL=ftp://$FTP_USER:$FTP_PASS@$FTP_HOST:$PORT
DST=/dst                                 # remote path; on the server's disk: $SRV$DST
PUREFTPD=$B/pure-ftpd-root/usr/sbin/pure-ftpd PUREPW=$B/pure-ftpd-root/usr/bin/pure-pw
export LC_ALL=C

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
q() { local a out=""; for a in "$@"; do out+="'${a//\'/\'\\\'\'}' "; done; printf '%s' "${out% }"; }

# ------------------------------------------------------------------ tools (argv in CMD)
tool_ftpsh()   { CMD=("$BIN" -c "mirror --once $1 $DST" "$URL"); }
tool_lftp_p4() { CMD=(lftp -c "set ftp:ssl-allow no; open -u $FTP_USER,$FTP_PASS -p $PORT $FTP_HOST; mirror -R --delete --parallel=4 $1 $DST"); }
tool_curl()    { CMD=(curl -sS -T "$1/big.bin" "$URL$DST/big.bin"); }

# ------------------------------------------------------------------ setup
do_setup() {
  local p need=()
  for p in lftp hyperfine openssl python3; do command -v $p >/dev/null || need+=($p); done
  [ -x /usr/bin/time ] || need+=(time)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  mkdir -p "$DATA" "$SRV" "$WORK" "$LOG" "$RUN" "$ETC" "$RES" "$B/pkgs" "$B/bin"
  # pure-ftpd from its unpacked .deb: no service, no conflict with another ftp-server package
  if [ ! -x "$PUREFTPD" ]; then
    ls "$B"/pkgs/pure-ftpd_*.deb >/dev/null 2>&1 || (cd "$B/pkgs" && apt-get download pure-ftpd >/dev/null 2>&1) \
      || { apt-get update -qq; (cd "$B/pkgs" && apt-get download pure-ftpd); }
    dpkg -x "$B"/pkgs/pure-ftpd_*.deb "$B/pure-ftpd-root"
  fi
  local libs=() d
  for d in $(dpkg-deb -f "$B"/pkgs/pure-ftpd_*.deb Depends | tr ',|' '\n\n' | awk '{print $1}' | grep '^lib'); do
    dpkg -s "$d" >/dev/null 2>&1 || libs+=("$d"); done
  if [ ${#libs[@]} -gt 0 ]; then
    log "apt-get install ${libs[*]} (pure-ftpd's libraries)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${libs[@]}" >/dev/null
  fi
  # the FTP user: a system account (pure-ftpd needs a uid for the files) and a puredb entry with
  # a cheap SHA-512-crypt hash (pure-pw's default argon2id costs seconds per login)
  id "$FTP_USER" >/dev/null 2>&1 || useradd -r -M -d "$SRV" -s /usr/sbin/nologin "$FTP_USER"
  chown "$FTP_USER:$FTP_USER" "$SRV"
  printf '%s:%s:%s:%s::%s/./::::::::::::\n' "$FTP_USER" "$(openssl passwd -6 -salt ftpshbenchsalt "$FTP_PASS")" \
    "$(id -u "$FTP_USER")" "$(id -g "$FTP_USER")" "$SRV" > "$ETC/pureftpd.passwd"
  chmod 600 "$ETC/pureftpd.passwd"
  "$PUREPW" mkdb "$ETC/pureftpd.pdb" -f "$ETC/pureftpd.passwd"
  local k; for k in small many big; do
    python3 "$HERE/gen.py" "$DATA" $k
    log "data $k: $(find "$DATA/$k" -type f | wc -l) files, $(find "$DATA/$k" -mindepth 1 -type d | wc -l) dirs, $(du -sb "$DATA/$k" | cut -f1) bytes"
  done
}

# ------------------------------------------------------------------ server
server_pid() { [ -s "$RUN/pure-ftpd.pid" ] && kill -0 "$(cat "$RUN/pure-ftpd.pid")" 2>/dev/null && cat "$RUN/pure-ftpd.pid"; }
wait_port() { local i; for i in $(seq 100); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.05; done
  die "port $1 not listening"; }
do_start() {
  mkdir -p "$RUN" "$LOG"
  server_pid >/dev/null && return 0
  ss -Hltn "sport = :$PORT" | grep -q . && die "port $PORT is taken by a process we did not start; set PORT="
  [ -x "$PUREFTPD" ] || die "pure-ftpd not unpacked: run '$0 setup' first"
  # -A chroot, -E no anonymous, -H no DNS, -u 100 no system uids, -c/-C clients, -L big listings
  "$PUREFTPD" -S "127.0.0.1,$PORT" -4 -H -E -A -u 100 -p "$PASV" -P 127.0.0.1 -c 200 -C 200 \
    -L 1000000:50 -l "puredb:$ETC/pureftpd.pdb" -g "$RUN/pure-ftpd.pid" -B
  wait_port "$PORT"
  log "pure-ftpd pid $(cat "$RUN/pure-ftpd.pid") on 127.0.0.1:$PORT"
}
do_stop() {
  local pid; pid=$(server_pid) || return 0
  rm -f "$RUN/pure-ftpd.pid"; kill "$pid" && log "stopped pure-ftpd pid $pid"
}

# ------------------------------------------------------------------ helpers
ensure_bin() {   # copy the binary once per invocation of this script
  [ -n "${BIN_COPIED:-}" ] && return 0
  [ -x "$FTPSH" ] || die "no ftpsh binary at $FTPSH (cd $REPO && cargo build --release, or set FTPSH=)"
  mkdir -p "$B/bin"; cp "$FTPSH" "$BIN.tmp"; mv -f "$BIN.tmp" "$BIN"
  { echo "source: $FTPSH (mtime $(date -u -r "$FTPSH" +%FT%TZ))"
    echo "sha256: $(sha256sum "$BIN" | cut -c1-16)"
    echo "repo at copy time: $(git -C "$REPO" log -1 --format='%h %s' 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')"
  } > "$B/bin/ftpsh.info"
  export BIN_COPIED=1
  log "measuring $BIN ($(sed -n 2p "$B/bin/ftpsh.info"))"
}
# RESET=aside (default) moves the previous tree out of the server's root instead of deleting
# it: ext4 will not reuse an inode deleted in the last minutes, and searching past thousands
# of them made the server's inode allocation the bottleneck of the next run for every tool
# (perf: ~40 % of pure-ftpd's CPU in recently_deleted/find_inode_bit). RESET=delete is
# anchors.sh's way. The big file is always deleted (one inode).
reset_remote() {
  if [ "$RESET" = aside ] && [ -d "$SRV$DST" ] && [ ! -e "$SRV$DST/big.bin" ]; then
    mkdir -p "$B/trash"; mv "$SRV$DST" "$B/trash/$(date +%s%N)"
  else rm -rf "${SRV:?}$DST"; fi
  mkdir -p "$SRV$DST"; chown "$FTP_USER:$FTP_USER" "$SRV$DST"
}
empty_trash() { rm -rf "${B:?}/trash"; }
same_tree() { diff -r -q "$1" "$SRV$DST" >/dev/null 2>&1; }
src_of() { case $1 in small-*) echo "$WORK/small" ;; many-*) echo "$DATA/many" ;; big-*) echo "$DATA/big" ;; esac; }

# _prep SCEN TOOL: hyperfine's --prepare (not timed)
do__prep() {
  local scen=$1 tool=$2 src; src=$(src_of "$scen")
  case $scen in
    *-initial) reset_remote; [ "$tool" != ftpsh ] || rm -rf "$FTPSH_STATE_DIR" ;;
    *-noop|*-change1)
      # the server folder must be the tool's own sync of src (each tool starts from its own state)
      if [ "$(cat "$RUN/synced-by" 2>/dev/null)" != "$tool $src" ] || ! same_tree "$src"; then
        reset_remote; rm -rf "$FTPSH_STATE_DIR"
        "tool_$tool" "$src"; "${CMD[@]}" >>"$LOG/prep.log" 2>&1 || die "prepare: $tool sync of $src failed"
        same_tree "$src" || die "prepare: $tool sync of $src left a different tree"
        echo "$tool $src" > "$RUN/synced-by"
      fi
      if [[ $scen == *-change1 ]]; then   # touch + append one file (its name has a space)
        local f="$src/$(cd "$src" && find . -type f -name 'f01007 copy.bin' | head -1)"
        printf 'changed at %s\n' "$(date +%s%N)" >> "$f"; touch "$f"
      fi ;;
  esac
  sync
}

# ------------------------------------------------------------------ compare
bench_one() {   # bench_one SCEN TOOL RUNS
  local scen=$1 tool=$2 runs=$3 src rc=0 ok cmdline
  src=$(src_of "$scen")
  "tool_$tool" "$src"
  rm -f "$RES/time-$scen-$tool.txt" "$RES/hf-$scen-$tool.json" "$RUN/synced-by"
  cmdline="$(q /usr/bin/time -a -o "$RES/time-$scen-$tool.txt" -f '%e %U %S %M' "${CMD[@]}")"
  echo "$scen $tool: $(q "${CMD[@]}")" >> "$RES/commands.txt"
  log "$scen / $tool: $runs runs"
  hyperfine -N -i --style basic --runs "$runs" --output inherit -n "$tool" \
    --prepare "$(q bash "$HERE/run.sh" _prep "$scen" "$tool")" \
    --export-json "$RES/hf-$scen-$tool.json" "$cmdline" >"$LOG/hf-$scen-$tool.log" 2>&1 || rc=$?
  # verify once, after the last timed run
  if [ "$tool" = curl ]; then cmp "$src/big.bin" "$SRV$DST/big.bin" >"$LOG/diff-$scen-$tool.txt" 2>&1 && ok=yes || ok=NO
  else diff -r "$src" "$SRV$DST" >"$LOG/diff-$scen-$tool.txt" 2>&1 && ok=yes || ok=NO; fi
  printf '%s\t%s\t%s\n' "$scen" "$tool" "$ok" >> "$RES/verify.tsv"
  local summary; summary=$(python3 "$HERE/table.py" --summary "$RES/hf-$scen-$tool.json" 2>/dev/null) \
    || summary="hyperfine failed (rc=$rc)"
  log "  $summary; correct: $ok"
  if [ "$ok" != yes ] || [[ $summary == *FAILED* ]] || [ $rc != 0 ]; then
    log "  see $LOG/hf-$scen-$tool.log and $LOG/diff-$scen-$tool.txt:"; tail -n 5 "$LOG/hf-$scen-$tool.log" >&2
    head -n 5 "$LOG/diff-$scen-$tool.txt" >&2
  fi
}
do_compare() {
  ensure_bin; do_start
  mkdir -p "$RES"; : > "$RES/verify.tsv"; : > "$RES/commands.txt"
  rm -f "$RES"/hf-*.json "$RES"/time-*.txt   # the table shows this run's scenarios only
  rm -rf "$WORK/small"; cp -a "$DATA/small" "$WORK/small"
  local scen tool runs
  for scen in $SCENARIOS; do
    runs=$RUNS; [ "$scen" != many-initial ] || runs=$MANY_RUNS
    for tool in ftpsh lftp_p4; do bench_one "$scen" "$tool" "$runs"; done
    if [ "$scen" = big-initial ] && command -v curl >/dev/null; then bench_one big-initial curl "$RUNS"; fi
  done
  reset_remote; rm -f "$RUN/synced-by"; empty_trash
  { echo "## mirror --once: ftpsh vs lftp 4.9 (mirror -R --delete --parallel=4)"; echo
    python3 "$HERE/table.py" "$RES"; echo
    echo "Server folder between runs: RESET=$RESET (aside: moved out of the way; delete: rm -rf, as anchors.sh)."; echo
    echo 'Commands (SRC = local tree, /dst = remote folder):'; echo; echo '```'
    sed -E "s/$FTP_PASS/PASS/g" "$RES/commands.txt" | awk '!seen[$2]++' | sed -E 's/^[^ ]+ //'; echo '```'
  } > "$RES/section-10-compare.md"
  do_report
  cat "$RES/section-10-compare.md"
}

# ------------------------------------------------------------------ running mirrors
CHILD=
start_mirror() {   # start_mirror SRC JOURNAL OUT [extra ftpsh flags...]
  local src=$1 j=$2 out=$3; shift 3
  rm -f "$j"
  "$BIN" "$@" --log "$j" -c "mirror --interval 1 $src $DST" "$URL" </dev/null >"$out" 2>&1 &
  CHILD=$!
}
wait_first_pass() {   # wait_first_pass SRC JOURNAL OUT TIMEOUT: a PASS line, then equal trees
  local src=$1 j=$2 out=$3 limit=$4 t0=$SECONDS seen=0 n
  while :; do
    kill -0 "$CHILD" 2>/dev/null || { log "ftpsh (pid $CHILD) ended before its first pass:"; tail -n 5 "$out" >&2; return 1; }
    n=$(grep -cE 'job=[0-9]+ PASS ' "$j" 2>/dev/null || true)
    if [ "${n:-0}" -gt "$seen" ]; then seen=$n; same_tree "$src" && return 0; fi
    [ $((SECONDS - t0)) -lt "$limit" ] || { log "no settled first pass after $limit s"; return 1; }
    sleep 0.5
  done
}
stop_mirror() {   # SIGTERM the child we started -> STOP_RC, STOP_SECS (time until it exited)
  local t0=$EPOCHREALTIME
  STOP_RC=0; kill -TERM "$CHILD"; wait "$CHILD" || STOP_RC=$?
  STOP_SECS=$(awk "BEGIN{printf \"%.3f\", $EPOCHREALTIME - $t0}")
  CHILD=
}
cleanup_child() { if [ -n "$CHILD" ]; then kill -TERM "$CHILD" 2>/dev/null || true; CHILD=; fi; }
count_cmds() { grep -c -- '--> ' "$1" || true; }
jget() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print("-" if v is None else v)' "$1" "$2"; }

do_idle() {
  ensure_bin; do_start
  local src=$WORK/many j=$LOG/idle.journal out=$LOG/idle.out t0 w n0 n1 rc
  rm -rf "$src"; cp -a "$DATA/many" "$src"; reset_remote; rm -rf "$FTPSH_STATE_DIR"
  log "idle: running mirror of many (20000 files) with --debug, first pass from an empty folder"
  t0=$EPOCHREALTIME
  start_mirror "$src" "$j" "$out" --debug
  wait_first_pass "$src" "$j" "$out" 1800 || die "idle: no first pass (journal $j)"
  local first; first=$(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t0}")
  log "idle: first pass settled after ${first} s; watching ${IDLE_SECS} s"
  sleep 2
  n0=$(count_cmds "$j"); w=$(python3 "$HERE/procwatch.py" "$CHILD" "$IDLE_SECS"); n1=$(count_cmds "$j")
  stop_mirror; rc=$STOP_RC
  log "idle: $w; FTP commands in window: $((n1 - n0)); SIGTERM -> exit $rc after $STOP_SECS s"
  { echo "## Idle cost of a running mirror (\`many\`: 20000 files, 220 dirs, --interval 1)"; echo
    echo "| first pass (empty server) s | window s | CPU s | CPU % of one core | passes seen | CPU per pass ms | FTP commands in window | VmHWM MiB | SIGTERM exit (s to exit) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    echo "| $first | $(jget "$w" window_s) | $(jget "$w" cpu_s) | $(jget "$w" cpu_pct) | $(jget "$w" ticks) | $(python3 -c "import json,sys; v=json.loads(sys.argv[1])['cpu_per_tick_s']; print('-' if v is None else f'{v*1000:.1f}')" "$w") | $((n1 - n0)) | $(( $(jget "$w" vmhwm_kib) / 1024 )) | $rc ($STOP_SECS) |"
    echo
    echo "CPU = utime+stime of the process (all threads) from /proc/PID/stat; passes = bursts of CPU seen"
    echo "by sampling /proc/PID/task/*/schedstat every 20 ms; FTP commands = journal lines with \"--> \"."
  } > "$RES/section-20-idle.md"
  do_report
  [ "$rc" = 0 ] || die "idle: ftpsh exited $rc on SIGTERM (expected 0); see $out"
}

do_latency() {
  ensure_bin; do_start
  local src=$WORK/lat j=$LOG/latency.journal out=$LOG/latency.out res rc
  rm -rf "$src"; cp -a "$DATA/small" "$src"; reset_remote; rm -rf "$FTPSH_STATE_DIR"
  start_mirror "$src" "$j" "$out"
  wait_first_pass "$src" "$j" "$out" 600 || die "latency: no first pass (journal $j)"
  log "latency: first pass settled; $EDITS edits"
  res=$(python3 "$HERE/latency.py" "$src" "$SRV$DST" "$EDITS" 1 42 2>"$LOG/latency.edits")
  stop_mirror; rc=$STOP_RC
  log "latency: $res; SIGTERM -> exit $rc after $STOP_SECS s"
  { echo "## Edit-to-server latency (\`small\`, running mirror --interval 1)"; echo
    echo "| edits | seen on server | median s | p95 s | min s | max s | target s | SIGTERM exit |"
    echo "|---|---|---|---|---|---|---|---|"
    echo "| $(jget "$res" edits) | $(jget "$res" seen) | $(jget "$res" median_s) | $(jget "$res" p95_s) | $(jget "$res" min_s) | $(jget "$res" max_s) | <= $(jget "$res" target_s) | $rc |"
    echo
    echo "Each edit lands at a random phase of the tick (random 0-1 s pause before it); latency = end of"
    echo "the local write until the server's file on disk has the new bytes (polled every 10 ms)."
  } > "$RES/section-30-latency.md"
  do_report
  [ "$rc" = 0 ] || die "latency: ftpsh exited $rc on SIGTERM (expected 0); see $out"
}

do_huge() {
  ensure_bin; do_start
  local src=$DATA/huge j=$LOG/huge.journal out=$LOG/huge.out rc=0 ok wall usr sys rss t0 first w n0 n1
  log "huge: generating $HUGE_FILES files (once)"
  python3 "$HERE/gen.py" "$DATA" huge "$HUGE_FILES"
  rm -f "$src/zz-bench-trigger.txt"
  local nf nd; nf=$(find "$src" -type f | wc -l); nd=$(find "$src" -mindepth 1 -type d | wc -l)
  reset_remote; rm -rf "$FTPSH_STATE_DIR"; sync
  log "huge: mirror --once of $nf files in $nd dirs"
  /usr/bin/time -f '%e %U %S %M' -o "$RES/huge-once.time" "$BIN" -c "mirror --once $src $DST" "$URL" \
    >"$LOG/huge-once.out" 2>&1 || rc=$?
  wall=- usr=0 sys=0 rss=0
  read -r wall usr sys rss < <(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$RES/huge-once.time" | tail -n1) || true
  same_tree "$src" && ok=yes || ok=NO
  log "huge: --once rc=$rc wall=${wall}s cpu=$(awk "BEGIN{print $usr+$sys}")s rss=$((rss / 1024))MiB correct=$ok"
  [ "$rc" = 0 ] || { log "huge: ftpsh --once failed:"; tail -n 5 "$LOG/huge-once.out" >&2; }
  # running mirror: one new file makes its first pass journal a PASS line, then it is idle
  echo "trigger $(date +%s%N)" > "$src/zz-bench-trigger.txt"
  t0=$EPOCHREALTIME
  start_mirror "$src" "$j" "$out" --debug
  wait_first_pass "$src" "$j" "$out" 1800 || { rm -f "$src/zz-bench-trigger.txt"; die "huge: no first pass"; }
  first=$(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t0}")
  log "huge: running mirror settled after ${first} s (remote listing + first walk); watching ${HUGE_SECS} s"
  sleep 2
  n0=$(count_cmds "$j"); w=$(python3 "$HERE/procwatch.py" "$CHILD" "$HUGE_SECS"); n1=$(count_cmds "$j")
  stop_mirror; rm -f "$src/zz-bench-trigger.txt"
  log "huge: $w; FTP commands in window: $((n1 - n0)); SIGTERM -> exit $STOP_RC after $STOP_SECS s"
  { echo "## Huge tree ($nf files of 0-64 B in $nd dirs)"; echo
    echo "| step | wall s | CPU s | peak RSS MiB | notes |"; echo "|---|---|---|---|---|"
    echo "| mirror --once, empty server | $wall | $(awk "BEGIN{print $usr+$sys}") | $((rss / 1024)) | exit $rc, correct: $ok |"
    echo "| running mirror: start to settled (list remote + walk + 1 upload) | $first | - | - | |"
    echo "| running mirror idle, ${HUGE_SECS} s window | $(jget "$w" window_s) | $(jget "$w" cpu_s) ($(jget "$w" cpu_pct) % of a core) | VmHWM $(( $(jget "$w" vmhwm_kib) / 1024 )) (RSS $(( $(jget "$w" vmrss_kib) / 1024 ))) | $(jget "$w" ticks) passes seen, $(jget "$w" cpu_per_tick_s) CPU s per pass, $((n1 - n0)) FTP commands, SIGTERM exit $STOP_RC |"
  } > "$RES/section-40-huge.md"
  do_report
}

# ------------------------------------------------------------------ report
do_report() {
  mkdir -p "$RES"
  { echo "# ftpsh bench results"; echo
    echo "$(date -u +%F\ %H:%M) UTC; $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB RAM, kernel $(uname -r)."
    echo "Loopback only; server and clients share the cores. Tools: $(lftp --version | head -1 | awk -F'|' '{print "lftp" $2}' | sed 's/ *$//'),"
    echo "pure-ftpd $("$PUREFTPD" --help 2>&1 | head -1 | cut -d' ' -f2) (Debian $(dpkg-deb -f "$B"/pkgs/pure-ftpd_*.deb Version 2>/dev/null)), $(hyperfine --version), $(curl --version 2>/dev/null | head -1 | cut -d' ' -f1-2)."
    [ -f "$B/bin/ftpsh.info" ] && sed 's/^/ftpsh /; s/$/  /' "$B/bin/ftpsh.info"
    local s; for s in "$RES"/section-*.md; do [ -f "$s" ] && { echo; cat "$s"; }; done
  } > "$B/results.md"
}

# ------------------------------------------------------------------ main
main() {
  local what=${1:-all}
  case $what in
    all)
      local t0=$SECONDS
      do_setup; trap 'cleanup_child; do_stop' EXIT; trap 'exit 130' INT TERM
      rm -f "$RES"/section-*.md
      do_start; do_compare; do_idle; do_latency
      if [ "$HUGE" = 1 ]; then do_huge; else log "huge skipped (HUGE=1 to run it)"; fi
      do_report; do_stop; trap - EXIT
      log "total $((SECONDS - t0)) s; results in $B/results.md" ;;
    setup|start|stop|report) "do_$what" ;;
    compare|idle|latency|huge) trap 'cleanup_child' EXIT; trap 'exit 130' INT TERM; "do_$what" ;;
    _prep) shift; do__prep "$@" ;;
    *) sed -n '2,21p' "$0"; exit 2 ;;
  esac
}
main "$@"
