# shellcheck shell=sh disable=SC2034 # variables for the test files
# test/lib.sh: helpers for the integration tests in test/it/ (POSIX sh;
# runs under dash and busybox sh). A test file starts with
#	. "${0%/*}/../lib.sh"
# and reports each case as one line on stdout:
#	ok FILE: CASE
#	FAIL FILE: CASE: why
#	skip FILE: CASE: why
# test/run.sh counts those lines. Environment: LM_BIN, the build directory
# holding the binaries (made absolute here).
#
# Every process a file starts goes through t_bg (or start_tabled), and the
# EXIT trap stops them all; the temp dir T_DIR is removed too. Nothing
# waits on a bare sleep: daemons signal readiness (-d), the rest is polled
# by wait_for with a deadline.

set -u
T_NAME=${0##*/}
T_NAME=${T_NAME%.sh}
T_ROOT=$(cd "${0%/*}/../.." && pwd)
if [ -z "${LM_BIN:-}" ]; then
	echo "$T_NAME: fatal: LM_BIN is not set (the build directory)" >&2
	exit 100
fi
case $LM_BIN in
/*) ;;
*) LM_BIN=$(cd "$LM_BIN" && pwd) || exit 100 ;;
esac
export LM_BIN
# the tests choose their sockets and app names themselves
unset LM_SOCKET LM_APP
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lmt-$T_NAME.XXXXXX") || exit 111
T_PIDS=
T_NFAIL=0
T_NCASE=0
T_TIMEOUT=${T_TIMEOUT:-20}   # seconds any one foreground command may take
T_SEQ=0

# ---- case recording

ok() {
	T_NCASE=$((T_NCASE + 1))
	printf 'ok %s: %s\n' "$T_NAME" "$1"
}
fail() {
	T_NCASE=$((T_NCASE + 1))
	T_NFAIL=$((T_NFAIL + 1))
	printf 'FAIL %s: %s: %s\n' "$T_NAME" "$1" "$2"
}
skip() {
	T_NCASE=$((T_NCASE + 1))
	printf 'skip %s: %s: %s\n' "$T_NAME" "$1" "$2"
}
# check NAME WHY-IF-FALSE CMD...: ok when CMD succeeds
check() {
	_cn=$1 _cw=$2
	shift 2
	if "$@"; then ok "$_cn"; else fail "$_cn" "$_cw"; fi
}
# note TEXT: a comment line in the output (not counted)
note() {
	printf '# %s: %s\n' "$T_NAME" "$*"
}

# ---- processes

# t_bg CMD...: start CMD in the background, remember its pid in T_PID.
# Redirections on the t_bg call apply to it as a whole (made by the calling
# shell): never redirect to a fifo there.
t_bg() {
	"$@" &
	T_PID=$!
	T_PIDS="$T_PIDS $T_PID"
}

# t_alive PID: PID runs (not gone, not a zombie)
t_alive() {
	# (read, not sed: the polls of a suite add up to thousands of forks)
	{ read -r _st <"/proc/$1/stat"; } 2>/dev/null || return 1
	_st=${_st##*) }   # the state follows the last ") " (comm may hold any)
	_st=${_st%% *}
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# t_wait_gone PID SECS: wait at most SECS for PID to end
t_wait_gone() {
	_n=$(($2 * 20))
	while t_alive "$1"; do
		[ "$_n" -gt 0 ] || return 1
		_n=$((_n - 1))
		sleep 0.05
	done
	return 0
}

# t_stop PID [SIG [SECS]]: signal PID (default TERM), wait at most SECS
# (default 5) for it to end, then KILL it. Sets T_STATUS to its exit status
# (as the shell reports it: 128+N for a signal), 124 when it had to be killed.
t_stop() {
	_p=$1 _sig=${2:-TERM} _secs=${3:-5}
	kill "-$_sig" "$_p" 2>/dev/null
	if t_wait_gone "$_p" "$_secs"; then
		wait "$_p" 2>/dev/null
		T_STATUS=$?
	else
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
		T_STATUS=124
	fi
	_np=
	for _q in $T_PIDS; do
		[ "$_q" = "$_p" ] || _np="$_np $_q"
	done
	T_PIDS=$_np
	return 0
}

# t_reap PID SECS: wait at most SECS for PID to end by itself (no signal);
# T_STATUS as for t_stop. Returns 1 (and kills it) when it did not end.
t_reap() {
	if t_wait_gone "$1" "$2"; then
		t_stop "$1" 0
		return 0
	fi
	t_stop "$1" KILL 2
	T_STATUS=124
	return 1
}

t_cleanup() {
	for _q in $T_PIDS; do
		kill -TERM "$_q" 2>/dev/null
		kill -CONT "$_q" 2>/dev/null
	done
	for _q in $T_PIDS; do
		t_wait_gone "$_q" 5 || kill -KILL "$_q" 2>/dev/null
		wait "$_q" 2>/dev/null
	done
	T_PIDS=
	[ -n "${T_CLEANUP_EXTRA:-}" ] && eval "$T_CLEANUP_EXTRA"
	rm -rf "$T_DIR"
}
trap 't_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# t_done: last line of every test file; exit status 1 if any case failed
t_done() {
	if [ "$T_NCASE" -eq 0 ]; then
		echo "FAIL $T_NAME: no case ran"
		exit 1
	fi
	[ "$T_NFAIL" -eq 0 ]
	exit
}

# ru_fifo FILE: a FIFO, FILE.fifo, for lmt_rusage to write its line into
# (a pipe costs it no storage bytes, so its own I/O stays out of the
# figures compared); a reader outside the tree moves the line to FILE
ru_fifo() {
	rm -f "$1" "$1.fifo"
	mkfifo "$1.fifo" || return 1
	# shellcheck disable=SC2016 # expanded by the reader's shell
	t_bg sh -c 'head -n 1 <"$1.fifo" >"$1.part" && mv "$1.part" "$1"' sh "$1"
}

# ---- waiting

# wait_for SECS CMD...: run CMD every 0.1 s until it succeeds, at most SECS
wait_for() {
	_wn=$(($1 * 10))
	shift
	while ! "$@"; do
		[ "$_wn" -gt 0 ] || return 1
		_wn=$((_wn - 1))
		sleep 0.1
	done
	return 0
}

# free_port: print a TCP port of 127.0.0.1 that was free a moment ago
# (bind port 0 and read back the port the kernel chose)
free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
			LocalPort => 0, Proto => "tcp", Listen => 1, ReuseAddr => 1)
			or die "free_port: $!\n";
		print $s->sockport, "\n";'
}

# ---- lmtabled

# t_ready FIFO: wait (at most 10 s) for a readiness newline on FIFO, which
# a daemon started with -d 3 3>FIFO writes once ready; 1 when none came
t_ready() {
	timeout 10 head -n 1 "$1" >"$1.got" 2>/dev/null
	# exactly one newline: a line read whole (it ends in one), empty, and
	# nothing after it (head stops at the first)
	_rl=x
	{ IFS= read -r _rl <"$1.got"; } 2>/dev/null && [ -z "$_rl" ]
}

# t_leaks: LeakSanitizer's check at exit for every process of this file.
# lmhook and lmexport are built to skip it (LM_ONE_SHOT in lib/lm_msg.h:
# their runs are many and the check costs about 37 ms each); the files
# that test them call this, so every path of theirs is leak-checked.
t_leaks() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
	export ASAN_OPTIONS
}

# t_fifo: make a new fifo, print its path
t_fifo() {
	T_SEQ=$((T_SEQ + 1))
	rm -f "$T_DIR/ready.$T_SEQ"
	mkfifo "$T_DIR/ready.$T_SEQ" && echo "$T_DIR/ready.$T_SEQ"
}

# start_tabled SOCK [ARGS...]: start lmtabled on SOCK, wait (at most 10 s)
# for its readiness newline on fd 3. Sets TABLED_PID; its stderr goes to
# SOCK.err. Returns 1 when it did not become ready (then it is stopped and
# T_STATUS holds its exit status).
start_tabled() {
	_sock=$1
	shift
	_fifo=$(t_fifo) || return 1
	# (not through t_bg: redirections of a function call are made by the
	# calling shell, and opening the fifo would block it)
	"$LM_BIN/lmtabled" -d 3 -s "$_sock" "$@" 3>"$_fifo" 2>"$_sock.err" &
	TABLED_PID=$!
	T_PIDS="$T_PIDS $TABLED_PID"
	t_ready "$_fifo" && return 0
	t_stop "$TABLED_PID" TERM 2
	return 1
}

# send_dgram SOCK: send stdin, whole, as one datagram to unix socket SOCK
send_dgram() {
	perl -MSocket -e '
		socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
		setsockopt($s, SOL_SOCKET, SO_SNDBUF, 1 << 20);
		binmode STDIN; local $/; my $d = <STDIN>; $d = "" unless defined $d;
		defined(send($s, $d, 0, pack_sockaddr_un($ARGV[0])))
			or die "send_dgram: $!\n";' "$1"
}

# send_lines SOCK LINE...: send each LINE (printf %b escapes allowed, e.g.
# \0, \377) as a datagram of its own, without a newline
send_lines() {
	_ss=$1
	shift
	for _l in "$@"; do
		printf '%b' "$_l" | send_dgram "$_ss" || return 1
	done
}

# ---- running commands

# t_run CMD...: run CMD under a timeout of T_TIMEOUT seconds; stdin is the
# caller's (use </dev/null or a pipe); stdout, stderr and the exit status
# go to $T_DIR/out, $T_DIR/err and $T_DIR/rc (files, so that t_run may end
# a pipeline, which runs in a subshell).
t_run() {
	timeout -k 2 "$T_TIMEOUT" "$@" >"$T_DIR/out" 2>"$T_DIR/err"
	echo $? >"$T_DIR/rc"
}

# t_match SPEC FILE: does FILE's content match SPEC?
#	-       anything
#	(empty) must be empty
#	~ERE    some line matches ERE
#	!ERE    no line matches ERE
#	=TEXT   content is exactly TEXT (plus a final newline)
t_match() {
	case $1 in
	-) return 0 ;;
	'') [ ! -s "$2" ] ;;
	'~'*) grep -Eq -e "${1#\~}" "$2" ;;
	'!'*) ! grep -Eq -e "${1#!}" "$2" ;;
	'='*)
		# the file is the text and a newline, exactly (read, not a
		# $(cat): a fork and an exec a case add up over the suite)
		_mc='' _ml=''
		{ while IFS= read -r _ml; do
			_mc="$_mc$_ml
"
		done <"$2"; } 2>/dev/null || :
		[ -z "$_ml" ] && [ "$_mc" = "${1#=}
" ] ;;
	*) echo "t_match: bad spec: $1" >&2; return 1 ;;
	esac
}

# t_head FILE: the first two lines of FILE, on one line, for messages
t_head() {
	head -n 2 "$1" 2>/dev/null | tr '\n' '|' | cut -c1-200
}

# t_errof FILE: the telling part of a stderr file, on one line
t_errof() {
	if grep -Eq 'Sanitizer|runtime error' "$1" 2>/dev/null; then
		grep -E -m 2 'ERROR|runtime error|#[0-3] ' "$1" | tr '\n' '|' | cut -c1-300
	else
		t_head "$1"
	fi
}

# t_why: stderr (else stdout) of the last t_run, for messages
t_why() {
	if [ -s "$T_DIR/err" ]; then
		echo "stderr: $(t_errof "$T_DIR/err")"
	else
		echo "stdout: $(t_head "$T_DIR/out")"
	fi
}

# expect NAME RC OUT ERR: compare the last t_run with what is expected.
# RC: a number, 'N|M' (either), '-' (any) or '!N' (anything but N). OUT, ERR: t_match specs.
expect() {
	_en=$1 _erc=$2 _eout=$3 _eerr=$4
	{ read -r _rc <"$T_DIR/rc"; } 2>/dev/null || _rc=none
	case $_erc in
	-) ;;
	*'|'*)
		case "|$_erc|" in
		*"|$_rc|"*) ;;
		*)
			fail "$_en" "exit $_rc, want $_erc; $(t_why)"
			return 1 ;;
		esac ;;
	'!'*)
		if [ "$_rc" = "${_erc#!}" ]; then
			fail "$_en" "exit $_rc, want anything else; $(t_why)"
			return 1
		fi ;;
	*)
		if [ "$_rc" != "$_erc" ]; then
			fail "$_en" "exit $_rc, want $_erc; $(t_why)"
			return 1
		fi ;;
	esac
	if ! t_match "$_eout" "$T_DIR/out"; then
		fail "$_en" "stdout does not match '$_eout'; got: $(t_head "$T_DIR/out")"
		return 1
	fi
	if ! t_match "$_eerr" "$T_DIR/err"; then
		fail "$_en" "stderr does not match '$_eerr'; got: $(t_head "$T_DIR/err")"
		return 1
	fi
	ok "$_en"
}

# t_case NAME RC OUT ERR CMD...: t_run CMD, then expect
t_case() {
	_tn=$1 _trc=$2 _tout=$3 _terr=$4
	shift 4
	t_run "$@"
	expect "$_tn" "$_trc" "$_tout" "$_terr"
}

# ---- reading the dump and the exposition

# dump_value FILE NAME TYPE APP: the value of the dump line NAME:VALUE|TYPE
# tagged app:APP
dump_value() {
	awk -F'|' -v name="$2" -v type="$3" -v app="$4" '
		index($1, name ":") == 1 && $2 == type {
			for (i = 3; i <= NF; i++)
				if (substr($i, 1, 1) == "#" &&
				    index("," substr($i, 2) ",", ",app:" app ",") > 0) {
					print substr($1, length(name) + 2); exit
				}
		}' "$1"
}

# dump_field FILE NAME TYPE APP FIELD: the value of field FIELD (e.g. "r:",
# "l:", "b:") of that dump line
dump_field() {
	awk -F'|' -v name="$2" -v type="$3" -v app="$4" -v f="$5" '
		index($1, name ":") == 1 && $2 == type {
			hit = 0; val = ""
			for (i = 3; i <= NF; i++) {
				if (substr($i, 1, 1) == "#" &&
				    index("," substr($i, 2) ",", ",app:" app ",") > 0)
					hit = 1
				if (index($i, f) == 1)
					val = substr($i, length(f) + 1)
			}
			if (hit) { print val; exit }
		}' "$1"
}

# dump_count FILE NAME TYPE APP: the observations of a timer or histogram
# dump line: the counts of its h:, H: and z: fields added up
dump_count() {
	for _f in h: H: z:; do
		dump_field "$1" "$2" "$3" "$4" "$_f" | tr ',' '\n' | awk -F= '{ print $NF }'
	done | awk '{ s += $1 } END { print s + 0 }'
}

# expo_value FILE NAME [LABEL=VALUE...]: the value of the first sample of
# series NAME (exactly) whose labels include every LABEL="VALUE" given
expo_value() {
	_ef=$1 _ename=$2
	shift 2
	awk -v name="$_ename" -v want="$*" '
		/^#/ { next }
		{
			line = $0
			if (index(line, name "{") == 1) {
				rest = substr(line, length(name) + 2)
				end = index(rest, "} ")
				if (!end) next
				labels = "," substr(rest, 1, end - 1) ","
				val = substr(rest, end + 2)
			} else if (index(line, name " ") == 1) {
				labels = ",,"
				val = substr(line, length(name) + 2)
			} else next
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				eq = index(w[i], "=")
				lab = substr(w[i], 1, eq - 1) "=\"" substr(w[i], eq + 1) "\""
				if (index(labels, "," lab ",") == 0) next
			}
			sub(/ .*/, "", val)
			print val; exit
		}' "$_ef"
}

