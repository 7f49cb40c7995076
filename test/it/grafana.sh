#!/bin/sh
# lm-test: seconds 25
# shellcheck disable=SC2317,SC2016 # functions called through check and wait_for; jq programs
# The Grafana dashboard, docs/grafana/livemetrics.json: its structure
# (jq: every panel has a title, the datasource variable, a place on the
# grid, targets with expr; ids unique; the variables exist; rows App,
# Process, Board), then every query of every panel against a real
# Prometheus. A private lmtabled is fed by a hooked app (example_app, 30
# frames/s: a rate, a timer, gauges, a counter), by lmprobe on the app's
# process tree and its GPU memory (nvidia-smi-apps through a stand-in
# nvidia-smi that lists the app's pid) and by lmprobe on the board (a
# tegrastats log from test/data/probe, the stand-in nvidia-smi, /proc);
# two tcpsvd serve lmexport to one Prometheus (native histograms on),
# scraping every second: job classic as text (-T: classic _bucket
# series), job native as protobuf (native histograms only, as Prometheus
# 2.x keeps them). For each job: each variable's label_values() query is
# run through the label API, the template variables are put in as Grafana
# would ($instance regex-escaped, $__rate_interval a concrete window), and
# each panel must get a number from every one of its targets: one case
# per panel and job, named by its title.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

DASH=$T_ROOT/docs/grafana/livemetrics.json
DATA=$T_ROOT/test/data/probe
S=$T_DIR/s.sock
BIN=$T_DIR/bin
APP=detector
RI=10s        # $__rate_interval: 10 scrapes at 1 s
TAB=$(printf '\t')

if ! have jq; then
	skip "the dashboard" "no jq (sh scripts/deps.sh test)"
	t_done
fi

# ---- structure
# jqc NAME JQ-EXPR: ok when JQ-EXPR, run on the dashboard, is true; else
# the failure shows what JQ-EXPR's "why" (the same input, $why) gives
jqc() {
	if jq -e "$2" "$DASH" >/dev/null 2>"$T_DIR/jq.err"; then
		ok "$1"
	else
		fail "$1" "$(jq -c "${3:-empty}" "$DASH" 2>&1 | head -c 300)$(t_head "$T_DIR/jq.err")"
	fi
}
if ! jq -e . "$DASH" >/dev/null 2>"$T_DIR/jq.err"; then
	fail "docs/grafana/livemetrics.json is JSON" "$(t_head "$T_DIR/jq.err")"
	t_done
fi
ok "docs/grafana/livemetrics.json is JSON"
# every panel, rows' nested ones too; those with queries
PANELS='[.panels[] | ., (.panels // [])[]]'
QP="$PANELS | map(select(.type != \"row\"))"
jqc "uid and title livemetrics" '.uid == "livemetrics" and .title == "livemetrics"' '{uid, title}'
jqc "schemaVersion 36 or later (Grafana 10: 38)" '.schemaVersion >= 36' '.schemaVersion'
jqc "__inputs: DS_PROMETHEUS, a Prometheus datasource" \
	'any(.__inputs[]?; .name == "DS_PROMETHEUS" and .type == "datasource" and .pluginId == "prometheus")' '.__inputs'
jqc "variable datasource: of type datasource, prometheus" \
	'any(.templating.list[]; .name == "datasource" and .type == "datasource" and .query == "prometheus")' \
	'[.templating.list[] | {name, type}]'
for v in instance app; do
	jqc "variable $v: a label_values query, multi, All" \
		"any(.templating.list[]; .name == \"$v\" and .type == \"query\" and .multi and .includeAll and ((.query.query // .query) | test(\"^label_values\\\\(\")))" \
		"[.templating.list[] | select(.name == \"$v\")]"
done
jqc "rows App, Process, Board, in that order" \
	'[.panels[] | select(.type == "row") | .title] == ["App", "Process", "Board"]' \
	'[.panels[] | select(.type == "row") | .title]'
jqc "panel ids unique" "$PANELS | map(.id) | (length == (unique | length)) and all(.[]; type == \"number\")" \
	"$PANELS | map(.id)"
jqc "every panel has a title" "$PANELS | all(.[]; (.title | type) == \"string\" and .title != \"\")" \
	"$PANELS | map(select((.title // \"\") == \"\") | .id)"
jqc "every panel has a gridPos within 24 columns" \
	"$PANELS | all(.[]; .gridPos | (.h > 0 and .w > 0 and .x >= 0 and .y >= 0 and .x + .w <= 24))" \
	"$PANELS | map(select((.gridPos | (.h > 0 and .w > 0 and .x >= 0 and .y >= 0 and .x + .w <= 24)) | not) | .title)"
