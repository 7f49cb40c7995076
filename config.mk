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
CFLAGS = -std=c11 -O2 -pipe -Wall -Wextra -Werror -ffunction-sections -fdata-sections
LDFLAGS = -static -Wl,--gc-sections -s
LDLIBS = -lpthread -lm
AR = ar