# num_gt A B: A > B, as numbers
num_gt() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'
}

# eq NAME GOT WANT: ok when GOT = WANT (strings)
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# dump SOCK FILE: lmhook dump into FILE; returns its exit status (a hang:
# 124 after T_DUMP_TIMEOUT seconds, default 10)
dump() {
	timeout "${T_DUMP_TIMEOUT:-10}" "$LM_BIN/lmhook" -s "$1" dump >"$2" 2>"$2.err"
}

# expo SOCK FILE: lmexport -p into FILE
expo() {
	timeout 10 "$LM_BIN/lmexport" -p -s "$1" >"$2" 2>"$2.err"
}

# all_lines_start FILE PREFIX: every line of FILE starts with PREFIX
all_lines_start() {
	awk -v p="$2" 'index($0, p) != 1 { bad = 1 } END { exit bad }' "$1"
}

# no_line FILE ERE: no line of FILE matches ERE
no_line() {
	! grep -Eq -e "$2" "$1"
}

# starts_with STR PREFIX, contains STR SUB, one_of STR WORD...
starts_with() {
	case $1 in "$2"*) return 0 ;; esac
	return 1
}
contains() {
	case $1 in *"$2"*) return 0 ;; esac
	return 1
}
one_of() {
	_o=$1
	shift
	for _w in "$@"; do
		[ "$_o" = "$_w" ] && return 0
	done
	return 1
}

