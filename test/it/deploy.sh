#!/bin/sh
# lm-test: seconds 20
# shellcheck disable=SC2317,SC2016,SC2086 # called through check; awk and sh -c scripts; word lists
# The node set-ups of docs/deploy.md, each run with the real supervisor or
# super-server on private sockets, free ports and temp dirs:
#   runit     runsv on scripts/service/runit/*: readiness (./check), a
#             scrape through tcpsvd, a killed lmtabled restarted, logs
#             timestamped by svlogd
#   s6        s6-svscan on scripts/service/s6/*: readiness through
#             notification-fd (lmtabled -d 3), restart, s6-log timestamps
#   busybox   the inittab's runsvdir line on the runit directories, every
#             script run by busybox sh
#   systemd   systemd-analyze verify on the units; lmexport.socket's
#             Accept=yes emulated by systemd-socket-activate --inetd -a
#   inetd     openbsd-inetd and xinetd with the config lines as shipped
#   docker    each scripts/docker/Dockerfile.* built as a root directory
#             (its COPY, WORKDIR, ENV lines) and its ENTRYPOINT run there
#             with chroot, -v /metrics:/metrics as a bind mount, its own
#             mount (and net, pid) namespace
#   install   make install / uninstall into a DESTDIR, make dist: the
#             tarball, its layout and its sha256 sums
# plus: the scripts are shellcheck clean and parse under busybox sh,
# docs/deploy.md names only files that exist and quotes them unchanged,
# and the Prometheus examples of docs/fleet/ pass promtool.
# Each part is skipped, with the reason, when its tool is missing or it
# needs root.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

SV=$T_ROOT/scripts/service
DK=$T_ROOT/scripts/docker
HK=$LM_BIN/lmhook
ROOT=
[ "$(id -u)" -eq 0 ] && ROOT=1
# seconds to wait for a service (a sanitizer build starts slower)
SVW=10
is_sanitized && SVW=30
# runit and s6 stop a service with SIGTERM, then SIGCONT. LeakSanitizer's
# check at exit stops the process through ptrace (a SIGSTOP); a SIGCONT
# arriving just then discards that stop, and the check then waits forever
# (seen: a sanitized lmtabled spinning in its exit, its LSan tracer in
# wait4). In a sanitized build the daemons of this file run without the
# leak check; the other files check the same daemons for leaks.
if is_sanitized; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	export ASAN_OPTIONS
fi
# the services find the binaries under test on PATH, as on a node
PATH=$LM_BIN:$PATH:/usr/sbin:/sbin
export PATH

# stray ROOTDIR: pids of the processes whose working directory is under
# ROOTDIR (supervisors run each service in its directory)
stray() {
	# one find for all of /proc, not a readlink a process: this is polled
	find /proc/[0-9]*/cwd -maxdepth 0 -lname "$1/*" 2>/dev/null |
		sed -n 's|^/proc/\([0-9]*\)/cwd$|\1|p'
}
# a safety net: runsvdir -P puts each runsv in a session of its own
# shellcheck disable=SC2016 # expanded at cleanup
T_CLEANUP_EXTRA='for _p in $(stray "$T_DIR"); do kill -KILL "$_p" 2>/dev/null; done'
nothing_under() {
	[ -z "$(stray "$1")" ]
}

# scrape PORT FILE: GET /metrics from 127.0.0.1:PORT into FILE
scrape() {
	curl -sf -m 5 -o "$2" "http://127.0.0.1:$1/metrics"
}
# scraped_has PORT ERE: a scrape has a line matching ERE
scraped_has() {
	scrape "$1" "$T_DIR/scrape" && grep -Eq -e "$2" "$T_DIR/scrape"
}
# ts_log FILE ERE: FILE has a line of a logger's timestamp, then ERE
ts_log() {
	grep -Eq -e "$2" "$1" 2>/dev/null
}

# ---- the files: shellcheck, busybox sh, executable
SCRIPTS=$(cd "$T_ROOT" && find scripts/service -type f \( -name run -o -name finish -o -name check \) | sort)
check "service scripts found" "none under scripts/service" test -n "$SCRIPTS"
for f in $SCRIPTS; do
	check "$f is executable" "mode $(stat -c %a "$T_ROOT/$f")" test -x "$T_ROOT/$f"
	check "$f starts with #!/bin/sh" "$(head -n 1 "$T_ROOT/$f")" \
		test "$(head -n 1 "$T_ROOT/$f")" = '#!/bin/sh'
	if have shellcheck; then
		t_case "shellcheck -s sh $f" 0 '' '' shellcheck -s sh "$T_ROOT/$f"
	fi
	if have busybox; then
		t_case "busybox sh -n $f" 0 '' '' busybox sh -n "$T_ROOT/$f"
	fi
