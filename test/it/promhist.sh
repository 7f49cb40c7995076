#!/bin/sh
# shellcheck disable=SC2317 # functions are called through check and wait_for
# Quantiles a real Prometheus computes from our histograms, against the
# truth. Three apps feed one timer, latency, with generated observations:
# uniform 10..30 ms plus one 500 ms stall, a bimodal one, a long-tailed
# one (Pareto). One Prometheus (--enable-feature=native-histograms,
# scrape_interval 1s) scrapes lmexport twice, through two tcpsvd: job
# native gets delimited protobuf (schema-3 native histograms), job classic
# gets text (-T) with -b bounds chosen around each true p95. For each
# distribution, histogram_quantile(0.95, rate(...[1m])) of both must be
# within 5 % of the true p95 of the observations the rate covers.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

S=$T_DIR/s.sock
HK=$LM_BIN/lmhook
N=3000   # observations per app after the first scrape

for c in prometheus tcpsvd curl; do
	if ! have "$c"; then
		skip "Prometheus quantiles" "no $c (sh scripts/deps.sh test)"
		t_done
	fi
done
if ! start_tabled "$S"; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi

# gen KIND SEED COUNT: COUNT observations (seconds), one a line
gen() {
	awk -v kind="$1" -v seed="$2" -v n="$3" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++) {
			if (kind == "uniform")
				x = 0.010 + 0.020 * rand()
			else if (kind == "bimodal")
				x = rand() < 0.7 ? 0.004 + 0.002 * rand() : 0.070 + 0.020 * rand()
			else   # Pareto, alpha 1.5, from 1 ms
				x = 0.001 / (1 - rand()) ^ (1 / 1.5)
			printf "%.9f\n", x
		}
		if (kind == "uniform")
			printf "%.9f\n", 0.5   # the stall
	}'
}
# p95 FILE: the nearest-rank 0.95 quantile of the values in FILE
p95() {
	sort -g "$1" | awk '{ v[NR] = $1 } END { r = int(0.95 * NR); if (r < 0.95 * NR) r++; print v[r] }'
}
# send APP FILE: the values of FILE as latency:V|t lines, by lmhook -
send() {
	sed 's/^/latency:/; s/$/|t/' "$2" | "$HK" -s "$S" -a "$1" -
}

APPS="uniform bimodal pareto"
seed=11
for a in $APPS; do
	gen "$a" "$seed" "$N" >"$T_DIR/$a.main"
	gen "$a" $((seed + 1)) 1 | head -n 1 >"$T_DIR/$a.first"
	seed=$((seed + 2))
	p95 "$T_DIR/$a.main" >"$T_DIR/$a.true"
done

# classic bounds around each truth: the schema-3 bucket bounds 2^(k/8)
# from 3 below to 3 above it (bounds there are exact, docs/lmexport.8)
bounds() {
	awk -v t="$1" 'BEGIN {
		k = int(8 * log(t) / log(2)); s = ""
		for (i = k - 3; i <= k + 4; i++)
			s = s (s == "" ? "" : ",") sprintf("%.17g", 2 ^ (i / 8))
		print s
	}'
}
# one set per app is not possible (a set is per metric): the union, sorted
ALLB=$(for a in $APPS; do bounds "$(cat "$T_DIR/$a.true")"; done | tr ',' '\n' | sort -g -u | tr '\n' ',')
ALLB=${ALLB%,}

# the first observations, so that each series exists before the rate's window
for a in $APPS; do
	send "$a" "$T_DIR/$a.first"
done

start_native() {
	t_bg tcpsvd -l localhost 127.0.0.1 "$PORT" "$LM_BIN/lmexport" -s "$S" \
		2>"$T_DIR/serve.native.err"
}
start_classic() {
	t_bg tcpsvd -l localhost 127.0.0.1 "$PORT" "$LM_BIN/lmexport" -s "$S" -T -b "latency=$ALLB" \
		2>"$T_DIR/serve.classic.err"
}
if serve start_native; then
	NPORT=$PORT
	ok "tcpsvd serves lmexport (native)"
