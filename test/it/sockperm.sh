#!/bin/sh
# shellcheck disable=SC2317 # functions are called through check and wait_for
# shellcheck disable=SC2086 # $OUTSIDER and $MEMBER are command words
# Who may use lmtabled's sockets (docs/security.md "Who may do what"):
#  - -m 0660 -g GROUP: both sockets get that mode and group; a user outside
#    the group is refused (EACCES: lmhook exits 111 and says so) on the
#    data socket and on the query socket, and nothing of it lands in the
#    table; a member gets through, both ways;
#  - the default mode 0666: anyone may send;
#  - the uid label is the sender's uid from the kernel: a payload tag
#    uid:0 becomes the label tag_uid and cannot reach root's series;
#  - -g with an unknown group: exit 100; a group the daemon may not give
#    files to: exit 111.
# Needs root (to run lmhook as another user, with setpriv); skipped else.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"
t_leaks  # lmhook's and lmexport's leaks are checked here

S=$T_DIR/s.sock
HK=$LM_BIN/lmhook
D=$T_DIR/dump
NOBODY=65534    # the unprivileged user and its own group

skip_all() {
	for c in "socket mode and group" "a non-member is refused" \
		"a member gets through" "the default mode lets anyone send" \
		"-g with a numeric gid" \
		"the uid label is the kernel's" "-g errors"; do
		skip "$c" "$1"
	done
	t_done
}

[ "$(id -u)" -eq 0 ] || skip_all "not root (needs setpriv to another uid)"
have setpriv || skip_all "no setpriv"
setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups true 2>/dev/null ||
	skip_all "setpriv cannot switch to uid $NOBODY here"

# the group: 'daemon' when the group database has it (the name path of
# -g), else a gid with no name (the numeric path)
if have getent && G=$(getent group daemon) && [ -n "$G" ]; then
	GNAME=daemon
	GID=$(echo "$G" | cut -d: -f3)
else
	GNAME=4242
	GID=4242
fi
note "group for -g: $GNAME (gid $GID); sender uid $NOBODY"

# as another user (commands run through timeout, so words, not functions):
# an outsider (no supplementary group), a member (of GID)
OUTSIDER="setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups"
MEMBER="setpriv --reuid=$NOBODY --regid=$NOBODY --groups=$GID"

# the sockets live in T_DIR, made 0700 by mktemp: let others reach them,
# so that only the socket's own mode decides
chmod 0711 "$T_DIR"

# ---- -m 0660 -g GROUP
if start_tabled "$S" -m 0660 -g "$GNAME"; then
	eq "socket mode and group: data socket" "$(stat -c '%a %g' "$S")" "660 $GID"
	eq "socket mode and group: query socket" "$(stat -c '%a %g' "$S.query")" "660 $GID"

	t_case "a non-member is refused: lmhook counter exits 111" 111 '' \
		'~unable to send to .*: Permission denied' \
		$OUTSIDER "$HK" -s "$S" -a outsider counter intrusions
	t_case "a non-member is refused: lmhook send exits 111" 111 '' \
		'~Permission denied' \
		$OUTSIDER "$HK" -s "$S" send 'intrusions2:1|c|#app:outsider'
	t_case "a non-member is refused: dump (query socket) exits 111" 111 '' \
		'~unable to query .*\.query: Permission denied' \
		$OUTSIDER "$HK" -s "$S" dump
	t_case "a non-member is refused: get (query socket) exits 111" 111 '' \
		'~Permission denied' \
		$OUTSIDER "$HK" -s "$S" -a outsider get knob
	t_case "a non-member is refused: lmexport -p exits 111" 111 '' \
		'~unable to query .*\.query: Permission denied' \
		$OUTSIDER "$LM_BIN/lmexport" -p -s "$S"

	t_case "a member gets through: lmhook counter" 0 '' '' \
		$MEMBER "$HK" -s "$S" -a insider counter entries
	"$HK" -s "$S" -a victim gauge temp 20
	# a payload that claims uid 0, sent by a member (uid 65534)
	t_case "a member gets through: a line claiming uid:0" 0 '' '' \
		$MEMBER "$HK" -s "$S" send 'temp:99|g|#app:victim,uid:0'
	t_case "a member gets through: dump (query socket)" 0 '~^entries:1\|c\|#app:insider,' '' \
		$MEMBER "$HK" -s "$S" dump
	landed() {
		dump "$S" "$D" && grep -q '^entries:' "$D" && grep -q '^temp:99|' "$D"
	}
	wait_for 5 landed
	check "a non-member is refused: nothing of it in the dump" "$(grep -E '^intrusions|outsider' "$D" | head -n 1)" \
		no_line "$D" 'intrusions|app:outsider'
	check "a member gets through: its line under its own uid" "$(grep '^entries' "$D")" \
		grep -q "^entries:1|c|#app:insider,uid:$NOBODY\$" "$D"
	check "the uid label is the kernel's: root's series untouched" "$(grep '^temp:' "$D" | tr '\n' ' ')" \
		grep -q '^temp:20|g|#app:victim,uid:0$' "$D"
	check "the uid label is the kernel's: the claim is the label tag_uid" \
		"$(grep '^temp:' "$D" | tr '\n' ' ')" \
		grep -q "^temp:99|g|#app:victim,uid:$NOBODY,tag_uid:0\$" "$D"
	eq "the uid label is the kernel's: two series, one per uid" "$(grep -c '^temp:' "$D")" 2
	t_stop "$TABLED_PID"
else
	fail "lmtabled -m 0660 -g $GNAME starts" "exit $T_STATUS: $(t_head "$S.err")"
fi

# ---- the default mode: 0666, anyone
if start_tabled "$S"; then
	eq "the default mode lets anyone send: mode 666" "$(stat -c '%a' "$S") $(stat -c '%a' "$S.query")" "666 666"
	t_case "the default mode lets anyone send: an outsider's counter" 0 '' '' \
		$OUTSIDER "$HK" -s "$S" -a outsider counter visits
	t_case "the default mode lets anyone query: an outsider's dump" 0 \
		"~^visits:1\\|c\\|#app:outsider,uid:$NOBODY\$" '' \
		$OUTSIDER "$HK" -s "$S" dump
	t_stop "$TABLED_PID"
else
	fail "lmtabled starts with the default mode" "exit $T_STATUS: $(t_head "$S.err")"
fi

# ---- -g with a number that no group has: taken as the gid
if start_tabled "$S" -m 0640 -g 4242; then
	eq "-g with a numeric gid: both sockets" "$(stat -c '%a %g' "$S" "$S.query" | tr '\n' ' ')" "640 4242 640 4242 "
	t_stop "$TABLED_PID"
else
	fail "-g with a numeric gid" "exit $T_STATUS: $(t_head "$S.err")"
fi

# ---- -g errors
T_TIMEOUT=5 t_case "-g errors: an unknown group name exits 100" 100 '' '~unknown group: no-such-group-lm' \
	"$LM_BIN/lmtabled" -s "$S" -g no-such-group-lm
check "-g errors: an unknown group leaves no socket" "$(ls "$T_DIR")" test ! -e "$S"
# not root and not a member: chown to the group fails (EPERM)
mkdir "$T_DIR/nb" && chown "$NOBODY" "$T_DIR/nb"
T_TIMEOUT=5 t_case "-g errors: a group the daemon may not use exits 111" 111 '' \
	'~unable to give .* to group' \
	$OUTSIDER "$LM_BIN/lmtabled" -s "$T_DIR/nb/s.sock" -m 0660 -g "$GID"

t_done
