# SPDX-License-Identifier: GPL-2.0-only
# xlb: `make` builds everything into build/; `make deps`, `make test`, `make bench`, `make lab`.

BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH_INC  := /usr/include/$(shell $(CC) -dumpmachine)

# -mcpu=v3: atomic fetch-and-add for the round-robin cursor.
BPF_CFLAGS := -target bpf -mcpu=v3 -O2 -g -Wall -Werror -Iinclude -I$(ARCH_INC)
CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Werror -std=gnu11 -Iinclude -Iuser/lib -Iuser/xlbd -Iuser/sqlproxy \
	      -Iuser/appd -I$(BUILD)
LDLIBS     := -lxdp -lbpf -lelf -lz
XLBD_LIBS  := -levent_openssl -levent -linih -lmariadb -lssl -lcrypto
SQLP_LIBS  := -levent -linih -lmariadb -lcrypto
APPD_LIBS  := -levent -linih -lmariadb -ljansson
# libFuzzer targets: clang with its fuzzer runtime and the sanitizers.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 \
	       -Iinclude -Iuser/lib -Iuser/sqlproxy
FUZZ_SECONDS ?= 60

# Debian packages every part of the project needs (build, tests, lab, benchmarks).
DEPS := build-essential clang llvm libbpf-dev libxdp-dev bpftool xdp-tools libelf-dev \
	zlib1g-dev libevent-dev libinih-dev libssl-dev default-libmysqlclient-dev iproute2 ethtool \
	nginx wrk curl perl python3 procps mariadb-server mariadb-client sysbench socat libjansson-dev \
	haproxy nftables openssl gnuplot-nox vagrant vagrant-libvirt