# have CMD: CMD is on PATH
have() {
	command -v "$1" >/dev/null 2>&1
}

# is_sanitized: the binaries were built with ASan/UBSan (dynamic, slower)
is_sanitized() {
	grep -q __asan_init "$LM_BIN/lmtabled" 2>/dev/null
}

# ---- a real Prometheus (test/it/prometheus.sh, test/it/promhist.sh)

# serve START: START is a function that starts a TCP server on $PORT
# (through t_bg); wait until it answers GET /metrics (body in
# $T_DIR/curl.out). Sets PORT and SERVER_PID. Tries 3 free ports.
serve() {
	for _try in 1 2 3; do
		PORT=$(free_port) || return 1
		"$1"
		SERVER_PID=$T_PID
		if wait_for 10 served; then
			return 0
		fi
		t_stop "$SERVER_PID"
	done
	return 1
}
served() {
	t_alive "$SERVER_PID" || return 1
	curl -sf -o "$T_DIR/curl.out" "http://127.0.0.1:$PORT/metrics"
}

# prom_config JOB:PORT...: $T_DIR/prometheus.yml, scraping and evaluating
# every second, one job a target 127.0.0.1:PORT
prom_config() {
	{
		printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n'
		printf 'scrape_configs:\n'
		for _j in "$@"; do
			printf '  - job_name: %s\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' \
				"${_j%%:*}" "${_j#*:}"
		done
	} >"$T_DIR/prometheus.yml"
}

# prom_start CONFIG [FLAG...]: start prometheus with CONFIG and FLAGs on a
# free port of 127.0.0.1, its TSDB in T_DIR, its log in
# $T_DIR/prometheus.log; wait (at most 30 s) until ready; 3 tries. Sets
# PROM (pid) and PPORT. Returns 1 when it never got ready.
prom_start() {
	_pcfg=$1
	shift
	for _try in 1 2 3; do
		PPORT=$(free_port)
		t_bg prometheus --config.file="$_pcfg" --storage.tsdb.path="$T_DIR/tsdb" \
			--web.listen-address="127.0.0.1:$PPORT" --log.level=warn "$@" \
			2>"$T_DIR/prometheus.log"
		PROM=$T_PID
		if wait_for 30 prom_ready; then
			return 0
		fi
		t_stop "$PROM"
	done
	return 1
}
prom_ready() {
	t_alive "$PROM" && curl -sf -o /dev/null "http://127.0.0.1:$PPORT/-/ready"
}
# query EXPR: the first result's value from Prometheus's query API (empty
# when none); the whole answer in $T_DIR/q.json
query() {
	curl -sf -G --data-urlencode "query=$1" \
		"http://127.0.0.1:$PPORT/api/v1/query" >"$T_DIR/q.json" 2>/dev/null || return 1
	sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p' "$T_DIR/q.json"
}
# has EXPR WANT: the query's value is WANT
has() {
	[ "$(query "$1")" = "$2" ]
}
