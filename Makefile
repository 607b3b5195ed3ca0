# SPDX-License-Identifier: ISC
# JWT authentication service: four FastCGI executables over one auth object.
# `make run` serves it through lighttpd; `make test` installs, builds and tests.

PKGS		 = libjwt json-c sqlite3 libsodium fcgi libcrypto
CC		?= cc
WERROR		?= -Werror
OPT		?= -O2 -g
CFLAGS_PKG	!= pkg-config --cflags $(PKGS) libpq 2>/dev/null
LDADD_PKG	!= pkg-config --libs $(PKGS) 2>/dev/null
# libpq only in the PostgreSQL module (common/store_backend.h says why).
LDADD_PG	!= pkg-config --libs libpq 2>/dev/null
WARNINGS	 = -W -Wall -Wextra -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wwrite-strings -Wformat=2
HARDEN		 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
VERSION		!= cat VERSION
CFLAGS		+= -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		   $(OPT) $(WARNINGS) $(WERROR) $(HARDEN) $(SANITIZER) \
		   -DJWT_AUTH_VERSION='"$(VERSION)"' -MMD -MP -I. $(CFLAGS_PKG) \
		   -DJWT_AUTH_LIBEXECDIR='"$(LIBEXECDIR)"'
LDFLAGS		+= -pie -Wl,-z,relro,-z,now $(SANITIZER)

PREFIX		?= /usr/local
LIBEXECDIR	?= $(PREFIX)/lib/jwt-auth
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SHAREDIR	?= $(PREFIX)/share/jwt-auth
BUILD		?= build

PG_SRC		 = common/store_pg.c common/pgconn.c
PG_OBJ		 = $(PG_SRC:%.c=$(BUILD)/pic/%.o)
PG_MODULE	 = $(BUILD)/jwt-auth-pg.so
COMMON_SRC	 = $(filter-out $(PG_SRC),$(wildcard common/*.c))
COMMON_OBJ	 = $(COMMON_SRC:%.c=$(BUILD)/%.o)
PROGS		 = login userorders refresh authorize
BINS		 = $(PROGS:%=$(BUILD)/%)
ADMIN_SRC	 = $(wildcard admin/*.c)
ADMIN_OBJ	 = $(ADMIN_SRC:%.c=$(BUILD)/%.o)
DEPLOY_DATA	 = $(wildcard deploy/*.conf)
DEPLOY_SCRIPTS	 = $(wildcard deploy/*.sh)
DEPLOY_SYSTEMD	 = $(wildcard deploy/systemd/*)
DEPLOY_ERRORS	 = $(wildcard deploy/errors/*)
DEPLOY_FAIL2BAN	 = $(wildcard deploy/fail2ban/*/*)
WEB_DIRS	 = $(sort $(shell find web -type d 2>/dev/null))
WEB_FILES	 = $(sort $(shell find web -type f 2>/dev/null))
UNIT_SRC	 = $(wildcard tests/unit/test_*.c)
UNIT_BINS	 = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test check unit run sanitize valgrind install uninstall \
	lint clean

all: $(BINS) $(BUILD)/authctl $(PG_MODULE)

deps:
	@deploy/deps.sh build

# -MMD -MP: each object's .d file lists the headers it includes, so a
# changed header rebuilds exactly what uses it.
$(BUILD)/%.o: %.c Makefile VERSION
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The PostgreSQL module: position-independent, with libpq.
$(BUILD)/pic/%.o: %.c Makefile VERSION
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(PG_MODULE): $(PG_OBJ)
	$(CC) -shared -Wl,-z,relro,-z,now $(SANITIZER) -o $@ $^ $(LDADD_PG)

# Made afresh: ar r keeps the members of a source file since removed or
# renamed, whose stale symbols the linker could then pick.
$(BUILD)/common.a: $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/cgi-bin/%.o $(BUILD)/common.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

# The operator's command (admin/): common/, but never libfcgi's headers.
$(BUILD)/admin/%.o: admin/%.c Makefile VERSION
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# authctl db copy speaks to PostgreSQL itself: a command, not a worker,
# it links libpq.
$(BUILD)/authctl: $(ADMIN_OBJ) $(BUILD)/common.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG) $(LDADD_PG)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/tests/unit/unit.o \
    $(BUILD)/tests/unit/tokenkit.o $(BUILD)/common.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