BPF_OBJS  := $(BUILD)/xlb.bpf.o $(BUILD)/pass.bpf.o \
	     $(patsubst tools/%.bpf.c,$(BUILD)/%.bpf.o,$(wildcard tools/*.bpf.c))
SKELS     := $(BPF_OBJS:.bpf.o=.skel.h)
LIB_SRCS  := $(wildcard user/lib/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
# xlbd's modules, in a library that the daemon and the unit tests link.
XLBD_SRCS := $(filter-out user/xlbd/main.c,$(wildcard user/xlbd/*.c))
XLBD_OBJS := $(XLBD_SRCS:%.c=$(BUILD)/%.o)
# xlb-sqlproxy's modules, likewise.
SQLP_SRCS := $(filter-out user/sqlproxy/main.c,$(wildcard user/sqlproxy/*.c))
SQLP_OBJS := $(SQLP_SRCS:%.c=$(BUILD)/%.o)
# appd's modules, likewise.
APPD_SRCS := $(filter-out user/appd/main.c,$(wildcard user/appd/*.c))
APPD_OBJS := $(APPD_SRCS:%.c=$(BUILD)/%.o)
CLI_SRCS  := $(wildcard user/xlb/*.c)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c tests/bpf/*.c))
TOOL_BINS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(filter-out %.bpf.c,$(wildcard tools/*.c)))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/*.c))
HEADERS   := $(wildcard include/xlb/*.h user/lib/*.h user/xlbd/*.h user/sqlproxy/*.h user/appd/*.h \
	     tests/lib/*.h)

PREFIX    ?= /usr/local
SYSCONFDIR ?= /etc

.PHONY: all deps test bench fuzz lab lab-down install clean
all: $(BUILD)/xlb $(BUILD)/xlbd $(BUILD)/xlb-sqlproxy $(BUILD)/appd $(BPF_OBJS) $(TEST_BINS) $(TOOL_BINS) \
	$(FUZZ_BINS)

deps:
	@if dpkg -s $(DEPS) >/dev/null 2>&1; then echo "deps: all installed"; else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEPS); fi

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/xlb/abi.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# BPF programs that only the benchmarks load.
$(BUILD)/%.bpf.o: tools/%.bpf.c include/xlb/abi.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(BUILD)/%.o: %.c $(HEADERS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libxlb.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/xlb: $(CLI_OBJS) $(BUILD)/libxlb.a
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/libxlbd.a: $(XLBD_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/xlbd: $(BUILD)/user/xlbd/main.o $(BUILD)/libxlbd.a $(BUILD)/libxlb.a
	$(CC) $(CFLAGS) $^ -o $@ $(XLBD_LIBS) $(LDLIBS)

$(BUILD)/libsqlproxy.a: $(SQLP_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/xlb-sqlproxy: $(BUILD)/user/sqlproxy/main.o $(BUILD)/libsqlproxy.a $(BUILD)/libxlb.a
	$(CC) $(CFLAGS) $^ -o $@ $(SQLP_LIBS) $(LDLIBS)

$(BUILD)/libappd.a: $(APPD_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/appd: $(BUILD)/user/appd/main.o $(BUILD)/libappd.a $(BUILD)/libxlb.a
	$(CC) $(CFLAGS) $^ -o $@ $(APPD_LIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libappd.a $(BUILD)/libsqlproxy.a $(BUILD)/libxlbd.a \
		  $(BUILD)/libxlb.a
	$(CC) $(CFLAGS) $^ -o $@ $(XLBD_LIBS) -ljansson $(LDLIBS)

# A fuzz target is built from the sources it exercises, all instrumented; each target names
# them in its first line: "// fuzz-sources: user/sqlproxy/lexer.c ...".
$(BUILD)/fuzz/%: tests/fuzz/%.c $(HEADERS) $(SQLP_SRCS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $< $$(sed -n '1s|^// fuzz-sources:||p' $<) -o $@ -levent -lcrypto

$(BUILD)/tools/%: $(BUILD)/tools/%.o $(BUILD)/libxlb.a
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# TAP through prove: C tests print TAP themselves, shell tests use tests/lib/tap.sh.
test: all
	prove -v $(TEST_BINS) $(sort $(wildcard tests/cli/*.sh tests/netns/*.sh tests/sql/*.sh \
		tests/lab/*.sh))

# Each fuzz target for FUZZ_SECONDS (a short run of each is part of `make test`).
fuzz: $(FUZZ_BINS)
	tools/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

bench: all
	tools/bench.sh

lab: deps all
	tools/lab.sh up

lab-down:
	tools/lab.sh down

# Binaries, the BPF object (also embedded in them), the systemd units, the example configs, appd's
# schema and static files; an existing /etc/xlb/xlb.conf or sqlproxy.conf is left as it is.
install: all
	install -D -m 0755 $(BUILD)/xlb $(DESTDIR)$(PREFIX)/sbin/xlb
	install -D -m 0755 $(BUILD)/xlbd $(DESTDIR)$(PREFIX)/sbin/xlbd
	install -D -m 0755 $(BUILD)/xlb-sqlproxy $(DESTDIR)$(PREFIX)/sbin/xlb-sqlproxy
	install -D -m 0755 $(BUILD)/appd $(DESTDIR)$(PREFIX)/sbin/appd
	install -D -m 0644 $(BUILD)/xlb.bpf.o $(DESTDIR)$(PREFIX)/lib/xlb/xlb.bpf.o
	install -D -m 0644 etc/xlbd.service $(DESTDIR)$(SYSCONFDIR)/systemd/system/xlbd.service
	install -D -m 0644 etc/xlb.conf $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.conf.example
	install -D -m 0644 etc/xlb-sqlproxy.service \
		$(DESTDIR)$(SYSCONFDIR)/systemd/system/xlb-sqlproxy.service
	install -D -m 0600 etc/sqlproxy.conf $(DESTDIR)$(SYSCONFDIR)/xlb/sqlproxy.conf.example
	install -D -m 0644 etc/appd.service $(DESTDIR)$(SYSCONFDIR)/systemd/system/appd.service
	install -D -m 0644 etc/appd.conf $(DESTDIR)$(SYSCONFDIR)/xlb/appd.conf.example
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/xlb/appd user/appd/schema.sql
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/xlb/appd/static user/appd/static/*
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/xlb/README.md
	@[ -e $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.conf ] || \
		install -m 0644 etc/xlb.conf $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.conf
	@[ -e $(DESTDIR)$(SYSCONFDIR)/xlb/sqlproxy.conf ] || \
		install -m 0600 etc/sqlproxy.conf $(DESTDIR)$(SYSCONFDIR)/xlb/sqlproxy.conf

clean:
	rm -rf $(BUILD)

# Keep generated skeletons and objects: they are inputs, not throwaway intermediates.
.SECONDARY:
