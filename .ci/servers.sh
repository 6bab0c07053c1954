#!/usr/bin/env bash
# servers.sh start|stop|status - real FTP servers on 127.0.0.1 for tests/interop.rs.
#
# start: fetches pure-ftpd, vsftpd and proftpd as Debian .debs (`apt-get download` + `dpkg -x`:
#        they Conflict as packages, and unpacking never runs a maintainer script, so no system
#        service is started), installs the shared libraries they need (plain library packages),
#        makes a user, a CA and a server certificate, starts each server on loopback with its own
#        port, passive range and home folder, checks each one answers a login (and AUTH TLS with
#        a certificate that verifies against ca.pem), and writes $W/env for the tests:
#          FTPSH_INTEROP_PASSWORD=...            password of user `ftpsh` on every server
#          FTPSH_INTEROP_CA=$W/tls/ca.pem        CA of the FTPS certificate
#          FTPSH_INTEROP_PUREFTPD=ftp://ftpsh@127.0.0.1:2141
#          FTPSH_INTEROP_PUREFTPD_ROOT=$W/pureftpd/home      (the user's chroot, on disk)
#          FTPSH_INTEROP_PUREFTPD_FTPS=ftps://ftpsh@127.0.0.1:2141   (when TLS works)
#        and the same for VSFTPD (2142) and PROFTPD (2143). All three offer TLS on the same port
#        as plain FTP (optional AUTH TLS).
#        Best effort, server by server: one that cannot be fetched, started or logged into is
#        reported on stderr and left out of the env file; the script still exits 0 (the tests
#        skip a missing server visibly, and fail on it under CI=true).
#        Every change to the machine outside $W (the system user, the PAM service file) is
#        recorded in $W/created as it is made.
# stop:  stops the servers this script started (PIDs recorded in $W/run), then undoes what
#        start recorded: deletes the system user and the PAM file it created (never ones that
#        were there before), and removes $W. Libraries installed with apt stay (other
#        software may use them by then); $W/apt.log lists them.
#
# Knobs (environment):
#   FTPSH_INTEROP_DIR        work dir (default /tmp/ftpsh-interop); two instances with
#                            different dirs do not clash: the user and PAM service names are
#                            derived from it, each has its own ports (below).
#   FTPSH_INTEROP_SERVERS    default "pureftpd vsftpd proftpd"
#   FTPSH_INTEROP_PORT_BASE  control ports BASE, BASE+1, BASE+2 (default 2141)
#   FTPSH_INTEROP_PASV_BASE  passive ranges BASE..BASE+99, +100.., +200.. (default 29000)
#   FTPSH_INTEROP_USER       the system user (default ftpsh for the default dir, else
#                            ftpsh-<hash of the dir>)
# Needs root (user, PAM service for vsftpd, chroot).
set -uo pipefail

DEFAULT_DIR=/tmp/ftpsh-interop
W=${FTPSH_INTEROP_DIR:-$DEFAULT_DIR}
W=${W%/}
SERVERS=${FTPSH_INTEROP_SERVERS:-"pureftpd vsftpd proftpd"}
RUN=$W/run TLS=$W/tls PKGS=$W/pkgs CREATED=$W/created MARK=$W/.ftpsh-interop
# one instance per work dir: the user (whose password start sets) and the PAM service are
# named after it, so a second instance never changes the first one's logins
if [ "$W" = "$DEFAULT_DIR" ]; then TAG=""; else TAG=-$(printf '%s' "$W" | cksum | cut -d' ' -f1); fi
FTP_USER=${FTPSH_INTEROP_USER:-ftpsh$TAG}
PAM_SERVICE=ftpsh-interop-vsftpd$TAG
HOST=127.0.0.1
# control port and passive range per server (below the kernel's ephemeral range 32768-60999)
PORT_BASE=${FTPSH_INTEROP_PORT_BASE:-2141}
PASV_BASE=${FTPSH_INTEROP_PASV_BASE:-29000}
declare -A PORT=([pureftpd]=$PORT_BASE [vsftpd]=$((PORT_BASE + 1)) [proftpd]=$((PORT_BASE + 2)))
declare -A PASV=([pureftpd]="$PASV_BASE $((PASV_BASE + 99))"
  [vsftpd]="$((PASV_BASE + 100)) $((PASV_BASE + 199))" [proftpd]="$((PASV_BASE + 200)) $((PASV_BASE + 299))")
declare -A DEBS=([pureftpd]="pure-ftpd" [vsftpd]="vsftpd" [proftpd]="proftpd-core proftpd-mod-crypto")
declare -A BIN=([pureftpd]=pureftpd-root/usr/sbin/pure-ftpd [vsftpd]=vsftpd-root/usr/sbin/vsftpd
  [proftpd]=proftpd-root/usr/sbin/proftpd)
declare -A COMM=([pureftpd]=pure-ftpd [vsftpd]=vsftpd [proftpd]=proftpd)
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

log() { printf '[servers.sh %s] %s\n' "$(date +%T)" "$*" >&2; }
warn() { log "WARNING: $*"; }

# record KIND WHAT: start changed the machine outside $W; stop undoes it (once)
record() { grep -qxF "$1 $2" "$CREATED" 2>/dev/null || printf '%s %s\n' "$1" "$2" >> "$CREATED"; }

APT_UPDATED=0
apt_update_once() {
  [ "$APT_UPDATED" = 1 ] && return 0
  APT_UPDATED=1
  log "apt-get update"
  apt-get update -qq -o Acquire::Retries=3 >>"$W/apt.log" 2>&1 \
    || { warn "apt-get update failed; trying with the lists at hand:"; tail -n 5 "$W/apt.log" >&2; }
}
APT_OPTS=(-o Acquire::Retries=3 -o Dpkg::Options::=--force-confold)

# Never let a package's maintainer script start a daemon while we install libraries: a
# policy-rc.d answering 101 ("action forbidden") for the duration, removed afterwards if ours.
with_policy_rc_d() {
  local p=/usr/sbin/policy-rc.d ours=0 rc
  if [ ! -e "$p" ]; then printf '#!/bin/sh\nexit 101\n' > "$p" && chmod 755 "$p" && ours=1; fi
  "$@"; rc=$?
  [ "$ours" = 1 ] && rm -f "$p"
  return $rc
}

# ------------------------------------------------------------------ fetch + unpack
fetch() {   # fetch SERVER: the server's .debs unpacked into $W/SERVER-root, libraries installed
  local s=$1 pkg deb root=$W/$1-root libs=() dep
  if [ ! -x "$W/${BIN[$s]}" ]; then
    mkdir -p "$PKGS" && rm -rf "$root"
    for pkg in ${DEBS[$s]}; do
      if ! ls "$PKGS/${pkg}"_*.deb >/dev/null 2>&1; then
        apt_update_once
        # apt drops privileges to _apt for downloads; let it write into the folder
        chmod 777 "$PKGS"
        (cd "$PKGS" && apt-get download "${APT_OPTS[@]}" "$pkg" >>"$W/apt.log" 2>&1) \
          || { warn "$s: apt-get download $pkg failed:"; tail -n 5 "$W/apt.log" >&2; return 1; }
      fi
      for deb in "$PKGS/${pkg}"_*.deb; do dpkg -x "$deb" "$root" || { warn "$s: dpkg -x $deb failed"; return 1; }; done
    done
  fi
  # the libraries the .debs depend on ("lib..." in Depends, version constraints and
  # alternatives dropped), those not installed yet
  for deb in $(for pkg in ${DEBS[$s]}; do ls "$PKGS/${pkg}"_*.deb; done); do
    for dep in $(dpkg-deb -f "$deb" Depends | tr ',|' '\n\n' | sed 's/(.*)//; s/:any//; s/ //g' | grep '^lib'); do
      dpkg -s "$dep" 2>/dev/null | grep -q '^Status: install ok installed' || libs+=("$dep")
    done
  done
  if [ ${#libs[@]} -gt 0 ]; then
    apt_update_once
    log "$s: installing libraries ${libs[*]}"
    if ! with_policy_rc_d apt-get install -y -qq --no-install-recommends "${APT_OPTS[@]}" "${libs[@]}" \
      >>"$W/apt.log" 2>&1; then
      # one unknown name (an alternative this release lacks) fails the batch: try one by one
      for dep in "${libs[@]}"; do
        with_policy_rc_d apt-get install -y -qq --no-install-recommends "${APT_OPTS[@]}" "$dep" \
          >>"$W/apt.log" 2>&1 || warn "$s: could not install $dep"
      done
    fi
  fi
  local missing
  missing=$(ldd "$W/${BIN[$s]}" 2>&1 | grep 'not found')
  [ -z "$missing" ] || { warn "$s: missing libraries: $missing"; return 1; }
}

# ------------------------------------------------------------------ common set-up
setup_common() {
  mkdir -p "$W" "$RUN" "$TLS" && chmod 755 "$W" && touch "$MARK" "$CREATED" || return 1
  command -v openssl >/dev/null || { apt_update_once; with_policy_rc_d apt-get install -y -qq openssl >>"$W/apt.log" 2>&1; } \
    || { warn "no openssl CLI"; return 1; }
  # the FTP user: a system account (vsftpd logs in through PAM), password fresh on every start
  if ! id "$FTP_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir "$W" --shell /bin/bash "$FTP_USER" \
      || { warn "useradd $FTP_USER failed"; return 1; }
    record user "$FTP_USER"
  fi
  PASSWORD="interop-$(openssl rand -hex 8)"
  # SHA-512-crypt, cheap to check: the defaults (yescrypt for PAM, argon2id t=511 for pure-pw)
  # cost 60 ms to 4.5 s per login.
  HASH=$(openssl passwd -6 -salt "$(openssl rand -hex 8)" "$PASSWORD") || return 1
  printf '%s:%s\n' "$FTP_USER" "$HASH" | chpasswd -e || { warn "chpasswd failed"; return 1; }
  FTP_UID=$(id -u "$FTP_USER") FTP_GID=$(id -g "$FTP_USER")
  make_certs
}

make_certs() {   # a CA and a leaf for 127.0.0.1 that rustls accepts
  [ -s "$TLS/server.pem" ] && [ -s "$TLS/ca.pem" ] \
    && openssl x509 -checkend 86400 -noout -in "$TLS/server.pem" >/dev/null 2>&1 && return 0
  log "making a CA and a server certificate in $TLS"
  (
    set -e
    cd "$TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ftpsh interop CA" \
      -keyout ca.key -out ca.pem \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature,keyEncipherment" > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
      -extfile server.ext -out server.pem 2>/dev/null
    cat server.pem server.key > server-with-key.pem
    # throwaway test keys: readable, so that a server reading them after dropping root works
    chmod 644 ./*.pem ./*.key
  ) || { warn "certificate generation failed"; rm -f "$TLS/server.pem"; return 1; }
}

home_of() { echo "$W/$1/home"; }
fresh_home() {   # an empty home owned by the FTP user
  local h; h=$(home_of "$1"); rm -rf "$h"; mkdir -p "$h" && chown "$FTP_UID:$FTP_GID" "$h" && chmod 755 "$h" "$W/$1"; }

port_taken() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# spawn NAME cmd...: runs a foreground server in the background, records its PID
spawn() {
  local s=$1; shift
  setsid "$@" </dev/null >>"$W/$s/server.out" 2>&1 &
  echo $! > "$RUN/$s.pid"
}

# ftp_check PORT [tls]: a login (and with tls, AUTH TLS with the certificate verified) works
ftp_login() {
  timeout 10 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    reply() { local l; while IFS= read -r l <&3; do l=${l%$'"'"'\r'"'"'}; R=$l; [[ $l =~ ^[0-9]{3}\  ]] && return 0; done; return 1; }
    reply && [[ $R == 220* ]] || { echo "banner: $R"; exit 2; }
    printf "USER %s\r\n" "$2" >&3; reply && [[ $R == 331* ]] || { echo "USER: $R"; exit 3; }
    printf "PASS %s\r\n" "$3" >&3; reply && [[ $R == 230* ]] || { echo "PASS: $R"; exit 4; }
    printf "QUIT\r\n" >&3; reply; exit 0' "$HOST" "$1" "$FTP_USER" "$PASSWORD"
}
tls_ok() {
  local out
  out=$(timeout 10 openssl s_client -starttls ftp -connect "$HOST:$1" -CAfile "$TLS/ca.pem" \
    -verify_return_error -verify_ip "$HOST" </dev/null 2>&1)
  grep -q 'Verify return code: 0 (ok)' <<<"$out" && return 0
  printf '%s\n' "$out" | tail -n 5 >&2; return 1
}

# wait_up SERVER: polls (deadline 20 s) until the server answers a login; fails early if it died
wait_up() {
  local s=$1 pid deadline=$((SECONDS + 20)) why=""
  pid=$(cat "$RUN/$s.pid")
  while [ $SECONDS -lt $deadline ]; do
    if ! alive "$pid"; then
      warn "$s exited at start; its output:"; tail -n 20 "$W/$s/server.out" >&2; return 1
    fi
    if port_taken "${PORT[$s]}"; then
      why=$(ftp_login "${PORT[$s]}") && return 0
    fi
    sleep 0.1
  done
  warn "$s: no login on port ${PORT[$s]} within 20 s (last: ${why:-port closed})"
  tail -n 20 "$W/$s/server.out" >&2
  return 1
}

# ------------------------------------------------------------------ the servers
start_pureftpd() {
  local d=$W/pureftpd
  mkdir -p "$d/log" && fresh_home pureftpd || return 1
  # puredb virtual user mapped to the system user; `/./` = chrooted there
  printf '%s:%s:%s:%s::%s/./::::::::::::\n' "$FTP_USER" "$HASH" "$FTP_UID" "$FTP_GID" "$(home_of pureftpd)" \
    > "$d/pureftpd.passwd"
  chmod 600 "$d/pureftpd.passwd"
  "$W/pureftpd-root/usr/bin/pure-pw" mkdb "$d/pureftpd.pdb" -f "$d/pureftpd.passwd" >&2 || return 1
  local p=${PASV[pureftpd]}
  # -L: the default 10000:5 silently truncates listings at 10000 entries. -Y 1: TLS optional.
  spawn pureftpd "$W/${BIN[pureftpd]}" -S "$HOST,${PORT[pureftpd]}" -4 -H -E -A -u 1 \
    -p "${p% *}:${p#* }" -P "$HOST" -c 50 -C 50 -L 100000:50 \
    -l "puredb:$d/pureftpd.pdb" -O "clf:$d/log/xfer.log" \
    -Y 1 -2 "$TLS/server.pem,$TLS/server.key"
}

start_vsftpd() {
  local d=$W/vsftpd p=${PASV[vsftpd]}
  mkdir -p "$d/empty" "$d/log" && fresh_home vsftpd || return 1
  chown root:root "$d/empty" && chmod 755 "$d/empty"
  [ -e "/etc/pam.d/$PAM_SERVICE" ] || record file "/etc/pam.d/$PAM_SERVICE"
  printf '%s\n' '# ftpsh interop tests (.ci/servers.sh): vsftpd logins of the local user' \
    '@include common-auth' '@include common-account' '@include common-session' \
    > "/etc/pam.d/$PAM_SERVICE" || return 1
  cat > "$d/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$HOST
listen_port=${PORT[vsftpd]}
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
local_root=$(home_of vsftpd)
chroot_local_user=YES
allow_writeable_chroot=YES
secure_chroot_dir=$d/empty
pam_service_name=$PAM_SERVICE
userlist_enable=NO
pasv_enable=YES
pasv_address=$HOST
pasv_min_port=${p% *}
pasv_max_port=${p#* }
port_enable=YES
connect_from_port_20=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
max_clients=50
max_per_ip=50
use_localtime=NO
mdtm_write=YES
xferlog_enable=YES
xferlog_std_format=YES
xferlog_file=$d/log/xfer.log
ssl_enable=YES
allow_anon_ssl=NO
force_local_logins_ssl=NO
force_local_data_ssl=NO
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=YES
ssl_ciphers=HIGH
rsa_cert_file=$TLS/server.pem
rsa_private_key_file=$TLS/server.key
EOF
  spawn vsftpd "$W/${BIN[vsftpd]}" "$d/vsftpd.conf"
}

start_proftpd() {
  local d=$W/proftpd p=${PASV[proftpd]} tls=""
  mkdir -p "$d/log" "$d/run" && fresh_home proftpd || return 1
  printf '%s:%s:%s:%s::%s:/bin/bash\n' "$FTP_USER" "$HASH" "$FTP_UID" "$FTP_GID" "$(home_of proftpd)" > "$d/passwd"
  printf '%s:x:%s:\n' "$FTP_USER" "$FTP_GID" > "$d/group"
  chmod 600 "$d/passwd"
  if [ -f "$W/proftpd-root/usr/lib/proftpd/mod_tls.so" ]; then
    tls="LoadModule mod_tls.c
<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired off
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile $TLS/server.pem
  TLSRSACertificateKeyFile $TLS/server.key
  TLSLog $d/log/tls.log
</IfModule>"
  fi
  cat > "$d/proftpd.conf" <<EOF
ServerName "ftpsh interop proftpd"
ServerType standalone
DefaultServer on
DefaultAddress $HOST
SocketBindTight on
Port ${PORT[proftpd]}
UseIPv6 off
UseReverseDNS off
User $FTP_USER
Group $FTP_USER
Umask 022
MaxInstances 50
PidFile $d/run/proftpd.pid
ScoreboardFile $d/run/proftpd.scoreboard
DelayTable none
WtmpLog off
SystemLog $d/log/proftpd.log
TransferLog $d/log/xfer.log
AuthOrder mod_auth_file.c
AuthUserFile $d/passwd
AuthGroupFile $d/group
RequireValidShell off
DefaultRoot ~
PassivePorts ${p% *} ${p#* }
AllowOverwrite on
ModulePath $W/proftpd-root/usr/lib/proftpd
<IfModule mod_ctrls.c>
  ControlsEngine off
</IfModule>
$tls
EOF
  spawn proftpd "$W/${BIN[proftpd]}" --nodaemon -c "$d/proftpd.conf"
}

# ------------------------------------------------------------------ start / stop
# alive PID: running (a zombie waiting for a PID 1 that reaps slowly counts as gone)
alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }

stop_servers() {
  local f pid s n=0 i
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    s=$(basename "$f" .pid); pid=$(cat "$f"); rm -f "$f"
    # only our process: the recorded PID, still running the same program
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${COMM[$s]:-?}" ] || continue
    kill -TERM "$pid" 2>/dev/null || continue
    for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    log "stopped $s (pid $pid)"; n=$((n + 1))
  done
  rm -f "$W/env"
  [ $n -gt 0 ] || log "no server to stop"
  return 0
}

# undo what start recorded in $W/created, then remove $W (only a dir start made: it has MARK)
undo_changes() {
  local kind what
  [ -f "$MARK" ] || { log "$W was not made by servers.sh start; left alone"; return 0; }
  if [ -f "$CREATED" ]; then
    while read -r kind what; do
      case $kind in
        user) if id "$what" >/dev/null 2>&1; then
                userdel "$what" && log "deleted the system user $what" || warn "userdel $what failed"
              fi ;;
        file) rm -f "$what" && log "removed $what" ;;
      esac
    done < "$CREATED"
  fi
  rm -rf "$W" && log "removed $W"
}

do_stop() {
  stop_servers
  undo_changes
  return 0
}

do_start() {
  local t0=$SECONDS s up=() env
  # a restart: this instance's servers go, its user and files stay (re-used below)
  stop_servers 2>/dev/null
  if [ "$(id -u)" != 0 ]; then warn "needs root (user, PAM service, chroot); no servers started"; return 0; fi
  setup_common || { warn "common set-up failed; no servers started"; return 0; }
  env="FTPSH_INTEROP_PASSWORD='$PASSWORD'"$'\n'"FTPSH_INTEROP_CA='$TLS/ca.pem'"$'\n'
  for s in $SERVERS; do
    [ -n "${PORT[$s]:-}" ] || { warn "unknown server $s"; continue; }
    if port_taken "${PORT[$s]}"; then warn "$s: port ${PORT[$s]} is already taken by another process; skipped"; continue; fi
    fetch "$s" || { warn "$s: not available; skipped"; continue; }
    mkdir -p "$W/$s" && : > "$W/$s/server.out"
    "start_$s" || { warn "$s: set-up failed; skipped"; continue; }
    wait_up "$s" || { warn "$s: did not come up; skipped"; do_stop_one "$s"; continue; }
    local key=${s^^} url="ftp://$FTP_USER@$HOST:${PORT[$s]}"
    env+="FTPSH_INTEROP_$key='$url'"$'\n'"FTPSH_INTEROP_${key}_ROOT='$(home_of "$s")'"$'\n'
    if tls_ok "${PORT[$s]}"; then
      env+="FTPSH_INTEROP_${key}_FTPS='ftps://$FTP_USER@$HOST:${PORT[$s]}'"$'\n'; up+=("$s(+FTPS)")
    else
      warn "$s: AUTH TLS did not verify against $TLS/ca.pem; plain FTP only"; up+=("$s")
    fi
  done
  printf '%s' "$env" > "$W/env"
  log "up: ${up[*]:-none}; env file $W/env; took $((SECONDS - t0)) s"
  return 0
}

do_stop_one() {
  local f=$RUN/$1.pid pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f"); rm -f "$f"
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${COMM[$1]}" ] && kill -KILL "$pid" 2>/dev/null
  return 0
}

do_status() {
  local f pid
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue; pid=$(cat "$f")
    if alive "$pid"; then echo "$(basename "$f" .pid): pid $pid running"; else echo "$(basename "$f" .pid): pid $pid gone"; fi
  done
  [ -f "$W/env" ] && cat "$W/env"
  return 0
}

case ${1:-} in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
