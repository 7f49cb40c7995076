#!/bin/sh
# lm-test: seconds 40
# lm-test: busybox
# shellcheck disable=SC2317 # functions are called through check and wait_for
# The docs match the code: every option of each tool's -h is in its man
# page (SYNOPSIS as the usage string, OPTIONS item), the pages lint clean
# (mandoc -Tlint, warnings and worse), the README's marked examples run as
# written, and the shell scripts are shellcheck clean.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

cd "$T_ROOT" || exit 111

# ---- -h and the man pages
for pair in lmhook:docs/lmhook.1 lmtabled:docs/lmtabled.8 lmexport:docs/lmexport.8 lmprobe:docs/lmprobe.1 lmsession:docs/lmsession.1; do
	tool=${pair%%:*}
	man=${pair#*:}
	if [ ! -f "$man" ]; then
		fail "$man exists" "missing"
		continue
	fi
	usage=$(timeout 5 "$LM_BIN/$tool" -h 2>&1 | head -n 1)
	check "$tool -h prints its usage" "got: $usage" starts_with "$usage" "usage: $tool "
	# options as [-X] or [-X ARG]
	echo "$usage" | grep -oE '\[-[a-zA-Z]( [A-Z.]+)?\]' | tr -d '[]' >"$T_DIR/opts"
	check "$tool: usage has options" "none in: $usage" test -s "$T_DIR/opts"
	while read -r flag arg; do
		x=${flag#-}
		if [ -n "$arg" ]; then op=".Op Fl $x Ar $arg"; else op=".Op Fl $x"; fi
		check "$man SYNOPSIS: $op (as in -h)" "not in the page" grep -qxF "$op" "$man"
		check "$man OPTIONS: .It Fl $x" "not in the page" grep -Eq "^\\.It Fl $x( |\$)" "$man"
	done <"$T_DIR/opts"
	check "$man documents -h" "no .It Fl h" grep -Eq '^\.It Fl h( |$)' "$man"
	# -h: every option on a line of its own; --help the same; the page's
	# options are all in the usage, and the other way round (above)
	timeout 5 "$LM_BIN/$tool" -h >"$T_DIR/h.out" 2>&1
	while read -r flag arg; do
		check "$tool -h describes $flag on a line of its own" "no line '  $flag' in -h" \
			grep -Eq "^  $flag([ ,]|\$)" "$T_DIR/h.out"
	done <"$T_DIR/opts"
	check "$tool -h describes -h" "no line '  -h'" grep -Eq '^  -h([ ,]|$)' "$T_DIR/h.out"
	t_case "$tool --help: the same as -h, exit 0" 0 "=$(cat "$T_DIR/h.out")" '' "$LM_BIN/$tool" --help
	echo "$usage" >"$T_DIR/usage1"
	sed -n '/^\.Sh OPTIONS/,/^\.Sh /s/^\.It Fl \([a-zA-Z0-9]\).*/\1/p' "$man" >"$T_DIR/manopts"
	while read -r x; do
		[ "$x" = h ] && continue
		check "$tool usage has -$x (an option of $man)" "not in: $usage" \
			grep -Eq "\[-${x}[] ]" "$T_DIR/usage1"
	done <"$T_DIR/manopts"
	# a usage error: the problem in one line, the usage line, a pointer to -h
	t_run "$LM_BIN/$tool" -Z
	expect "$tool -Z: exit 100, nothing on stdout" 100 '' -
	# shellcheck disable=SC2016 # expanded by the inner sh
	check "$tool -Z: names the option, then the usage line, then -h" "$(t_head "$T_DIR/err")" \
		sh -c 'test "$(wc -l <"$1")" -eq 3 && sed -n 1p "$1" | grep -q "unknown option -Z" &&
			sed -n 2p "$1" | grep -q "^usage: $2 " && sed -n 3p "$1" | grep -qx "$2 -h lists every option"' \
		sh "$T_DIR/err" "$tool"
	for sec in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT SIGNALS 'EXIT STATUS' FILES EXAMPLES 'SEE ALSO'; do
		check "$man has section $sec" "no .Sh $sec" grep -qxF ".Sh $sec" "$man"
	done
	for code in 0 100 111; do
		check "$man EXIT STATUS lists $code" "no .It $code" grep -qx "\\.It $code" "$man"
	done
	check "$man ENVIRONMENT: LM_SOCKET" "no .It Ev LM_SOCKET" grep -qx '\.It Ev LM_SOCKET' "$man"
done
# lmhook's commands, each an item in lmhook.1
timeout 5 "$LM_BIN/lmhook" -h 2>&1 | awk '/^commands:/ { c = 1; next } /^options:/ { c = 0 } c && NF { print $1 }' >"$T_DIR/cmds"
check "lmhook -h lists commands" "none" test -s "$T_DIR/cmds"
# item LINE FILE: FILE has LINE, alone or followed by a space
item() {
	P=$1 awk '$0 == ENVIRON["P"] || index($0, ENVIRON["P"] " ") == 1 { f = 1 }
		END { exit !f }' "$2"
}
while read -r c; do
	[ "$c" = - ] && c='\-'
	check "lmhook.1 documents command $c" "no .It Cm $c" item ".It Cm $c" docs/lmhook.1
done <"$T_DIR/cmds"
check "lm-wire.5 exists" "missing" test -s docs/lm-wire.5

# the lints read the sources, not the build, nor do they depend on the
# shell: once, in the static build's pass under sh
lint_pass() {
	! is_sanitized && [ "${LM_TEST_SH:-sh}" = sh ]
}

if ! lint_pass; then
	skip "mandoc -Tlint" "once, in the static build's pass under sh"
elif have mandoc; then
	for m in docs/*.[158]; do
		t_case "mandoc -Tlint -Wwarning $m: clean" 0 '' '' mandoc -Tlint -Wwarning "$m"
	done
else
	skip "mandoc -Tlint" "no mandoc (sh scripts/deps.sh test)"
fi
# the pages as a reader sees them: no quote opened inside another (an
# inline macro taken as text, a Ql span that swallowed the next), and the
# phrases that once came out broken come out whole
if lint_pass && have mandoc; then
	for m in docs/*.[158]; do
		mandoc -T ascii "$m" 2>/dev/null | col -b >"$T_DIR/page"
		# shellcheck disable=SC2016 # awk's own fields
		check "$m renders: no quote inside a quote" \
			"$(awk '{ d = 0; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1)
				if (c == "`" && substr($0, i - 1, 1) != "\\") { if (++d > 1) { print; next } }
				else if (c == "\047" && d > 0) d-- } }' "$T_DIR/page" | head -n 1)" \
			awk '{ d = 0; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1)
				if (c == "`" && substr($0, i - 1, 1) != "\\") { if (++d > 1) bad = 1 }
				else if (c == "\047" && d > 0) d-- } } END { exit bad }' "$T_DIR/page"
	done
	check "lmexport.8 renders: No such file or directory, whole" "broken" \
		sh -c '! mandoc -T ascii docs/lmexport.8 | col -b | grep -q "[^o] such file or directory"'
fi

# ---- README
check "README: make demo" "missing" grep -q '^make demo' README.md
check "README: make test" "missing" grep -q '^make test' README.md
for l in docs/lmhook.1 docs/lmtabled.8 docs/lmexport.8 docs/lm-wire.5 docs/design.md; do
	check "README links $l" "no link" grep -qF "($l)" README.md
done
# the fenced blocks after a line "<!-- test -->" run, in order, as one
# script, in an empty directory with the binaries under test on PATH,
# under the shell this file runs under (dash, then busybox sh)
awk '/^<!-- test -->$/ { want = 1; next }
	want && /^```/ {
		if (inblk) { inblk = 0; want = 0; n++; print "echo \"@@ block " n " ran\"" }
		else inblk = 1
		next
	}
	inblk { print }' README.md >"$T_DIR/readme.sh"
nblk=$(grep -c '^echo "@@ block' "$T_DIR/readme.sh")
check "README has marked example blocks" "none" test "$nblk" -gt 0
# the examples serve on 9090: use a free port instead (the only change)
port=$(free_port)
sed "s/9090/$port/g" "$T_DIR/readme.sh" >"$T_DIR/readme.run"
mkdir "$T_DIR/cwd"
(
	# shellcheck disable=SC2086 # "busybox sh" is two words
	cd "$T_DIR/cwd" && PATH=$LM_BIN:$PATH exec setsid ${LM_TEST_SH:-sh} -e "$T_DIR/readme.run"
) >"$T_DIR/readme.out" 2>"$T_DIR/readme.err" &
RP=$!
T_PIDS="$T_PIDS $RP"
# setsid: the examples' background processes share a process group,
# killed whole on the way out
T_CLEANUP_EXTRA='kill -KILL -'$RP' 2>/dev/null'
if t_reap "$RP" 60; then
	eq "README examples exit 0" "$T_STATUS" 0
else
	fail "README examples exit 0" "still running after 60 s"
fi
i=1
while [ "$i" -le "$nblk" ]; do
	check "README example block $i runs" "stderr: $(t_head "$T_DIR/readme.err")" \
		grep -q "^@@ block $i ran\$" "$T_DIR/readme.out"
	i=$((i + 1))
done
check "README example: dump shows frames:10" "$(t_head "$T_DIR/readme.out")" \
	grep -q '^frames:10|c|#app:myapp,' "$T_DIR/readme.out"
check "README example: exposition shows x 3" "$(t_head "$T_DIR/readme.out")" \
	grep -q '^x{app="myapp",uid="[0-9]*"} 3$' "$T_DIR/readme.out"
check "README example: HTTP 200" "$(t_head "$T_DIR/readme.out")" \
	grep -q '^HTTP/1\.[01] 200 OK' "$T_DIR/readme.out"
# (a moment's grace for processes on their way out)
nothing_left() {
	[ -z "$(ps -o pid= -s "$RP" 2>/dev/null)" ]
}
check "README examples leave no process behind" "$(ps -o pid=,args= -s "$RP" 2>/dev/null | head -n 3)" \
	wait_for 5 nothing_left
# the Prometheus config snippet
awk '/^<!-- test prometheus.yml -->$/ { want = 1; next }
	want && /^```/ { if (inblk) exit; inblk = 1; next }
	inblk { print }' README.md >"$T_DIR/prometheus.yml"
if have promtool; then
	t_case "README prometheus.yml: promtool check config" 0 - - \
		promtool check config "$T_DIR/prometheus.yml"
else
	skip "README prometheus.yml: promtool check config" "no promtool"
fi

# ---- shell scripts: shellcheck clean (one run, a case per file)
if ! lint_pass; then
	skip "shellcheck" "once, in the static build's pass under sh"
elif have shellcheck; then
	set --
	for f in scripts/*.sh test/run.sh test/lib.sh test/it/*.sh test/fuzz/*.sh docs/examples/app.sh; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	timeout 280 shellcheck -s sh -x -f gcc "$@" >"$T_DIR/sc.out" 2>&1
	rc=$?
	check "shellcheck ran (exit 0 or 1)" "exit $rc: $(t_head "$T_DIR/sc.out")" test "$rc" -le 1
	for f in "$@"; do
		# shellcheck disable=SC2016 # expanded by the inner sh
		check "shellcheck -s sh $f" "$(grep -F "$f:" "$T_DIR/sc.out" | head -n 2 | tr '\n' '|')" \
			sh -c '! grep -qF "$1:" "$2"' sh "$f" "$T_DIR/sc.out"
	done
	if [ -f .ci/run ]; then
		t_case "shellcheck .ci/run (bash)" 0 '' '' shellcheck -s bash .ci/run
	fi
else
	skip "shellcheck" "no shellcheck (sh scripts/deps.sh test)"
fi

t_done
