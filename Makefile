# livemetrics - POSIX Makefile; settings in config.mk
.POSIX:
.SUFFIXES:
.DELETE_ON_ERROR:

include config.mk

# O: build directory (the ASan build uses its own)
O = build

BINS = $(O)/lmhook $(O)/lmtabled $(O)/lmexport $(O)/lmprobe $(O)/lmsession
# liblm.a: what apps link (the hook, its sender, the wire, numbers); it
# is installed. liblmtools.a: the tools' internals, never installed.
APPOBJ = $(O)/lm.o $(O)/lm_buf.o $(O)/lm_num.o $(O)/lm_wire.o $(O)/lm_sock.o \
	$(O)/lm_send.o $(O)/lm_hist.o $(O)/lm_comm.o
LIBOBJ = $(O)/lm_table.o $(O)/lm_knob.o $(O)/lm_health.o $(O)/lm_table_expo.o $(O)/lm_table_json.o $(O)/lm_hash.o $(O)/lm_http.o $(O)/lm_expo.o $(O)/lm_msg.o \
	$(O)/lm_tegra.o $(O)/lm_nvsmi.o $(O)/lm_proc.o \
	$(O)/lm_json.o $(O)/lm_report.o $(O)/lm_report_stat.o $(O)/lm_report_fmt.o \
	$(O)/lm_report_expect.o $(O)/lm_report_base.o $(O)/lm_report_text.o $(O)/lm_report_json.o \
	$(O)/lm_report_junit.o $(O)/lm_report_html.o $(O)/lm_report_trend.o \
	$(O)/lm_session.o $(O)/lm_fam.o $(O)/lm_pb.o \
	$(O)/lm_expo_pb.o $(O)/lm_expo_le.o $(O)/lm_acct.o $(O)/lm_usage.o \
	$(O)/lm_gpuproc.o $(O)/lm_jetson.o $(O)/lm_nvmap.o $(O)/lm_top.o $(O)/lm_sha256.o $(O)/lm_fetch.o $(O)/lm_spawn.o
# what a tool or a test links: both, the tools' first
TLIBS = $(O)/liblmtools.a $(O)/liblm.a
UNITS = $(O)/test_num $(O)/test_wire $(O)/test_table $(O)/test_http \
	$(O)/test_expo $(O)/test_hook $(O)/test_probe $(O)/test_report $(O)/test_hist $(O)/test_pb \
	$(O)/test_acct $(O)/test_top $(O)/test_json $(O)/test_fetch $(O)/test_spawn $(O)/observe $(O)/pbdump \
	$(O)/replay_wire $(O)/replay_table $(O)/replay_tegra $(O)/replay_nvsmi $(O)/replay_http $(O)/replay_knob $(O)/replay_report \
	$(O)/replay_gpuproc $(O)/replay_jetson $(O)/replay_nvmap $(O)/replay_json $(O)/replay_fetch
EXAMPLES = $(O)/example_app
MANS = docs/lmhook.1 docs/lmtabled.8 docs/lmexport.8 docs/lm-wire.5 docs/lmprobe.1 \
	docs/lm-results.5 docs/lm-json.5 docs/lmsession.1

ALLCFLAGS = $(CPPFLAGS) -Ilib $(CFLAGS)

all: $(BINS) $(TLIBS) $(EXAMPLES)

$(O)/.dir: config.mk
	mkdir -p $(O)
	touch $@