jqc "every panel and target refers to the datasource variable" \
	"$QP | all(.[]; .datasource.uid == \"\${datasource}\" and all(.targets[]; .datasource.uid == \"\${datasource}\"))" \
	"$QP | map(select(.datasource.uid != \"\${datasource}\") | .title)"
jqc "every panel has targets, each with an expr (one line) and a refId of its own" \
	"$QP | all(.[]; (.targets | length > 0) and all(.targets[]; (.expr | type) == \"string\" and .expr != \"\" and (.expr | test(\"[\\\\t\\\\n]\") | not)) and ([.targets[].refId] | length == (unique | length)))" \
	"$QP | map(select((.targets // []) | length == 0) | .title)"
# [{row, p}]: each panel with the title of the row above it
INROW='[foreach .panels[] as $x (null; if $x.type == "row" then $x.title else . end;
	. as $r | $x | if .type == "row" then (.panels // [])[] else . end | {row: $r, p: .})]'
BADF="$INROW"' | map(.row as $r | .p.targets[]?.expr |
	select((contains("$instance") | not) or (($r == "App" or $r == "Process") and (contains("$app") | not))))'
jqc "every query filters on \$instance; those of App and Process on \$app too" "$BADF == []" "$BADF"
jqc "repeat names a variable" \
	"[.templating.list[].name] as \$v | $QP | all(.[]; (.repeat // null) == null or (.repeat as \$r | \$v | index(\$r)))" \
	"$QP | map(.repeat // empty)"
jqc "every \$variable in a query is defined (or Grafana's)" \
	"([.templating.list[].name] + [\"__rate_interval\", \"__interval\", \"__range\"]) as \$v |
	 [$QP | .[].targets[].expr | scan(\"\\\\$\\\\{?([A-Za-z_][A-Za-z0-9_]*)\") | .[0]] | unique | all(.[]; . as \$n | \$v | index(\$n))" \
	"[$QP | .[].targets[].expr | scan(\"\\\\$\\\\{?([A-Za-z_][A-Za-z0-9_]*)\") | .[0]] | unique"

# ---- the real Prometheus
for c in prometheus tcpsvd curl; do
	if ! have "$c"; then
		skip "every panel's queries against a real Prometheus" "no $c (sh scripts/deps.sh test)"
		t_done
	fi
done
if ! start_tabled "$S"; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi

# a stand-in nvidia-smi: one H100, whose compute processes are the app
# (the file $BIN/apps); rows every second as -lms asks (the sleep paces
# the stand-in, nothing waits on it)
mkdir -p "$BIN"
cat >"$BIN/nvidia-smi" <<'EOF'
#!/bin/sh
case "$*" in
*--query-compute-apps=*)
	cat "${0%/*}/apps"
	exit 0 ;;
*--query-gpu=uuid,index,name\ *)
	echo "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, NVIDIA H100 80GB HBM3"
	exit 0 ;;
esac
row() {
	echo "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, 73, 41, 18342, 81559, 312.55, 400.00, 64, 1980, 1593, 30"
}
case "$*" in
*-lms*)
	while :; do row; sleep 1; done ;;
*)
	row ;;
esac
EOF
chmod +x "$BIN/nvidia-smi"

# the hooked app: a rate (fps), a timer (latency), gauges (x, res), a counter
t_bg env LM_SOCKET="$S" LM_APP="$APP" "$LM_BIN/example_app" -n 0 -r 30 >/dev/null 2>"$T_DIR/app.err"
APID=$T_PID
echo "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, $APID, 1000, /usr/bin/example_app" >"$BIN/apps"
# its process tree and GPU memory
t_bg env PATH="$BIN:$PATH" "$LM_BIN/lmprobe" -s "$S" -a "$APP" -p "$APID" tree nvidia-smi-apps \
	2>"$T_DIR/probe.app.err"
# the board: a tegrastats log (an AGX Orin's lines), the GPU, /proc
cp "$DATA/tegra-sample.txt" "$T_DIR/tegrastats.log"
t_bg env PATH="$BIN:$PATH" "$LM_BIN/lmprobe" -s "$S" tegrastats:"$T_DIR/tegrastats.log" nvidia-smi proc \
	2>"$T_DIR/probe.board.err"

# two targets: job classic gets text (-T: classic _bucket series), job
# native delimited protobuf (native histograms, which Prometheus 2.x keeps
# alone, without the classic buckets); the dashboard must work on both
start_classic() {
	t_bg tcpsvd -l localhost 127.0.0.1 "$PORT" "$LM_BIN/lmexport" -s "$S" -T 2>"$T_DIR/serve.classic.err"
}
start_native() {
	t_bg tcpsvd -l localhost 127.0.0.1 "$PORT" "$LM_BIN/lmexport" -s "$S" 2>"$T_DIR/serve.native.err"
}
for job in classic native; do
	if serve "start_$job"; then
		ok "tcpsvd serves lmexport ($job)"
	else
		fail "tcpsvd serves lmexport ($job)" "$(t_head "$T_DIR/serve.$job.err")"
		t_done
	fi
	case $job in
	classic) CPORT=$PORT ;;
	*) NPORT=$PORT ;;
	esac
done
prom_config "classic:$CPORT" "native:$NPORT"
if ! prom_start "$T_DIR/prometheus.yml" --enable-feature=native-histograms; then
	fail "prometheus starts" "$(tail -n 3 "$T_DIR/prometheus.log" | tr '\n' '|')"
	t_done
fi
ok "prometheus --enable-feature=native-histograms starts on 127.0.0.1:$PPORT"

# api PATH [CURL-ARGS...]: GET PATH of the API into $T_DIR/api.json
api() {
	_ap=$1
	shift
	curl -sf -G "$@" "http://127.0.0.1:$PPORT/api/v1/$_ap" >"$T_DIR/api.json" 2>/dev/null
}
# samples EXPR: the instant query's values, one a line ("histogram" for a
# native one); 2 when the query is refused (the reason in $T_DIR/qerr)
samples() {
	curl -s -G --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query" \
		>"$T_DIR/api.json" 2>/dev/null || return 1
	# one jq a query (they are hundreds): the status line, then the values
	jq -r 'if .status == "success" then "success", (.data.result[] | (.value[1] // "histogram"))
		else "error", (.error // "no answer") end' "$T_DIR/api.json" >"$T_DIR/ans" 2>&1
	{ IFS= read -r _as <"$T_DIR/ans"; } 2>/dev/null || _as=
	if [ "$_as" != success ]; then
		if [ "$_as" = error ]; then
			sed 1d "$T_DIR/ans" >"$T_DIR/qerr"
		else
			{ printf "no answer: "; cat "$T_DIR/ans"; } >"$T_DIR/qerr"
		fi
		return 2
	fi
	sed 1d "$T_DIR/ans"
}

# the target is scraped, every source fed: three scrapes with the app,
# its tree and GPU memory, the board's tegrastats, nvidia-smi and /proc
fed() {
	for _j in classic native; do
		for _e in "count_over_time(up{job=\"$_j\"}[1m]) >= 3" \
			"lm_app_up{job=\"$_j\",app=\"$APP\"} == 1" \
			"process_resident_memory_bytes{job=\"$_j\",app=\"$APP\"}" \
			"gpu_memory_bytes{job=\"$_j\",app=\"$APP\"}" "board_power_watts{job=\"$_j\"}" \
			"gpu_load_ratio{job=\"$_j\"}" "host_memory_used_bytes{job=\"$_j\"}"; do
			[ -n "$(samples "$_e")" ] || return 1
		done
	done
}
if wait_for 30 fed; then
	ok "three scrapes: the app, its tree and GPU memory, the board (tegrastats, nvidia-smi, /proc)"
else
	fail "three scrapes of every source" "$(jq -c . "$T_DIR/api.json" | cut -c1-200); $(t_head "$T_DIR/probe.board.err")"
	t_done
fi

SUBST='def subst($v): reduce ($v | to_entries[]) as $e (.;
	gsub("\\$\\{" + $e.key + "(:[a-z]+)?\\}|\\$" + $e.key + "\\b"; $e.value));'