unit: $(UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS)

test check:
	@deploy/deps.sh test
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@BUILD=$(abspath $(BUILD)) tests/run-all.sh $(UNIT_BINS)

run:
	@deploy/deps.sh run
	@$(MAKE) --no-print-directory all
	@deploy/run.sh

# The layout (authctl(8), FILES): the FastCGI executables are not commands,
# so they go in $(LIBEXECDIR), where the systemd units' ExecStart points;
# authctl in sbin; the rest under $(SHAREDIR).  deploy/ grows, so its files
# go by pattern.  The units name /usr/local (the default PREFIX): they get
# this installation's $(LIBEXECDIR) instead.
install: all
	install -d -m 0755 $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SHAREDIR)/deploy
	install -m 0755 $(BINS) $(DESTDIR)$(LIBEXECDIR)/
	install -m 0644 $(PG_MODULE) $(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(BUILD)/authctl $(DESTDIR)$(SBINDIR)/
	install -m 0644 admin/authctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 .env.example $(DESTDIR)$(SHAREDIR)/
	$(if $(DEPLOY_DATA),install -m 0644 $(DEPLOY_DATA) \
	    $(DESTDIR)$(SHAREDIR)/deploy/)
	$(if $(DEPLOY_SCRIPTS),install -m 0755 $(DEPLOY_SCRIPTS) \
	    $(DESTDIR)$(SHAREDIR)/deploy/)
	$(if $(DEPLOY_SYSTEMD),install -d -m 0755 \
	    $(DESTDIR)$(SHAREDIR)/deploy/systemd)
	$(if $(DEPLOY_ERRORS),install -d -m 0755 \
	    $(DESTDIR)$(SHAREDIR)/deploy/errors)
	$(if $(DEPLOY_ERRORS),install -m 0644 $(DEPLOY_ERRORS) \
	    $(DESTDIR)$(SHAREDIR)/deploy/errors/)
	for f in $(DEPLOY_FAIL2BAN); do \
	    install -D -m 0644 "$$f" "$(DESTDIR)$(SHAREDIR)/$$f" || exit 1; \
	done
	for f in $(DEPLOY_SYSTEMD); do \
	    t="$(DESTDIR)$(SHAREDIR)/deploy/systemd/$${f##*/}"; \
	    sed 's|/usr/local/lib/jwt-auth/|$(LIBEXECDIR)/|g' "$$f" >"$$t" && \
	    chmod 0644 "$$t" || exit 1; \
	done
	$(if $(WEB_DIRS),install -d -m 0755 \
	    $(WEB_DIRS:%=$(DESTDIR)$(SHAREDIR)/%))
	for f in $(WEB_FILES); do \
	    install -m 0644 "$$f" "$(DESTDIR)$(SHAREDIR)/$$f" || exit 1; \
	done

# Everything install put in place, and nothing else: the configuration,
# secret and database (/etc/jwt-auth, /var/lib/jwt-auth) are the
# operator's and stay.
uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(LIBEXECDIR)/%) \
	    $(DESTDIR)$(LIBEXECDIR)/jwt-auth-pg.so \
	    $(DESTDIR)$(SBINDIR)/authctl $(DESTDIR)$(MANDIR)/man8/authctl.8
	rm -rf $(DESTDIR)$(SHAREDIR)
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.SECONDARY:

# Further targets, one topic a file: mk/valgrind.mk, mk/fuzz.mk, mk/bench.mk...
-include mk/*.mk