$(O)/lm.o: lib/lm.c lib/lm.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h lib/lm_sock.h lib/lm_buf.h lib/lm_send.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm.c
$(O)/lm_fam.o: lib/lm_fam.c lib/lm_fam.h lib/lm_wire.h lib/lm_hist.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_fam.c
$(O)/lm_hist.o: lib/lm_hist.c lib/lm_hist.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_hist.c
$(O)/lm_buf.o: lib/lm_buf.c lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_buf.c
$(O)/lm_num.o: lib/lm_num.c lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_num.c
$(O)/lm_wire.o: lib/lm_wire.c lib/lm_wire.h lib/lm_hist.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_wire.c
$(O)/lm_comm.o: lib/lm_comm.c lib/lm_comm.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_comm.c
$(O)/lm_spawn.o: lib/lm_spawn.c lib/lm_spawn.h lib/lm_proc.h lib/lm_sock.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_spawn.c
$(O)/lm_sock.o: lib/lm_sock.c lib/lm_sock.h lib/lm_comm.h lib/lm_num.h lib/lm_buf.h lib/lm_wire.h lib/lm_hist.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_sock.c
$(O)/lm_table.o: lib/lm_table.c lib/lm_table.h lib/lm_table_int.h lib/lm_hash.h lib/lm_wire.h lib/lm_hist.h lib/lm_buf.h lib/lm_fam.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_table.c
$(O)/lm_knob.o: lib/lm_knob.c lib/lm_table.h lib/lm_table_int.h lib/lm_hash.h lib/lm_wire.h lib/lm_hist.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_knob.c
$(O)/lm_health.o: lib/lm_health.c lib/lm_table.h lib/lm_table_int.h lib/lm_hash.h lib/lm_wire.h lib/lm_hist.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_health.c
$(O)/lm_table_expo.o: lib/lm_table_expo.c lib/lm_table.h lib/lm_table_int.h lib/lm_hash.h lib/lm_wire.h lib/lm_hist.h lib/lm_buf.h lib/lm_fam.h lib/lm_num.h lib/lm_expo.h lib/lm_expo_int.h lib/lm_pb.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_table_expo.c
$(O)/lm_table_json.o: lib/lm_table_json.c lib/lm_table.h lib/lm_table_int.h lib/lm_hash.h lib/lm_wire.h lib/lm_hist.h lib/lm_buf.h lib/lm_fam.h lib/lm_json.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_table_json.c
$(O)/lm_hash.o: lib/lm_hash.c lib/lm_hash.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_hash.c
$(O)/lm_http.o: lib/lm_http.c lib/lm_http.h lib/lm_sock.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_http.c
$(O)/lm_pb.o: lib/lm_pb.c lib/lm_pb.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_pb.c
$(O)/lm_expo.o: lib/lm_expo.c lib/lm_expo.h lib/lm_expo_int.h lib/lm_hash.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_expo.c
$(O)/lm_expo_pb.o: lib/lm_expo_pb.c lib/lm_expo.h lib/lm_expo_int.h lib/lm_pb.h lib/lm_wire.h lib/lm_hist.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_expo_pb.c
$(O)/lm_expo_le.o: lib/lm_expo_le.c lib/lm_expo.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_expo_le.c
$(O)/lm_msg.o: lib/lm_msg.c lib/lm_msg.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_msg.c
$(O)/lm_send.o: lib/lm_send.c lib/lm_send.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h lib/lm_sock.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_send.c
$(O)/lm_tegra.o: lib/lm_tegra.c lib/lm_tegra.h lib/lm_send.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_tegra.c
$(O)/lm_nvsmi.o: lib/lm_nvsmi.c lib/lm_nvsmi.h lib/lm_send.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_nvsmi.c
$(O)/lm_proc.o: lib/lm_proc.c lib/lm_proc.h lib/lm_send.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_proc.c
$(O)/lm_gpuproc.o: lib/lm_gpuproc.c lib/lm_gpuproc.h lib/lm_comm.h lib/lm_proc.h lib/lm_send.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_gpuproc.c
$(O)/lm_jetson.o: lib/lm_jetson.c lib/lm_jetson.h lib/lm_proc.h lib/lm_send.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_jetson.c
$(O)/lm_nvmap.o: lib/lm_nvmap.c lib/lm_nvmap.h lib/lm_gpuproc.h lib/lm_send.h lib/lm_wire.h lib/lm_hist.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_nvmap.c
$(O)/lm_json.o: lib/lm_json.c lib/lm_json.h lib/lm_buf.h lib/lm_num.h lib/lm_wire.h lib/lm_hist.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_json.c
# lm_report: one job a file; the parts share lm_report_int.h
REPORTH = lib/lm_report.h lib/lm_report_int.h lib/lm_fam.h lib/lm_session.h lib/lm_usage.h lib/lm_json.h lib/lm_buf.h lib/lm_num.h \
	lib/lm_fetch.h lib/lm_sha256.h \
	lib/lm_wire.h lib/lm_hist.h $(O)/.dir