# (the substitutions of each $variable are in $T_DIR/vars.json)
# want_of VAR: the value variable VAR must offer
want_of() {
	case $1 in
	instance) echo "$INST" ;;
	app) echo "$APP" ;;
	rate) echo fps ;;
	timer) echo latency ;;
	*) echo "?" ;;
	esac
}
# variables JOB: each label_values() query through the label API, the
# variables before it put in; it must offer the value that want_of names
variables() {
	jq -r --slurpfile v "$T_DIR/vars.json" "$SUBST"'
		.templating.list[] | select(.type == "query") |
		"\(.name)\t\((.query.query // .query) | subst($v[0]))\t\(.regex // "")"' "$DASH" >"$T_DIR/varq"
	# (the regex last: an empty one leaves no empty field between two tabs)
	while IFS=$TAB read -r name q re; do
		sel=$(printf '%s\n' "$q" | sed -n 's/^label_values(\(.*\), *\([A-Za-z_][A-Za-z0-9_]*\))$/\1/p')
		lab=$(printf '%s\n' "$q" | sed -n 's/^label_values(\(.*\), *\([A-Za-z_][A-Za-z0-9_]*\))$/\2/p')
		if [ -z "$lab" ]; then
			fail "$1: variable $name: label_values(SELECTOR, LABEL)" "got: $q"
			continue
		fi
		api "label/$lab/values" --data-urlencode "match[]=$sel"
		# Grafana's regex: /RE/, the first group is the value
		jq -r --arg re "$re" '.data[] | if $re == "" then . else
			($re | sub("^/"; "") | sub("/$"; "")) as $r | select(test($r)) | (match($r).captures[0].string // .) end' \
			"$T_DIR/api.json" >"$T_DIR/var.$name" 2>&1
		want=$(want_of "$name")
		check "$1: variable $name offers $want" "offers: $(tr '\n' ' ' <"$T_DIR/var.$name" | cut -c1-200)" \
			grep -qxF "$want" "$T_DIR/var.$name"
	done <"$T_DIR/varq"
	check "$1: variable app: the board is no app" "offers: $(tr '\n' ' ' <"$T_DIR/var.app" 2>/dev/null)" \
		no_line "$T_DIR/var.app" '^board$'
}

# panel_data I: each query of panel I gives a number (not NaN); the refIds
# that do not are in $T_DIR/missing. True too when Prometheus refused a
# query (in $T_DIR/refused): waiting would not help.
panel_data() {
	: >"$T_DIR/missing"
	: >"$T_DIR/refused"
	while IFS=$TAB read -r _i _ref _expr; do
		[ "$_i" = "$1" ] || continue
		samples "$_expr" >"$T_DIR/vals"
		case $? in
		0) grep -qvx 'NaN' "$T_DIR/vals" || echo "$_ref" >>"$T_DIR/missing" ;;
		2) echo "$_ref: $(cat "$T_DIR/qerr")" >>"$T_DIR/refused" ;;
		*) echo "$_ref (no answer)" >>"$T_DIR/missing" ;;
		esac
	done <"$T_DIR/exprs"
	[ -s "$T_DIR/refused" ] || [ ! -s "$T_DIR/missing" ]
}
# panels JOB: every panel's queries, variables put in; a case per panel
panels() {
	jq -r --slurpfile v "$T_DIR/vars.json" "$SUBST$QP"' | to_entries[] | .key as $i |
		.value.targets[] | "\($i)\t\(.refId)\t\(.expr | subst($v[0]))"' "$DASH" >"$T_DIR/exprs"
	jq -r --slurpfile v "$T_DIR/vars.json" "$SUBST$QP"' | .[] | .title | subst($v[0])' "$DASH" >"$T_DIR/titles"
	i=0
	while read -r title; do
		n=$(awk -F "$TAB" -v i="$i" '$1 == i' "$T_DIR/exprs" | wc -l)
		c="$1: panel '$title': data from its $n queries"
		if wait_for 15 panel_data "$i" && [ ! -s "$T_DIR/refused" ]; then
			ok "$c"
		elif [ -s "$T_DIR/refused" ]; then
			fail "$c" "refused: $(tr '\n' ' ' <"$T_DIR/refused" | cut -c1-300)"
		else
			fail "$c" "no number from $(tr '\n' ' ' <"$T_DIR/missing"): $(awk -F "$TAB" -v i="$i" \
				-v r="$(head -n 1 "$T_DIR/missing")" '$1 == i && $2 == r { print $3 }' "$T_DIR/exprs" | cut -c1-200)"
		fi
		i=$((i + 1))
	done <"$T_DIR/titles"
	check "$1: queried every panel ($i)" "none" test "$i" -gt 0
}

eq "job native has native histograms only: no _bucket series" \
	"$(query 'count(latency_seconds_bucket{job="native"})')" ""
for job in classic native; do
	case $job in
	classic) INST=127.0.0.1:$CPORT ;;
	*) INST=127.0.0.1:$NPORT ;;
	esac
	# $instance as Grafana puts in a multi/All variable's value: regex-escaped
	# (in a PromQL string)
	INSTX=$(printf '%s' "$INST" | sed 's/[.]/\\\\./g')
	jq -n --arg app "$APP" --arg instance "$INSTX" --arg rate fps --arg timer latency \
		--arg ri "$RI" \
		'{app: $app, instance: $instance, rate: $rate, timer: $timer,
		  __rate_interval: $ri, __interval: "2s", __range: "1m"}' >"$T_DIR/vars.json"
	variables "$job"
	panels "$job"
done

eq "no scrape sample was dropped" \
	"$(query 'sum(scrape_samples_post_metric_relabeling) - sum(scrape_samples_scraped)')" 0
t_stop "$PROM" TERM 10
eq "prometheus stops" "$T_STATUS" 0
t_done
