# livemetrics - POSIX Makefile; settings in config.mk
.POSIX:
.SUFFIXES:
.DELETE_ON_ERROR:

include config.mk

# O: build directory (the ASan build uses its own)
O = build

BINS = $(O)/lmhook $(O)/lmtabled $(O)/lmexport
LIBOBJ = $(O)/lm.o $(O)/lm_buf.o $(O)/lm_num.o $(O)/lm_wire.o $(O)/lm_sock.o \
	$(O)/lm_table.o $(O)/lm_http.o $(O)/lm_expo.o $(O)/lm_msg.o
UNITS = $(O)/test_num $(O)/test_wire $(O)/test_table $(O)/test_http \
	$(O)/test_expo $(O)/test_hook
EXAMPLES = $(O)/example_app
MANS = docs/lmhook.1 docs/lmtabled.8 docs/lmexport.8 docs/lm-wire.5

ALLCFLAGS = $(CPPFLAGS) -Ilib $(CFLAGS)

all: $(BINS) $(O)/liblm.a $(EXAMPLES)

$(O)/.dir:
	mkdir -p $(O)
	touch $@

$(O)/lm.o: lib/lm.c lib/lm.h lib/lm_wire.h lib/lm_num.h lib/lm_sock.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm.c
$(O)/lm_buf.o: lib/lm_buf.c lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_buf.c
$(O)/lm_num.o: lib/lm_num.c lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_num.c
$(O)/lm_wire.o: lib/lm_wire.c lib/lm_wire.h lib/lm_num.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_wire.c
$(O)/lm_sock.o: lib/lm_sock.c lib/lm_sock.h lib/lm_buf.h lib/lm_wire.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_sock.c
$(O)/lm_table.o: lib/lm_table.c lib/lm_table.h lib/lm_wire.h lib/lm_num.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_table.c
$(O)/lm_http.o: lib/lm_http.c lib/lm_http.h lib/lm_sock.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_http.c
$(O)/lm_expo.o: lib/lm_expo.c lib/lm_expo.h lib/lm_wire.h lib/lm_num.h lib/lm_buf.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_expo.c
$(O)/lm_msg.o: lib/lm_msg.c lib/lm_msg.h $(O)/.dir
	$(CC) $(ALLCFLAGS) -c -o $@ lib/lm_msg.c

$(O)/liblm.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(O)/lmhook: cmd/lmhook.c $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ cmd/lmhook.c $(O)/liblm.a $(LDLIBS)
$(O)/lmtabled: cmd/lmtabled.c $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ cmd/lmtabled.c $(O)/liblm.a $(LDLIBS)
$(O)/lmexport: cmd/lmexport.c $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ cmd/lmexport.c $(O)/liblm.a $(LDLIBS)
$(O)/example_app: docs/examples/app.c $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ docs/examples/app.c $(O)/liblm.a $(LDLIBS)

$(O)/test_num: test/unit/test_num.c test/unit/t.h $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_num.c $(O)/liblm.a $(LDLIBS)
$(O)/test_wire: test/unit/test_wire.c test/unit/t.h $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_wire.c $(O)/liblm.a $(LDLIBS)
$(O)/test_table: test/unit/test_table.c test/unit/t.h $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_table.c $(O)/liblm.a $(LDLIBS)
$(O)/test_http: test/unit/test_http.c test/unit/t.h $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_http.c $(O)/liblm.a $(LDLIBS)
$(O)/test_expo: test/unit/test_expo.c test/unit/t.h $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_expo.c $(O)/liblm.a $(LDLIBS)
$(O)/test_hook: test/unit/test_hook.c test/unit/t.h $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -Itest/unit -o $@ test/unit/test_hook.c $(O)/liblm.a $(LDLIBS)

$(O)/bench_hook: test/bench/hook.c $(O)/liblm.a
	$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ test/bench/hook.c $(O)/liblm.a $(LDLIBS)

units: $(UNITS)

# make test: installs what the tests need, then runs the suite on the static
# musl build and again on a glibc build with ASan+UBSan.
test: deps
	$(MAKE) all units
	$(MAKE) O=build/asan CC=gcc LDFLAGS= \
		CFLAGS="-std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		all units
	sh test/run.sh build build/asan

# only the static build, no package installs
check: all units
	sh test/run.sh build

asan:
	$(MAKE) O=build/asan CC=gcc LDFLAGS= \
		CFLAGS="-std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		all units
	sh test/run.sh build/asan

# benchmarks: not part of make test; writes docs/benchmarks.md
bench: all $(O)/bench_hook
	sh test/bench/run.sh $(O)

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
	cp -f docs/lmhook.1 $(DESTDIR)$(MANDIR)/man1/
	cp -f docs/lm-wire.5 $(DESTDIR)$(MANDIR)/man5/
	cp -f docs/lmtabled.8 docs/lmexport.8 $(DESTDIR)$(MANDIR)/man8/
	cp -f lib/lm.h $(DESTDIR)$(INCDIR)/
	cp -f $(O)/liblm.a $(DESTDIR)$(LIBDIR)/

uninstall:
	cd $(DESTDIR)$(BINDIR) && rm -f lmhook lmtabled lmexport
	rm -f $(DESTDIR)$(MANDIR)/man1/lmhook.1 $(DESTDIR)$(MANDIR)/man5/lm-wire.5 \
		$(DESTDIR)$(MANDIR)/man8/lmtabled.8 $(DESTDIR)$(MANDIR)/man8/lmexport.8 \
		$(DESTDIR)$(INCDIR)/lm.h $(DESTDIR)$(LIBDIR)/liblm.a

clean:
	rm -rf build

.PHONY: all units test check asan bench deps demo install uninstall clean