$(O)/lm_report.o: lib/lm_report.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report.c
$(O)/lm_report_stat.o: lib/lm_report_stat.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report_stat.c
$(O)/lm_report_fmt.o: lib/lm_report_fmt.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report_fmt.c
$(O)/lm_report_expect.o: lib/lm_report_expect.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report_expect.c
$(O)/lm_report_base.o: lib/lm_report_base.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report_base.c
$(O)/lm_report_text.o: lib/lm_report_text.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report_text.c
$(O)/lm_report_json.o: lib/lm_report_json.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report_json.c
$(O)/lm_report_junit.o: lib/lm_report_junit.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report_junit.c
$(O)/lm_report_html.o: lib/lm_report_html.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report_html.c
$(O)/lm_report_trend.o: lib/lm_report_trend.c $(REPORTH)
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_report_trend.c
$(O)/lm_session.o: lib/lm_session.c lib/lm_session.h lib/lm_report.h lib/lm_buf.h lib/lm_hist.h lib/lm_wire.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_session.c

$(O)/lm_acct.o: lib/lm_acct.c lib/lm_acct.h lib/lm_proc.h lib/lm_send.h lib/lm_wire.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_acct.c
$(O)/lm_top.o: lib/lm_top.c lib/lm_top.h lib/lm_buf.h lib/lm_hash.h lib/lm_hist.h lib/lm_wire.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_top.c
# lm_fetch: lmsession's datasets by URL; lm_sha256 checks them
$(O)/lm_sha256.o: lib/lm_sha256.c lib/lm_sha256.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_sha256.c
$(O)/lm_fetch.o: lib/lm_fetch.c lib/lm_fetch.h lib/lm_sha256.h lib/lm_spawn.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_fetch.c
$(O)/lm_usage.o: lib/lm_usage.c lib/lm_usage.h lib/lm_buf.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) $(SMALL) -c -o $@ lib/lm_usage.c

$(O)/liblm.a: $(APPOBJ)
	rm -f $@
	$(AR) rcs $@ $(APPOBJ)
$(O)/liblmtools.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(O)/lmhook: cmd/lmhook.c cmd/lmhook/top.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ cmd/lmhook.c cmd/lmhook/top.c $(TLIBS) $(LDLIBS)
$(O)/lmtabled: cmd/lmtabled.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ cmd/lmtabled.c $(TLIBS) $(LDLIBS)
$(O)/lmexport: cmd/lmexport.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ cmd/lmexport.c $(TLIBS) $(LDLIBS)
$(O)/lmprobe: cmd/lmprobe.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ cmd/lmprobe.c $(TLIBS) $(LDLIBS)
# lmsession: main in cmd/lmsession.c, one job a file in cmd/lmsession/
# (parts of the one tool, not tools); they share cmd/lmsession/lmsession.h
SESSIONSRC = cmd/lmsession.c cmd/lmsession/opt.c cmd/lmsession/files.c cmd/lmsession/helpers.c \
	cmd/lmsession/keeper.c cmd/lmsession/companion.c cmd/lmsession/sample.c cmd/lmsession/results.c
$(O)/lmsession: $(SESSIONSRC) cmd/lmsession/lmsession.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(SMALL) $(LDFLAGS) $(SMALLLD) -o $@ $(SESSIONSRC) $(TLIBS) $(LDLIBS)
$(O)/example_app: docs/examples/app.c $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ docs/examples/app.c $(O)/liblm.a $(LDLIBS)

$(O)/test_num: test/unit/test_num.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_num.c $(TLIBS) $(LDLIBS)
$(O)/test_wire: test/unit/test_wire.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_wire.c $(TLIBS) $(LDLIBS)
$(O)/test_table: test/unit/test_table.c test/unit/t.h test/unit/expocmp.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_table.c $(TLIBS) $(LDLIBS)
$(O)/test_http: test/unit/test_http.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_http.c $(TLIBS) $(LDLIBS)
$(O)/test_pb: test/unit/test_pb.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_pb.c $(TLIBS) $(LDLIBS)
$(O)/pbdump: test/unit/pbdump.c test/unit/pbtext.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/pbdump.c $(TLIBS) $(LDLIBS)
$(O)/test_expo: test/unit/test_expo.c test/unit/t.h test/unit/pbtext.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_expo.c $(TLIBS) $(LDLIBS)
$(O)/test_hook: test/unit/test_hook.c test/unit/t.h $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_hook.c $(O)/liblm.a $(LDLIBS)
$(O)/test_probe: test/unit/test_probe.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_probe.c $(TLIBS) $(LDLIBS)
$(O)/replay_wire: test/fuzz/fuzz_wire.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"wire\" -o $@ test/fuzz/fuzz_wire.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_table: test/fuzz/fuzz_table.c test/fuzz/replay.c test/unit/expocmp.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"table\" -o $@ test/fuzz/fuzz_table.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_tegra: test/fuzz/fuzz_tegra.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"tegra\" -o $@ test/fuzz/fuzz_tegra.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_nvsmi: test/fuzz/fuzz_nvsmi.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"nvsmi\" -o $@ test/fuzz/fuzz_nvsmi.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_http: test/fuzz/fuzz_http.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"http\" -o $@ test/fuzz/fuzz_http.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_knob: test/fuzz/fuzz_knob.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"knob\" -o $@ test/fuzz/fuzz_knob.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_report: test/fuzz/fuzz_report.c test/unit/inlinecss.h test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"report\" -o $@ test/fuzz/fuzz_report.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_gpuproc: test/fuzz/fuzz_gpuproc.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"gpuproc\" -o $@ test/fuzz/fuzz_gpuproc.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_jetson: test/fuzz/fuzz_jetson.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"jetson\" -o $@ test/fuzz/fuzz_jetson.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_nvmap: test/fuzz/fuzz_nvmap.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"nvmap\" -o $@ test/fuzz/fuzz_nvmap.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_json: test/fuzz/fuzz_json.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"json\" -o $@ test/fuzz/fuzz_json.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/replay_fetch: test/fuzz/fuzz_fetch.c test/fuzz/replay.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -DTARGET=\"fetch\" -o $@ test/fuzz/fuzz_fetch.c test/fuzz/replay.c $(TLIBS) $(LDLIBS)
$(O)/observe: test/unit/observe.c $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ test/unit/observe.c $(O)/liblm.a $(LDLIBS)
$(O)/test_hist: test/unit/test_hist.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_hist.c $(TLIBS) $(LDLIBS)
$(O)/test_report: test/unit/test_report.c test/unit/t.h test/unit/inlinecss.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_report.c $(TLIBS) $(LDLIBS)
$(O)/test_json: test/unit/test_json.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_json.c $(TLIBS) $(LDLIBS)
$(O)/test_fetch: test/unit/test_fetch.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_fetch.c $(TLIBS) $(LDLIBS)
$(O)/test_spawn: test/unit/test_spawn.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_spawn.c $(TLIBS) $(LDLIBS)
$(O)/test_acct: test/unit/test_acct.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_acct.c $(TLIBS) $(LDLIBS)
$(O)/test_top: test/unit/test_top.c test/unit/t.h $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_top.c $(TLIBS) $(LDLIBS)

BENCHES = $(O)/bench_hook $(O)/bench_load $(O)/bench_scrape $(O)/bench_static $(O)/bench_app
$(O)/bench_hook: test/bench/hook.c $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ test/bench/hook.c $(O)/liblm.a $(LDLIBS)
$(O)/bench_load: test/bench/load.c $(TLIBS)
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ test/bench/load.c $(TLIBS) $(LDLIBS)
$(O)/bench_scrape: test/bench/scrape.c $(O)/.dir
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ test/bench/scrape.c $(LDLIBS)
$(O)/bench_static: test/bench/static.c $(O)/.dir
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ test/bench/static.c $(LDLIBS)
$(O)/bench_app: test/bench/app.c $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ test/bench/app.c $(O)/liblm.a $(LDLIBS)

# lmt_rusage: the tests' own account of a command's CPU and I/O; one of
# the apps the tests measure, so never sanitized: it must cost next to
# nothing itself
$(O)/lmt_rusage: test/rusage.c $(O)/.dir
	$(CC) $(CPPFLAGS) -std=c11 -O2 -Wall -Wextra -Werror $(LDFLAGS) -o $@ test/rusage.c

units: $(UNITS) $(O)/lmt_rusage

# make test: installs what the tests need, then runs the suite on the static
# musl build and again on a glibc build with ASan+UBSan.
# The two builds are made side by side, JOBS compiles at a time in all;
# -g1 gives the sanitizers' reports their line numbers at less compile time;
# the sanitizer runtimes linked in (-static-lib*) spare each of the suite's
# thousands of runs the dynamic loader's relocation of them (13 -> 11 ms).
JOBS = $(shell nproc 2>/dev/null || echo 2)
ASAN_MAKE = $(MAKE) O=build/asan CC=gcc LDFLAGS="-static-libasan -static-libubsan" \
	CFLAGS="-std=c11 -O1 -g1 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
test: deps
	$(MAKE) -j$(JOBS) test-builds
	sh test/run.sh build build/asan

test-builds: build-static build-asan
build-static:
	$(MAKE) all units
build-asan:
	+$(ASAN_MAKE) all units

# only the static build, no package installs
check: all units
	sh test/run.sh build

asan:
	+$(ASAN_MAKE) all units
	sh test/run.sh build/asan

# benchmarks: not part of make test; installs the peers (collectd,
# pushgateway), runs test/bench/run.sh, writes docs/benchmarks.md
bench:
	sh scripts/deps.sh bench
	$(MAKE) all $(BENCHES)
	sh test/bench/run.sh $(O)

# fuzzing: not part of make test; clang with libFuzzer (+ASan/UBSan).
# Targets: tegra, nvsmi (lmprobe's parsers; seeds: each line of
# test/data/probe/ as a file), wire, table, http, knob, report (seeds:
# test/fuzz/seeds/TARGET/), gpuproc (the /proc texts of the app's GPU
# processes), jetson (the jetson source's nvpmodel, release and number
# parsers), nvmap (Jetson nvmap client tables), json (the JSON escaper and
# the table's JSON document), fetch (an archive's listing and a -D URL,
# lmsession's datasets by URL; seeds: test/fuzz/seeds/TARGET/).
# Each runs FUZZ_SECONDS (alias FUZZ_SECS); its
# corpus grows in build/fuzz/TARGET, crashes land in build/fuzz/.
FUZZ_SECS = 60
FUZZ_SECONDS = $(FUZZ_SECS)
FUZZ_TARGETS = tegra nvsmi wire table http knob report gpuproc jetson nvmap json fetch
FUZZFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZSRC = lib/lm_tegra.c lib/lm_nvsmi.c lib/lm_send.c lib/lm_wire.c lib/lm_num.c \
	lib/lm_sock.c lib/lm_comm.c lib/lm_buf.c lib/lm_table.c lib/lm_knob.c lib/lm_health.c lib/lm_table_expo.c lib/lm_table_json.c \
	lib/lm_hash.c lib/lm_expo.c lib/lm_http.c \
	lib/lm_json.c lib/lm_report.c lib/lm_report_stat.c lib/lm_report_fmt.c \
	lib/lm_report_expect.c lib/lm_report_base.c lib/lm_report_text.c lib/lm_report_json.c \
	lib/lm_report_junit.c lib/lm_report_html.c lib/lm_report_trend.c \
	lib/lm_session.c lib/lm_hist.c lib/lm_fam.c lib/lm_pb.c lib/lm_expo_pb.c \
	lib/lm_expo_le.c lib/lm_usage.c lib/lm_gpuproc.c lib/lm_proc.c lib/lm_jetson.c lib/lm_nvmap.c \
	lib/lm_sha256.c lib/lm_fetch.c lib/lm_spawn.c
fuzz:
	rm -rf build/fuzz
	mkdir -p build/fuzz
	for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/$$t && \
		clang $(CPPFLAGS) -Ilib $(FUZZFLAGS) -o build/fuzz/fuzz_$$t test/fuzz/fuzz_$$t.c \
			$(FUZZSRC) -lm || exit 1; \
		if [ -d test/fuzz/seeds/$$t ]; then cp test/fuzz/seeds/$$t/* build/fuzz/$$t/; fi; \
		if [ -d test/fuzz/corpus/$$t ]; then cp test/fuzz/corpus/$$t/* build/fuzz/$$t/; fi; \
		cp test/fuzz/regress/* build/fuzz/$$t/; \
	done
	if [ -d build/fuzz/tegra ]; then \
		awk '{ f = sprintf("build/fuzz/tegra/seed%04d", NR); printf "%s", $$0 >f; close(f) }' \
			test/data/probe/tegra-*.txt; fi
	if [ -d build/fuzz/nvsmi ]; then \
		awk '{ q = FILENAME ~ /apps/ ? 1 : 0; f = sprintf("build/fuzz/nvsmi/seed%04d", NR); \
			printf "%d%s", q, $$0 >f; close(f) }' test/data/probe/nvsmi*.txt; fi
	cd build/fuzz && for t in $(FUZZ_TARGETS); do \
		echo "== fuzz_$$t ($(FUZZ_SECONDS) s)"; \
		./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
			$$t 2>fuzz_$$t.log || { tail -n 40 fuzz_$$t.log; exit 1; }; \
		grep -E '^Done|stat::number_of_executed_units' fuzz_$$t.log; \
		grep -E '(DONE|pulse|NEW|REDUCE) +cov:' fuzz_$$t.log | tail -n 1; \
	done

# fuzz-long: a campaign that survives crashes (-fork, -ignore_crashes: every
# distinct crash is kept in build/fuzz/crashes/TARGET/), FUZZ_SECONDS of CPU
# time per target (test/fuzz/campaign.sh: it may run niced beside other
# work), then the new corpus merged (minimised) into test/fuzz/corpus/,
# capped at FUZZ_CORPUS_MAX files a target; commit what it adds. A crash
# found goes to test/fuzz/regress/ once fixed.
FUZZ_CORPUS_MAX = 150
fuzz-long:
	$(MAKE) fuzz FUZZ_SECONDS=1
	sh test/fuzz/campaign.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
	for t in $(FUZZ_TARGETS); do \
		rm -rf build/fuzz/merge.$$t && mkdir -p build/fuzz/merge.$$t test/fuzz/corpus/$$t && \
		build/fuzz/fuzz_$$t -merge=1 -max_len=8192 build/fuzz/merge.$$t test/fuzz/corpus/$$t \
			build/fuzz/$$t 2>/dev/null && \
		rm -f test/fuzz/corpus/$$t/* && \
		ls -Sr build/fuzz/merge.$$t | head -n $(FUZZ_CORPUS_MAX) | \
			while read -r f; do cp build/fuzz/merge.$$t/$$f test/fuzz/corpus/$$t/; done; \
		echo "corpus $$t: $$(ls test/fuzz/corpus/$$t | wc -l) files"; \
	done

# soak test: not part of make test; 4 hooked apps, scrapes every 100 ms, an
# lmtabled restart every 30 s, for SOAK_MINUTES; RSS and fds must stay flat.
SOAK_MINUTES = 10
soak: all
	sh test/soak.sh $(O) $(SOAK_MINUTES)

# valgrind memcheck: not part of make test; a plain glibc debug build in
# build/vg, its unit tests and every tool end to end (test/valgrind.sh)
valgrind:
	$(MAKE) O=build/vg CC=gcc LDFLAGS= CFLAGS="-std=c11 -O1 -g -Wall -Wextra -Werror" all units
	sh test/valgrind.sh build/vg

deps:
	sh scripts/deps.sh test

demo:
	sh scripts/deps.sh demo
	$(MAKE) all
	sh scripts/demo.sh build

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)
	cp -f $(BINS) $(DESTDIR)$(BINDIR)/
	cp -f docs/lmhook.1 docs/lmprobe.1 docs/lmsession.1 $(DESTDIR)$(MANDIR)/man1/
	cp -f docs/lm-wire.5 docs/lm-results.5 docs/lm-json.5 $(DESTDIR)$(MANDIR)/man5/
	cp -f docs/lmtabled.8 docs/lmexport.8 $(DESTDIR)$(MANDIR)/man8/
	cp -f lib/lm.h $(DESTDIR)$(INCDIR)/
	cp -f $(O)/liblm.a $(DESTDIR)$(LIBDIR)/

# the Python module for a system python (a venv: pip install ./lib)
PYTHON = python3
install-python:
	d=$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("purelib"))') && \
		mkdir -p "$(DESTDIR)$$d" && cp -f lib/livemetrics.py "$(DESTDIR)$$d/" && \
		echo "installed $(DESTDIR)$$d/livemetrics.py"

# release tarball: the make install layout (bin, share/man, include, lib)
# plus the set-ups (share/livemetrics: service/, docker/, fleet/) and docs,
# with a SHA256SUMS inside (every file) and one beside it (the tarball).
DISTDIR = $(O)/dist
DISTNAME = livemetrics-$(VERSION)
dist: all
	rm -rf $(DISTDIR)
	arch=$$(uname -m) && d=$(DISTDIR)/stage/$(DISTNAME)-linux-$$arch && \
	$(MAKE) install DESTDIR=$(DISTDIR)/stage PREFIX=/$(DISTNAME)-linux-$$arch && \
	mkdir -p $$d/share/livemetrics $$d/share/doc/livemetrics && \
	cp -R scripts/service scripts/docker docs/fleet $$d/share/livemetrics/ && \
	cp README.md docs/*.md $$d/share/doc/livemetrics/ && \
	cp LICENSE $$d/ && \
	(cd $$d && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | sed 's|^\./||' | \
		xargs sha256sum >SHA256SUMS) && \
	tar -C $(DISTDIR)/stage --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@0 -czf $(DISTDIR)/$(DISTNAME)-linux-$$arch.tar.gz $(DISTNAME)-linux-$$arch && \
	rm -rf $(DISTDIR)/stage && \
	(cd $(DISTDIR) && sha256sum $(DISTNAME)-linux-$$arch.tar.gz >SHA256SUMS && cat SHA256SUMS)

# fleet test: not part of make test; needs root (network namespaces) and
# Prometheus. FLEET_NODES simulated nodes, one Prometheus; figures printed.
FLEET_NODES = 50
fleet: all
	sh test/fleet.sh $(O) $(FLEET_NODES)

uninstall:
	cd $(DESTDIR)$(BINDIR) && rm -f lmhook lmtabled lmexport lmprobe lmsession
	rm -f $(DESTDIR)$(MANDIR)/man1/lmhook.1 $(DESTDIR)$(MANDIR)/man1/lmprobe.1 \
		$(DESTDIR)$(MANDIR)/man1/lmsession.1 \
		$(DESTDIR)$(MANDIR)/man5/lm-wire.5 $(DESTDIR)$(MANDIR)/man5/lm-results.5 \
		$(DESTDIR)$(MANDIR)/man5/lm-json.5 \
		$(DESTDIR)$(MANDIR)/man8/lmtabled.8 $(DESTDIR)$(MANDIR)/man8/lmexport.8 \
		$(DESTDIR)$(INCDIR)/lm.h $(DESTDIR)$(LIBDIR)/liblm.a

clean:
	rm -rf build

.PHONY: install-python all units test test-builds build-static build-asan check asan bench fuzz fuzz-long soak valgrind deps demo install uninstall dist fleet clean
