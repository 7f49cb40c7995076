# livemetrics build configuration; override on the command line:
#   make CC=gcc LDFLAGS=  (dynamic glibc build)
VERSION = 0.1.0
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
INCDIR = $(PREFIX)/include
LIBDIR = $(PREFIX)/lib

CC = musl-gcc
CPPFLAGS = -D_GNU_SOURCE -DLM_VERSION=\"$(VERSION)\"
# no unwind tables (C, no exceptions). The objects stay PIC-capable as the
# compiler's default makes them: liblm.a is linked into apps, which are
# PIE by default (-fno-pie objects fail to link there)
CFLAGS = -std=c11 -O2 -pipe -Wall -Wextra -Werror -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables
LDFLAGS = -static -no-pie -Wl,--gc-sections -s
# code off every hot path (lmsession, its results, the app's accounting):
# built for size; lmsession also packs its read-only data right after its
# code (no page of padding between them: about 178 KiB)
SMALL = -Os
SMALLLD = -Wl,-z,noseparate-code
LDLIBS = -lpthread -lm
AR = ar