else
	fail "tcpsvd serves lmexport (native)" "$(t_head "$T_DIR/serve.native.err")"
	t_done
fi
if serve start_classic; then
	CPORT=$PORT
	ok "tcpsvd serves lmexport -T -b latency=... (classic)"
else
	fail "tcpsvd serves lmexport (classic)" "$(t_head "$T_DIR/serve.classic.err")"
	t_done
fi

prom_config "native:$NPORT" "classic:$CPORT"
if ! prom_start "$T_DIR/prometheus.yml" --enable-feature=native-histograms; then
	fail "prometheus starts" "$(tail -n 3 "$T_DIR/prometheus.log" | tr '\n' '|')"
	t_done
fi
ok "prometheus --enable-feature=native-histograms starts on 127.0.0.1:$PPORT"

# counts [more]: every app's native and classic count is 1 (plus the
# lines of its main file with "more")
counts() {
	for _a in $APPS; do
		_w=1
		[ -z "${1:-}" ] || _w=$((1 + $(wc -l <"$T_DIR/$_a.main")))
		has "histogram_count(latency_seconds{job=\"native\",app=\"$_a\"})" "$_w" || return 1
		has "latency_seconds_count{job=\"classic\",app=\"$_a\"}" "$_w" || return 1
	done
}
if wait_for 30 counts; then
	ok "both jobs scraped the first observations (native histogram_count = 1)"
else
	fail "both jobs scraped the first observations" \
		"native $(query 'histogram_count(latency_seconds{job="native"})'), classic $(query 'latency_seconds_count{job="classic"}'); $(tail -n 3 "$T_DIR/prometheus.log" | tr '\n' '|')"
	t_done
fi
eq "job native is a native histogram: no _bucket series" \
	"$(query 'count(latency_seconds_bucket{job="native"})')" ""

# the observations the rate covers
for a in $APPS; do
	send "$a" "$T_DIR/$a.main"
done
if wait_for 30 counts more; then
	ok "both jobs scraped all observations"
else
	fail "both jobs scraped all observations" \
		"native $(query 'histogram_count(latency_seconds{job="native",app="uniform"})'), want $((N + 2)) for uniform"
fi

# within5 GOT TRUE: |GOT - TRUE| <= 5 % of TRUE
within5() {
	awk -v g="$1" -v t="$2" 'BEGIN { d = g - t; if (d < 0) d = -d; exit !(g != "" && t > 0 && d <= 0.05 * t) }'
}
for a in $APPS; do
	t=$(cat "$T_DIR/$a.true")
	nq=$(query "histogram_quantile(0.95, rate(latency_seconds{job=\"native\",app=\"$a\"}[1m]))")
	cq=$(query "histogram_quantile(0.95, rate(latency_seconds_bucket{job=\"classic\",app=\"$a\"}[1m]))")
	note "$a: true p95 $t, native $nq, classic $cq"
	check "$a: native histogram_quantile(0.95) within 5 % of the true p95" \
		"got '$nq', true $t" within5 "$nq" "$t"
	check "$a: classic histogram_quantile(0.95) (-b bounds) within 5 % of the true p95" \
		"got '$cq', true $t" within5 "$cq" "$t"
done
nmax=$(query 'histogram_quantile(1, rate(latency_seconds{job="native",app="uniform"}[1m]))')
check "uniform: the 500 ms stall is in the native histogram (q 1 > 0.45)" "got '$nmax'" \
	num_gt "$nmax" 0.45
eq "no scrape sample was dropped (native)" \
	"$(query 'scrape_samples_post_metric_relabeling{job="native"} - scrape_samples_scraped{job="native"}')" 0
eq "both targets up" "$(query 'sum(up)')" 2
t_stop "$PROM" TERM 10
eq "prometheus stops" "$T_STATUS" 0
t_done
