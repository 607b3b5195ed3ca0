# JWT authentication service: three FastCGI executables over one auth object.
# `make run` serves it through lighttpd; `make test` installs, builds and tests.

PKGS		 = libjwt json-c sqlite3 libsodium fcgi
CC		?= cc
WERROR		?= -Werror
OPT		?= -O2 -g
CFLAGS_PKG	!= pkg-config --cflags $(PKGS) 2>/dev/null
LDADD_PKG	!= pkg-config --libs $(PKGS) 2>/dev/null
WARNINGS	 = -W -Wall -Wextra -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wwrite-strings -Wformat=2
HARDEN		 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS		+= -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		   $(OPT) $(WARNINGS) $(WERROR) $(HARDEN) $(SANITIZER) \
		   -I. $(CFLAGS_PKG)
LDFLAGS		+= -pie -Wl,-z,relro,-z,now $(SANITIZER)

PREFIX		?= /usr/local
BUILD		?= build

COMMON_SRC	 = $(wildcard common/*.c)
COMMON_OBJ	 = $(COMMON_SRC:%.c=$(BUILD)/%.o)
PROGS		 = login userorders refresh
BINS		 = $(PROGS:%=$(BUILD)/%)
ADMIN_SRC	 = $(wildcard admin/*.c)
ADMIN_OBJ	 = $(ADMIN_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC	 = $(wildcard tests/unit/test_*.c)
UNIT_BINS	 = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test check unit run sanitize valgrind install clean

all: $(BINS) $(BUILD)/authctl

deps:
	@deploy/deps.sh build

$(BUILD)/%.o: %.c $(wildcard common/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/common.a: $(COMMON_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/cgi-bin/%.o $(BUILD)/common.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

# The operator's command (admin/): common/, but never libfcgi's headers.
$(BUILD)/admin/%.o: admin/%.c $(wildcard common/*.h admin/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/authctl: $(ADMIN_OBJ) $(BUILD)/common.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/tests/unit/unit.o $(BUILD)/common.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

unit: $(UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS)

test check:
	@deploy/deps.sh test
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@tests/run-all.sh $(UNIT_BINS)

run:
	@deploy/deps.sh run
	@$(MAKE) --no-print-directory all
	@deploy/run.sh

# Builds into build/ (the tests run what is there), so clean before and after.
sanitize:
	$(MAKE) clean
	$(MAKE) SANITIZER="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	    OPT="-O1 -g" UBSAN_OPTIONS=halt_on_error=1 test
	$(MAKE) clean

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/jwt-auth/cgi-bin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/lib/jwt-auth/cgi-bin/
	install -d $(DESTDIR)$(PREFIX)/share/jwt-auth/deploy
	install -m 0644 deploy/*.conf $(DESTDIR)$(PREFIX)/share/jwt-auth/deploy/

clean:
	rm -rf $(BUILD)

.SECONDARY:
