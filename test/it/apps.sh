#!/bin/sh
# shellcheck disable=SC2317 # functions are called through check and wait_for
# docs/apps.md, the page for app developers, runs as written: its blocks
# marked "<!-- test -->" run in order as one sh script, and a block marked
# "<!-- test FILE -->" is written to FILE at that point (the Python and C
# examples the shell blocks then run). They run in an empty directory
# holding lib/ (the tree's) and build/ (the build under test).
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

cd "$T_ROOT" || exit 111
DOC=docs/apps.md
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi
if [ -z "$PY" ]; then
	skip "$DOC examples" "no python3"
	t_done
fi

awk '/^<!-- test -->$/ { want = 1; file = ""; next }
	/^<!-- test [^ ]+ -->$/ { want = 1; file = $3; next }
	want && /^```/ {
		if (inblk) {
			inblk = 0; want = 0
			if (file == "") { n++; print "echo \"@@ block " n " ran\"" }
			else print "LM_DOC_EOF"
		} else {
			inblk = 1
			if (file != "") print "cat >\"" file "\" <<'\''LM_DOC_EOF'\''"
		}
		next
	}
	inblk { print }' "$DOC" >"$T_DIR/doc.sh"
nblk=$(grep -c '^echo "@@ block' "$T_DIR/doc.sh")
check "$DOC has marked example blocks" "none" test "$nblk" -gt 0
for f in seeds_app.py app.py knob_app.c; do
	check "$DOC has the file $f" "no block marked <!-- test $f -->" grep -q "^cat >\"$f\" " "$T_DIR/doc.sh"
done
t_case "$DOC: the script is sh" 0 '' '' sh -n "$T_DIR/doc.sh"

# the directory the examples run in; python3 is $PY (Debian's); cc builds
# against build/liblm.a as it was built (ASan: with the sanitizers)
mkdir "$T_DIR/cwd" "$T_DIR/bin"
ln -s "$T_ROOT/lib" "$T_DIR/cwd/lib"
ln -s "$LM_BIN" "$T_DIR/cwd/build"
ln -s "$PY" "$T_DIR/bin/python3"
if nm "$LM_BIN/liblm.a" 2>/dev/null | grep -q __asan; then
	printf '#!/bin/sh\nexec gcc -fsanitize=address,undefined "$@"\n' >"$T_DIR/bin/cc"
	chmod +x "$T_DIR/bin/cc"
fi
(
	cd "$T_DIR/cwd" &&
		PATH=$T_DIR/bin:$LM_BIN:$PATH PYTHONDONTWRITEBYTECODE=1 exec setsid sh -e "$T_DIR/doc.sh"
) >"$T_DIR/doc.out" 2>"$T_DIR/doc.err" &
RP=$!
T_PIDS="$T_PIDS $RP"
# setsid: the examples' background processes share a process group,
# killed whole on the way out
T_CLEANUP_EXTRA='kill -KILL -'$RP' 2>/dev/null'
if t_reap "$RP" 60; then
	eq "$DOC examples exit 0" "$T_STATUS" 0
else
	fail "$DOC examples exit 0" "still running after 60 s; $(t_head "$T_DIR/doc.err")"
fi
i=1
while [ "$i" -le "$nblk" ]; do
	check "$DOC example block $i runs" "stderr: $(t_head "$T_DIR/doc.err")" \
		grep -q "^@@ block $i ran\$" "$T_DIR/doc.out"
	i=$((i + 1))
done
O=$T_DIR/doc.out
check "seeds' API: latency_seconds_count" "$(t_head "$O")" \
	grep -Eq '^latency_seconds_count\{app="seeds",uid="[0-9]+"\} [1-9]' "$O"
check "seeds' API: fps_hertz" "$(t_head "$O")" grep -Eq '^fps_hertz\{app="seeds",.*\} [0-9]' "$O"
check "seeds' API: x" "$(t_head "$O")" grep -Eq '^x\{app="seeds",.*\} [0-6]$' "$O"
check "metric/param: width follows the knob to 720" "$(t_head "$O")" \
	grep -Eq '^width\{app="detector",.*\} 720$' "$O"
check "metric/param: frames_total" "$(t_head "$O")" grep -Eq '^frames_total\{app="detector",.*\} [1-9]' "$O"
check "metric/param: the knob as a series" "$(t_head "$O")" \
	grep -Eq '^lm_knob\{app="detector",knob="res"\} 720$' "$O"
check "C: lm_param_num and lm_param read the knobs" "$(t_head "$O")" grep -qx 'res 1080 mode accurate' "$O"
check "shell: lmhook get" "$(t_head "$O")" grep -qx 'res=480' "$O"
check "shell: the gauge" "$(t_head "$O")" grep -Eq '^width:480\|g\|#app:shapp,uid:[0-9]+$' "$O"
check "controller: lmhook knobs" "$(t_head "$O")" grep -qx 'set detector mode accurate' "$O"
check "nothing on stderr" "$(t_head "$T_DIR/doc.err")" test ! -s "$T_DIR/doc.err"
nothing_left() {
	[ -z "$(ps -o pid= -s "$RP" 2>/dev/null)" ]
}
check "$DOC examples leave no process behind" "$(ps -o pid=,args= -s "$RP" 2>/dev/null | head -n 3)" \
	wait_for 5 nothing_left
# the Python blocks that are not run still compile
awk -v dir="$T_DIR" '/^```python$/ { inblk = 1; n++; next } inblk && /^```/ { inblk = 0; next }
	inblk { print > (dir "/py" n ".py") }' "$DOC"
for f in "$T_DIR"/py*.py; do
	t_case "$DOC: ${f##*/} compiles" 0 '' '' "$PY" -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' "$f"
done
if have shellcheck; then
	t_case "shellcheck -s sh: the doc's script" 0 '' '' shellcheck -s sh -e SC2034,SC1091 "$T_DIR/doc.sh"
fi

t_done