done
have shellcheck || skip "shellcheck of the service scripts" "no shellcheck"
check "s6 notification-fd is 3 (lmtabled -d 3)" "$(cat "$SV/s6/lmtabled/notification-fd")" \
	test "$(cat "$SV/s6/lmtabled/notification-fd")" = 3
check "s6 run: lmtabled -d 3" "not in run" grep -q 'lmtabled .*-d 3' "$SV/s6/lmtabled/run"

# ---- docs/deploy.md names files that exist, quotes them unchanged
D=$T_ROOT/docs/deploy.md
if [ ! -f "$D" ]; then
	fail "docs/deploy.md exists" "missing"
else
	grep -oE '(scripts/(service|docker)|docs/fleet)/[A-Za-z0-9_./@-]*[A-Za-z0-9_@-]' "$D" |
		sort -u >"$T_DIR/named"
	check "deploy.md names the set-up files" "none" test -s "$T_DIR/named"
	while read -r p; do
		check "deploy.md names $p: it exists" "missing" test -e "$T_ROOT/$p"
	done <"$T_DIR/named"
	# a block after "<!-- file PATH -->" is PATH's non-comment lines, or
	# all of it
	awk -v dir="$T_DIR" '
		/^<!-- file [^ ]+ -->$/ { f = $3; n++; next }
		f != "" && /^```/ {
			if (inblk) { inblk = 0; f = ""; close(out) }
			else { inblk = 1; out = dir "/quote." n; print f >(dir "/quote." n ".path") }
			next
		}
		inblk { print >out }' "$D"
	for q in "$T_DIR"/quote.*.path; do
		[ -f "$q" ] || continue
		p=$(cat "$q")
		grep -v '^#' "$T_ROOT/$p" | grep -v '^$' >"$T_DIR/quoted.want" 2>/dev/null
		if cmp -s "${q%.path}" "$T_ROOT/$p" || cmp -s "${q%.path}" "$T_DIR/quoted.want"; then
			ok "deploy.md quotes $p unchanged"
		else
			fail "deploy.md quotes $p unchanged" "$(diff "${q%.path}" "$T_DIR/quoted.want" | sed -n 2,3p | tr '\n' '|')"
		fi
	done
	for f in docs/deploy.md docs/fleet.md; do
		check "README links $f" "no link" grep -qF "($f)" "$T_ROOT/README.md"
	done
fi

# ---- Prometheus examples: promtool
if have promtool; then
	for c in "$T_ROOT"/docs/fleet/prometheus*.yml; do
		[ -f "$c" ] || continue
		t_case "promtool check config ${c#"$T_ROOT"/}" 0 - - promtool check config "$c"
	done
	t_case "promtool check rules docs/fleet/rules.yml" 0 - - \
		promtool check rules "$T_ROOT/docs/fleet/rules.yml"
	(cd "$T_ROOT/docs/fleet" && t_run promtool test rules rules_test.yml)
	expect "promtool test rules docs/fleet/rules_test.yml" 0 '~SUCCESS' -
else
	skip "promtool check config/rules" "no promtool (sh scripts/deps.sh test)"
fi

# ---- runit: runsv on the service directories
# start_sv DIR ENVDIR: set the services' environment (exported)
sv_env() {
	LM_SOCKET=$1/m/live_metrics.sock
	LM_LOGDIR=$1/log
	LM_EXPORT_ADDR=127.0.0.1
	LM_EXPORT_PORT=$(free_port)
	export LM_SOCKET LM_LOGDIR LM_EXPORT_ADDR LM_EXPORT_PORT
}
# sv_ready DIR: wait (at most SVW s) until runsv supervises DIR, its run
# runs and DIR/check says it is ready: `sv -w 10 start` (`sv check` would
# also pass while ./run is not running yet, e.g. between two restarts)
sv_ready() {
	wait_for 5 test -e "$1/supervise/ok" && sv -w "$SVW" start "$1" >/dev/null 2>&1
}
svpid() {
	cat "$1/supervise/pid" 2>/dev/null
}
pid_changed() {
	_np=$(svpid "$1")
	[ -n "$_np" ] && [ "$_np" != "$2" ]
}
# send_scrape APP X: send gauge x = X for APP, and a scrape shows it
send_scrape() {
	"$HK" -q -a "$1" gauge x "$2" &&
		scraped_has "$LM_EXPORT_PORT" "^x\\{app=\"$1\",uid=\"[0-9]+\"\\} $2\$"
}
# runit_case LABEL DIR: the checks on two running services DIR/lmtabled
# and DIR/lmexport (supervised by runsv, either way)
runit_case() {
	_l=$1 _d=$2
	check "$_l: lmtabled ready (sv -w 10 start runs ./check)" "$(t_head "$_d/log/lmtabled/current")" \
		sv_ready "$_d/lmtabled"
	"$HK" -a "$_l-app" gauge x 5
	check "$_l: a scrape through tcpsvd shows the app" "$(t_head "$T_DIR/scrape")" \
		wait_for 10 scraped_has "$LM_EXPORT_PORT" "^x\\{app=\"$_l-app\",uid=\"[0-9]+\"\\} 5\$"
	_p=$(svpid "$_d/lmtabled")
	kill -KILL "$_p" 2>/dev/null
	check "$_l: lmtabled killed: runsv restarts it" "pid still $_p" \
		wait_for 10 pid_changed "$_d/lmtabled" "$_p"
	check "$_l: the new lmtabled is ready" "no" sv_ready "$_d/lmtabled"
	check "$_l: scraped again after the restart" "$(t_head "$T_DIR/scrape")" \
		wait_for 10 send_scrape "$_l-app" 6
	check "$_l: log/run adds timestamps (svlogd -tt)" "$(t_head "$_d/log/lmtabled/current")" \
		wait_for 5 ts_log "$_d/log/lmtabled/current" \
		'^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9:.]+ lmtabled: info: listening on '
	check "$_l: finish logged the kill" "$(t_head "$_d/log/lmtabled/current")" \
		wait_for 5 ts_log "$_d/log/lmtabled/current" 'lmtabled: info: exited with status -1, signal 9$'
}

if ! have runsv || ! have sv || ! have svlogd || ! have tcpsvd || ! have curl; then
	skip "runit" "no runsv, sv, svlogd, tcpsvd or curl (sh scripts/deps.sh test)"
else
	R=$T_DIR/runit
	mkdir -p "$R"
	cp -R "$SV/runit/lmtabled" "$SV/runit/lmexport" "$R/"
	sv_env "$R"
	t_bg runsv "$R/lmtabled"
	RS1=$T_PID
	t_bg runsv "$R/lmexport"
	RS2=$T_PID
	runit_case runit "$R"
	lt=$(svpid "$R/lmtabled")
	t_stop "$RS1" TERM 10
	eq "runit: runsv stops on SIGTERM (exit 0)" "$T_STATUS" 0
	t_stop "$RS2" TERM 10
	check "runit: lmtabled stopped with runsv" "pid $lt runs" test -n "$lt" -a ! -d "/proc/$lt"
	check "runit: lmtabled removed its socket" "left" test ! -e "$LM_SOCKET"
	check "runit: no process left in the service dirs" "$(stray "$R")" wait_for 5 nothing_under "$R"
fi

# ---- busybox: the inittab's runsvdir line, the scripts under busybox sh
BB=$(command -v busybox 2>/dev/null)
line=$(grep -v '^#' "$SV/busybox/inittab" | grep ':respawn:' | head -n 1)
# id:runlevels:action:process, busybox's actions
check "busybox inittab: every line is id:runlevels:action:process" "bad line" \
	awk -F: '!/^#/ && NF { if (NF < 4 || $3 !~ /^(sysinit|wait|once|respawn|askfirst|shutdown|restart|ctrlaltdel)$/) bad = 1 }
		END { exit bad }' "$SV/busybox/inittab"
cmd=${line#*:*:*:}
eq "busybox inittab: runsvdir -P /etc/service is respawned" "$cmd" "/usr/bin/runsvdir -P /etc/service"
if [ -z "$BB" ] || ! have runsvdir || ! have sv || ! have tcpsvd || ! have curl; then
	skip "busybox: runsvdir with busybox sh" "no busybox, runsvdir, sv, tcpsvd or curl"
else
	B=$T_DIR/bb
	mkdir -p "$B/sv" "$B/service"
	cp -R "$SV/runit/lmtabled" "$SV/runit/lmexport" "$B/sv/"
	# a busybox node's /bin/sh is busybox: run every script with it
	find "$B/sv" -type f \( -name run -o -name finish -o -name check \) | while read -r f; do
		{ echo "#!$BB sh"; sed 1d "$f"; } >"$f.new" && cat "$f.new" >"$f" && rm -f "$f.new"
	done
	ln -s "$B/sv/lmtabled" "$B/sv/lmexport" "$B/service/"
	sv_env "$B/sv"
	# the line as written, with our service directory for /etc/service
	set -- $cmd
	t_bg "$1" "$2" "$B/service"
	RD=$T_PID
	runit_case busybox "$B/sv"
	t_stop "$RD" HUP 10
	eq "busybox: runsvdir stops its runsv on SIGHUP (exit 111)" "$T_STATUS" 111
	if wait_for 10 nothing_under "$B"; then
		ok "busybox: no process left in the service dirs"
	else
		fail "busybox: no process left in the service dirs" \
			"$(for _p in $(stray "$B"); do ps -o pid=,stat=,args= -p "$_p"; done | tr '\n' '|')"
	fi
fi

# ---- s6: s6-svscan on the service directories, readiness by -d 3
if ! have s6-svscan || ! have s6-svwait || ! have s6-svc || ! have s6-svok || ! have s6-log ||
	! have tcpsvd || ! have curl; then
	skip "s6" "no s6 (s6-svscan, s6-svwait, s6-svc, s6-svok, s6-log), tcpsvd or curl"
else
	S=$T_DIR/s6
	mkdir -p "$S/scan"
	cp -R "$SV/s6/lmtabled" "$SV/s6/lmexport" "$S/scan/"
	sv_env "$S"
	t_bg s6-svscan "$S/scan"
	SC=$T_PID
	check "s6: s6-svscan supervises lmtabled (s6-svok)" "no" wait_for 10 s6-svok "$S/scan/lmtabled"
	check "s6: s6-svscan supervises lmexport (s6-svok)" "no" wait_for 10 s6-svok "$S/scan/lmexport"
	t_case "s6: s6-svwait -U: lmtabled up and ready (notification-fd)" 0 '' '' \
		s6-svwait -U -t "${SVW}000" "$S/scan/lmtabled"
	check "s6: the socket is there once ready" "no socket" test -S "$LM_SOCKET"
	"$HK" -a s6-app gauge x 7
	check "s6: a scrape through tcpsvd shows the app" "$(t_head "$T_DIR/scrape")" \
		wait_for 10 scraped_has "$LM_EXPORT_PORT" '^x\{app="s6-app",uid="[0-9]+"\} 7$'
	p0=$(s6-svstat -p "$S/scan/lmtabled")
	t_case "s6: s6-svc -k: killed, restarted and ready again (-wR)" 0 '' '' \
		s6-svc -T "${SVW}000" -wR -k "$S/scan/lmtabled"
	p1=$(s6-svstat -p "$S/scan/lmtabled")
	check "s6: a new lmtabled" "pid $p0, then $p1" test -n "$p1" -a "$p0" != "$p1"
	check "s6: log/run adds ISO 8601 timestamps (s6-log T)" "$(t_head "$S/log/lmtabled/current")" \
		wait_for 5 ts_log "$S/log/lmtabled/current" \
		'^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ +lmtabled: info: listening on '
	check "s6: finish logged the kill" "$(t_head "$S/log/lmtabled/current")" \
		wait_for 5 ts_log "$S/log/lmtabled/current" 'lmtabled: info: exited with status 256, signal 9$'
	t_stop "$SC" TERM 10
	eq "s6: s6-svscan stops everything on SIGTERM (exit 0)" "$T_STATUS" 0
	check "s6: lmtabled removed its socket" "left" test ! -e "$LM_SOCKET"
	check "s6: no process left in the scan dir" "$(stray "$S")" wait_for 5 nothing_under "$S"
fi
unset LM_SOCKET LM_LOGDIR LM_EXPORT_ADDR LM_EXPORT_PORT

# a private lmtabled for the super-servers, its socket reachable by
# nobody (inetd and xinetd run lmexport as nobody)
chmod 711 "$T_DIR"
mkdir -m 755 "$T_DIR/m"
M=$T_DIR/m/live_metrics.sock
if ! start_tabled "$M"; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$M.err")"
	t_done
fi
"$HK" -s "$M" -a inet-app gauge x 9
APPLINE='^x\{app="inet-app",uid="[0-9]+"\} 9$'
# the user field: nobody as root, else ourselves
U=nobody
[ -n "$ROOT" ] || U=$(id -un)

# ---- systemd: verify the units, emulate the socket unit
U_DIR=$T_DIR/units
mkdir -p "$U_DIR"
for u in lmtabled.service lmexport.socket 'lmexport@.service' lmprobe.service; do
	sed "s|/usr/local/bin/|$LM_BIN/|g" "$SV/systemd/$u" >"$U_DIR/$u"
done
check "lmexport.socket: Accept=yes" "no" grep -qx 'Accept=yes' "$SV/systemd/lmexport.socket"
check "lmexport@.service: stdin and stdout are the connection" "no" \
	grep -qx 'StandardOutput=socket' "$SV/systemd/lmexport@.service"
if have systemd-analyze && systemd-analyze --version >/dev/null 2>&1; then
	# the man pages of Documentation= are looked up: install them first
	mkdir -p "$T_DIR/man/man1" "$T_DIR/man/man5" "$T_DIR/man/man8"
	cp "$T_ROOT"/docs/*.1 "$T_DIR/man/man1/"
	cp "$T_ROOT"/docs/*.8 "$T_DIR/man/man8/"
	MANPATH=$T_DIR/man t_run systemd-analyze verify "$U_DIR/lmtabled.service" \
		"$U_DIR/lmexport.socket" "$U_DIR/lmexport@.service" "$U_DIR/lmprobe.service"
	expect "systemd-analyze verify: the units are clean" 0 '' ''
else
	skip "systemd-analyze verify" "no systemd-analyze"
fi
if have systemd-socket-activate && have curl; then
	# Accept=yes, StandardInput/Output=socket: one lmexport per connection
	ex=$(sed -n 's/^ExecStart=//p' "$U_DIR/lmexport@.service")
	lp=$(sed -n 's/^ListenStream=//p' "$SV/systemd/lmexport.socket")
	eq "lmexport.socket listens on port 9090" "$lp" 9090
	P=$(free_port)
	# shellcheck disable=SC2086 # ExecStart= is a word list
	# (like systemd, it passes on only the environment it is given: -E)
	t_bg systemd-socket-activate -l "127.0.0.1:$P" -E "LM_SOCKET=$M" --inetd -a $ex 2>"$T_DIR/ssa.err"
	SSA=$T_PID
	check "systemd-socket-activate --inetd -a runs lmexport@.service's ExecStart" \
		"$(t_head "$T_DIR/ssa.err")" wait_for 10 scraped_has "$P" "$APPLINE"
	t_stop "$SSA"
else
	skip "systemd socket activation (Accept=yes)" "no systemd-socket-activate or curl"
fi

# ---- openbsd-inetd: the inetd.conf line
if have inetd && have curl && inetd -h 2>&1 | grep -q 'usage: inetd \[-dEil\]'; then
	P=$(free_port)
	grep -v '^#' "$SV/inetd.conf" | grep . |
		sed "s|^9090|127.0.0.1:$P|; s|nobody|$U|; s|/usr/local/bin/|$LM_BIN/|" >"$T_DIR/inetd.conf"
	LM_SOCKET=$M t_bg inetd -d "$T_DIR/inetd.conf" 2>"$T_DIR/inetd.err"
	IP=$T_PID
	check "openbsd-inetd serves lmexport (inetd.conf line)" "$(t_head "$T_DIR/inetd.err")" \
		wait_for 10 scraped_has "$P" "$APPLINE"
	check "openbsd-inetd: lmexport ran as $U" "$(t_head "$T_DIR/inetd.err")" \
		grep -q "user:group=$U:" "$T_DIR/inetd.err"
	t_stop "$IP"
else
	skip "openbsd-inetd" "no openbsd-inetd or curl (sh scripts/deps.sh test)"
fi

# ---- xinetd: the xinetd.d/lmexport block (xinetd conflicts with
# openbsd-inetd as a package: scripts/deps.sh unpacks it under build/deps)
XI=$(command -v xinetd 2>/dev/null)
[ -z "$XI" ] && [ -x "$T_ROOT/build/deps/xinetd/usr/sbin/xinetd" ] &&
	XI=$T_ROOT/build/deps/xinetd/usr/sbin/xinetd
if [ -n "$XI" ] && have curl; then
	P=$(free_port)
	sed "s|= 9090|= $P|; s|= 0.0.0.0|= 127.0.0.1|; s|= nobody|= $U|; s|/usr/local/bin/|$LM_BIN/|" \
		"$SV/xinetd.d/lmexport" >"$T_DIR/xinetd.conf"
	LM_SOCKET=$M t_bg "$XI" -dontfork -f "$T_DIR/xinetd.conf" -pidfile "$T_DIR/xinetd.pid" \
		2>"$T_DIR/xinetd.err"
	XP=$T_PID
	check "xinetd serves lmexport (xinetd.d/lmexport)" "$(t_head "$T_DIR/xinetd.err")" \
		wait_for 10 scraped_has "$P" "$APPLINE"
	t_stop "$XP"
	eq "xinetd stops on SIGTERM" "$T_STATUS" 0
else
	skip "xinetd" "no xinetd or curl (sh scripts/deps.sh test)"
fi

# ---- docker: each Dockerfile's root directory, its ENTRYPOINT run there
# dk_build FILE ROOT: build ROOT from FILE's last stage: COPY (build/X is
# the binary under test; --from=busybox's tcpsvd stands in by the host's
# tcpsvd and its libraries), WORKDIR (made), ENV (to ROOT.env), ENTRYPOINT
# and CMD (to ROOT.entry, ROOT.cmd, one word a line). Returns 1 on a line
# it does not know.
dk_build() {
	_f=$1 _r=$2
	rm -rf "$_r"
	mkdir -p "$_r"
	: >"$_r.env"
	: >"$_r.entry"
	: >"$_r.cmd"
	# the last stage only
	_n=$(grep -n '^FROM ' "$_f" | tail -n 1 | cut -d: -f1)
	sed -n "$_n,\$p" "$_f" | grep -v '^#' | grep . >"$_r.lines"
	while read -r _k _rest; do
		case $_k in
		FROM) [ "$_rest" = scratch ] || return 1 ;;
		COPY)
			# shellcheck disable=SC2086 # words of the line
			set -- $_rest
			_from=
			case $1 in --from=*) _from=${1#--from=}; shift ;; esac
			_dst=
			for _a in "$@"; do _dst=$_a; done
			while [ $# -gt 1 ]; do
				case $_dst in */) _to=$_r$_dst${1##*/} ;; *) _to=$_r$_dst ;; esac
				mkdir -p "${_to%/*}"
				case $_from:$1 in
				busybox:/bin/busybox)
					cp "$(command -v tcpsvd)" "$_to" || return 1
					for _lib in $(ldd "$(command -v tcpsvd)" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
						mkdir -p "$_r${_lib%/*}"
						cp -L "$_lib" "$_r$_lib"
					done
					echo "$_to" >>"$_r.standin" ;;
				:build/*) cp "$LM_BIN/${1#build/}" "$_to" || return 1 ;;
				*) return 1 ;;
				esac
				shift
			done ;;
		WORKDIR) mkdir -p "$_r$_rest" ;;
		VOLUME) mkdir -p "$_r$_rest" ;;
		ENV) echo "$_rest" >>"$_r.env" ;;
		EXPOSE) echo "$_rest" >"$_r.port" ;;
		ENTRYPOINT) echo "$_rest" | awk -F'"' '{ for (i = 2; i <= NF; i += 2) print $i }' >"$_r.entry" ;;
		CMD) echo "$_rest" | awk -F'"' '{ for (i = 2; i <= NF; i += 2) print $i }' >"$_r.cmd" ;;
		*) return 1 ;;
		esac
	done <"$_r.lines"
	test -s "$_r.entry"
}
# dk_run ROOT UNSHARE_OPTS ARGS...: run the image in ROOT as `docker run
# -v VOL:/metrics IMAGE [ARGS]` would (no ARGS: its CMD), in its own mount
# namespace (plus UNSHARE_OPTS), with VOL bound on /metrics, and only the
# image's ENV; as t_bg, so T_PID is the container's first process.
dk_run() {
	_r=$1 _uo=$2
	shift 2
	if [ $# -eq 0 ]; then
		while IFS= read -r _a; do set -- "$@" "$_a"; done <"$_r.cmd"
	fi
	_e=
	while IFS= read -r _a; do _e="$_e $_a"; done <"$_r.env"
	# the container's first process: unshare, then (as root) a shell that
	# binds the volume and execs chroot into the image's ENTRYPOINT
	_s='r=$1 vol=$2 env=$3 entry=$4
		shift 4
		mkdir -p "$r/metrics" || exit 111    # docker makes the mount point
		mount --bind "$vol" "$r/metrics" || exit 111
		if [ -d "$r/host/proc" ]; then mount --bind /proc "$r/host/proc" || exit 111; fi
		ip link set lo up 2>/dev/null
		set -- $(cat "$entry") "$@"
		exec env -i $env "$(command -v chroot)" "$r" "$@"'
	# (not through t_bg: a caller's 3>FIFO would block the shell; the fifo
	# for fd 3 is named by DK_FD3 and opened by the background process)
	if [ -n "${DK_FD3:-}" ]; then
		unshare -m $_uo sh -c "$_s" dk "$_r" "$VOL" "$_e" "$_r.entry" "$@" 3>"$DK_FD3" &
	else
		unshare -m $_uo sh -c "$_s" dk "$_r" "$VOL" "$_e" "$_r.entry" "$@" &
	fi
	T_PID=$!
	T_PIDS="$T_PIDS $T_PID"
}
if is_sanitized; then
	skip "docker images as root dirs" "sanitizer build: dynamic binaries"
elif [ -z "$ROOT" ]; then
	skip "docker images as root dirs" "not root (chroot, bind mounts, namespaces)"
elif ! have unshare || ! have chroot || ! have curl || ! have nsenter; then
	skip "docker images as root dirs" "no unshare, chroot, nsenter or curl"
else
	VOL=$T_DIR/vol
	mkdir -p "$VOL"
	for n in lmtabled lmexport lmprobe example_app; do
		if dk_build "$DK/Dockerfile.$n" "$T_DIR/img.$n"; then
			ok "Dockerfile.$n: its root dir builds (COPY, WORKDIR, ENV, ENTRYPOINT)"
		else
			fail "Dockerfile.$n: its root dir builds" "a line not understood: $(cut -c1-80 "$T_DIR/img.$n.lines" | tr '\n' '|')"
		fi
		if [ -s "$T_DIR/img.$n.standin" ]; then
			note "Dockerfile.$n: $(cat "$T_DIR/img.$n.standin") stands in by the host's tcpsvd and its libraries"
		fi
	done
	for n in lmtabled lmexport lmprobe example_app; do
		check "Dockerfile.$n: FROM scratch" "no" grep -qx 'FROM scratch' "$DK/Dockerfile.$n"
	done
	# lmtabled: docker run -v /metrics:/metrics livemetrics/lmtabled -v -d 3
	I=$T_DIR/img.lmtabled
	eq "image lmtabled: only the binaries and /metrics" \
		"$(cd "$I" && find . | sort | tr '\n' ' ')" ". ./bin ./bin/lmhook ./bin/lmtabled ./metrics "
	fifo=$(t_fifo)
	DK_FD3=$fifo dk_run "$I" "" -v -d 3 2>"$T_DIR/c.tabled.err"
	CT=$T_PID
	if t_ready "$fifo"; then
		ok "image lmtabled: ready, socket in the volume"
	else
		fail "image lmtabled: ready" "$(t_head "$T_DIR/c.tabled.err")"
	fi
	check "image lmtabled: /metrics/live_metrics.sock on the host's volume" "no" \
		test -S "$VOL/live_metrics.sock"
	# an app container, its own pid namespace: docker run -v
	# /metrics:/metrics -e LM_APP=... (the image's ENV here)
	I=$T_DIR/img.example_app
	dk_run "$I" "-p -f --kill-child" 2>"$T_DIR/c.app.err"
	CA=$T_PID
	eq "image example_app: ENV LM_APP" "$(cat "$I.env")" "LM_APP=example"
	has_app() {
		"$HK" -s "$VOL/live_metrics.sock" dump >"$T_DIR/dump" 2>/dev/null &&
			grep -q '^fps:.*|r|.*#app:example,uid:' "$T_DIR/dump"
	}
	check "image example_app: reaches lmtabled through the volume" "$(t_head "$T_DIR/c.app.err")" \
		wait_for 10 has_app
	# the pid it claims is 1 in its namespace; the kernel's pid is tracked
	check "image example_app: up (tracked by the host's pid), no pid label" "$(grep 'app:example' "$T_DIR/dump" | head -n 2)" \
		sh -c "grep -q '^lm_app_up:1|g|#app:example,uid:' '$T_DIR/dump' && ! grep -q 'app:example,pid:' '$T_DIR/dump'"
	# lmexport: its own net namespace, docker run -p 9090:9090
	I=$T_DIR/img.lmexport
	eq "image lmexport: EXPOSE 9090" "$(cat "$I.port" 2>/dev/null)" 9090
	dk_run "$I" "-n" 2>"$T_DIR/c.export.err"
	CE=$T_PID
	in_ns_scrape() {
		nsenter -t "$CE" -n curl -sf -m 5 -o "$T_DIR/scrape" "http://127.0.0.1:9090/metrics" &&
			grep -q '^fps_hertz{app="example",' "$T_DIR/scrape"
	}
	check "image lmexport: tcpsvd + lmexport answer on port 9090 with the app's series" \
		"$(t_head "$T_DIR/c.export.err")" wait_for 10 in_ns_scrape
	# lmprobe: -v /proc:/host/proc:ro, its CMD (-r /host proc)
	I=$T_DIR/img.lmprobe
	mkdir -p "$I/host/proc"
	dk_run "$I" "" 2>"$T_DIR/c.probe.err"
	CP=$T_PID
	has_board() {
		"$HK" -s "$VOL/live_metrics.sock" dump >"$T_DIR/dump" 2>/dev/null &&
			grep -q '^host_memory_total_bytes:[0-9.e+]*|g|#app:board,' "$T_DIR/dump"
	}
	check "image lmprobe: the host's /proc sampled, sent as app board" "$(t_head "$T_DIR/c.probe.err")" \
		wait_for 10 has_board
	for p in "$CP" "$CE" "$CA"; do
		t_stop "$p" TERM 5
	done
	t_stop "$CT" TERM 5
	eq "image lmtabled: SIGTERM exits 0" "$T_STATUS" 0
	check "image lmtabled: socket removed from the volume" "left" test ! -e "$VOL/live_metrics.sock"
fi

# ---- make install, uninstall, dist
unset MAKEFLAGS MFLAGS MAKELEVEL
MK="make -C $T_ROOT O=$LM_BIN"
# the build must be up to date: make here must not rebuild what the suite tests
if ! have make || ! have sha256sum || ! have tar; then
	skip "make install and dist" "no make, sha256sum or tar"
elif ! $MK -q all units >/dev/null 2>&1; then
	skip "make install and dist" "the build in $LM_BIN is not up to date (run make first)"
else
	# mkvar NAME: the Makefile's NAME = ... (continuation lines joined)
	mkvar() {
		awk -v n="$1" '$1 == n && $2 == "=" { on = 1; sub(/^[^=]*= */, "") }
			on { c = sub(/\\$/, ""); printf "%s ", $0; if (!c) exit }' "$T_ROOT/Makefile"
	}
	bins=$(mkvar BINS | sed 's/\$(O)\///g')
	mans=$(mkvar MANS)
	note "Makefile BINS: $bins; MANS: $mans"
	DEST=$T_DIR/inst
	t_run $MK install DESTDIR="$DEST" PREFIX=/usr/local
	expect "make install DESTDIR=... PREFIX=/usr/local" 0 - ''
	for b in $bins; do
		check "make install: bin/$b" "missing" test -x "$DEST/usr/local/bin/$b"
	done
	for m in $mans; do
		s=${m##*.}
		check "make install: share/man/man$s/${m##*/}" "missing" \
			test -f "$DEST/usr/local/share/man/man$s/${m##*/}"
	done
	check "make install: include/lm.h and lib/liblm.a" "missing" \
		test -f "$DEST/usr/local/include/lm.h" -a -f "$DEST/usr/local/lib/liblm.a"
	# what apps link holds the hook's parts only; the tools' internals
	# (the table, the exposition, the report) stay in the build
	eq "make install: liblm.a holds no tool internals" \
		"$(nm "$DEST/usr/local/lib/liblm.a" 2>/dev/null | grep -cE ' T lm_(table|expo|report|session|http)_')" 0
	check "make install: liblm.a has the hook" "no lm_timer_stop" \
		sh -c "nm '$DEST/usr/local/lib/liblm.a' | grep -q ' T lm_timer_stop\$'"
	check "make install: the tools' library is not installed" "installed" \
		test ! -e "$DEST/usr/local/lib/liblmtools.a"
	t_run $MK uninstall DESTDIR="$DEST" PREFIX=/usr/local
	expect "make uninstall" 0 - ''
	eq "make uninstall removes every file" "$(find "$DEST" -type f | head -n 3)" ""

	t_run $MK dist DISTDIR="$T_DIR/dist"
	expect "make dist DISTDIR=..." 0 - ''
	tgz=
	for f in "$T_DIR"/dist/livemetrics-*.tar.gz; do
		[ -f "$f" ] && tgz=$f
	done
	check "make dist: a tarball" "none in $T_DIR/dist" test -n "$tgz"
	if [ -n "$tgz" ]; then
		(cd "$T_DIR/dist" && t_run sha256sum -c SHA256SUMS)
		expect "make dist: SHA256SUMS checks" 0 '~: OK$' ''
		mkdir "$T_DIR/x"
		tar -xzf "$tgz" -C "$T_DIR/x"
		top=$(ls "$T_DIR/x")
		check "make dist: one top directory livemetrics-VERSION-..." "$top" starts_with "$top" livemetrics-
		X=$T_DIR/x/$top
		for b in $bins; do
			check "make dist: bin/$b" "missing" test -x "$X/bin/$b"
		done
		for m in $mans; do
			s=${m##*.}
			check "make dist: share/man/man$s/${m##*/}" "missing" test -f "$X/share/man/man$s/${m##*/}"
		done
		for f in share/livemetrics/service/systemd/lmexport.socket share/livemetrics/docker/Dockerfile.lmtabled \
			share/livemetrics/fleet/rules.yml share/doc/livemetrics/deploy.md LICENSE; do
			check "make dist: $f" "missing" test -f "$X/$f"
		done
		(cd "$X" && t_run sha256sum -c SHA256SUMS)
		expect "make dist: the files' SHA256SUMS inside check" 0 '!FAILED' ''
	fi
fi

t_stop "$TABLED_PID" TERM 5
t_done
