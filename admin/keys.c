/* SPDX-License-Identifier: ISC */
/*
 * authctl key generate | rotate [--force] | retire KID | list | jwks.
 *
 * The keys live in the folder of TOKEN_SIGNING_KEY_FILE: each private key
 * as KID.pem (0600), and keys.json, the state of each (next, current,
 * previous, retired) and since when.  From them every command that
 * changes anything writes, each file by rename(2): the current key to
 * TOKEN_SIGNING_KEY_FILE (0600, read by the signers) and the public keys
 * of next, current and previous to TOKEN_VERIFY_KEYS_FILE (0644, the JWK
 * Set the verifiers read and the web server serves).  Running workers
 * pick both up within a second (common/keyring.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "common/config.h"
#include "common/jwk.h"
#include "common/rfc3339.h"
#include "common/strictjson.h"

#include "admin/envfile.h"
#include "admin/keys.h"

#define KEYS_MANIFEST	"keys.json"
#define KEYS_MAX_AGE	300	/* s: the JWK Set's Cache-Control max-age */
#define KEYS_JOSE_CACHE	600	/* s: jose's createRemoteJWKSet cacheMaxAge */
#define KEYS_WAIT	(KEYS_MAX_AGE > KEYS_JOSE_CACHE ? KEYS_MAX_AGE : \
			    KEYS_JOSE_CACHE)

enum keys_state { KEY_NEXT, KEY_CURRENT, KEY_PREVIOUS, KEY_RETIRED };

static const char *const keys_states[] = {
	"next", "current", "previous", "retired"
};

struct keys_entry {
	char		 kid[JWK_KID_LEN + 1];
	enum jwk_alg	 alg;
	enum keys_state	 state;
	int64_t		 since;		/* when it entered its state */
};

struct keys {
	struct config	 cfg;
	char		 dir[PATH_MAX];	/* the folder of the signing key */
	struct keys_entry e[JWK_SET_MAX];
	size_t		 n;
	int64_t		 now;
};

/* dir/name into buf (PATH_MAX bytes).  0 or -1. */
static int
keys_path(const struct keys *k, const char *name, const char *ext,
    char *buf)
{
	int	 n;

	n = snprintf(buf, PATH_MAX, "%s/%s%s", k->dir, name, ext);
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

/*
 * Write len bytes of text to path by rename(2), with mode; a file already
 * there keeps its owner, group and mode (less any write bit but the
 * owner's), so a key the operator gave to the signers' group stays theirs
 * after a rotation.  0 or -1.
 */
static int
keys_write(const char *path, const char *text, size_t len, mode_t mode)
{
	struct envfile	 ef;
	char		 err[512];

	memset(&ef, 0, sizeof(ef));
	ef.text = (char *)text;
	ef.len = len;
	if (stat(path, &ef.st) == 0) {
		ef.exists = 1;
		mode = ef.st.st_mode & 0755;
	}
	if (envfile_write_mode(&ef, path, mode, err, sizeof(err)) == -1) {
		fprintf(stderr, "authctl: key: %s\n", err);
		return -1;
	}
	return 0;
}

/* The private key KID.pem, parsed; NULL with a line on stderr. */
static struct jwk *
keys_load_pem(const struct keys *k, const char *kid, char **pem,
    size_t *len)
{
	struct envfile	 ef;
	struct jwk	*key = NULL;
	char		 path[PATH_MAX], err[512];

	memset(&ef, 0, sizeof(ef));
	if (keys_path(k, kid, ".pem", path) == -1 ||
	    envfile_read(&ef, path, err, sizeof(err)) == -1 || !ef.exists) {
		fprintf(stderr, "authctl: key: cannot read the private key "
		    "%s.pem in %s\n", kid, k->dir);
		goto out;
	}
	if ((key = jwk_from_pem(ef.text, ef.len, err, sizeof(err))) == NULL)
		fprintf(stderr, "authctl: key: %s: %s\n", path, err);
	else if (strcmp(key->kid, kid) != 0) {
		fprintf(stderr, "authctl: key: %s holds another key\n", path);
		jwk_free(key);
		key = NULL;
	}
	if (key != NULL && pem != NULL) {
		*pem = ef.text;
		*len = ef.len;
		ef.text = NULL;
	}
out:
	envfile_free(&ef);
	return key;
}

/* Read keys.json into k (a missing one is an empty list).  0 or -1. */
static int
keys_read(struct keys *k)
{
	struct json_object	*root = NULL, *arr, *o;
	struct envfile		 ef;
	const char		*kid, *alg, *st;
	char			 path[PATH_MAX], err[512];
	size_t			 i, len;
	int			 j, rc = -1;

	memset(&ef, 0, sizeof(ef));
	if (keys_path(k, KEYS_MANIFEST, "", path) == -1 ||
	    envfile_read(&ef, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "authctl: key: %s\n", err);
		goto out;
	}
	if (!ef.exists) {
		rc = 0;
		goto out;
	}
	if ((root = strictjson_object(ef.text, ef.len, 4)) == NULL ||
	    !json_object_object_get_ex(root, "keys", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) > JWK_SET_MAX)
		goto bad;
	for (i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		if ((kid = strictjson_string(o, "kid", &len)) == NULL ||
		    len != JWK_KID_LEN ||
		    (alg = strictjson_string(o, "alg", &len)) == NULL ||
		    jwk_alg_parse(alg, &k->e[i].alg) == -1 ||
		    (st = strictjson_string(o, "state", &len)) == NULL ||
		    strictjson_int(o, "since", &k->e[i].since) != 0)
			goto bad;
		for (j = 0; j <= KEY_RETIRED; j++)
			if (strcmp(st, keys_states[j]) == 0)
				break;
		if (j > KEY_RETIRED)
			goto bad;
		k->e[i].state = (enum keys_state)j;
		memcpy(k->e[i].kid, kid, JWK_KID_LEN + 1);
		k->n = i + 1;
	}
	rc = 0;
	goto out;
bad:
	fprintf(stderr, "authctl: key: %s: not a key list written by "
	    "authctl\n", path);
out:
	json_object_put(root);
	envfile_free(&ef);
	return rc;
}

/* The entry in state, or NULL. */
static struct keys_entry *
keys_find_state(struct keys *k, enum keys_state state)
{
	size_t	 i;

	for (i = 0; i < k->n; i++)
		if (k->e[i].state == state)
			return &k->e[i];
	return NULL;
}

/* Retire e: out of the set, its private key deleted. */
static void
keys_retire(struct keys *k, struct keys_entry *e)
{
	char	 path[PATH_MAX];

	e->state = KEY_RETIRED;
	e->since = k->now;
	if (keys_path(k, e->kid, ".pem", path) == 0 && unlink(path) == -1 &&
	    errno != ENOENT)
		fprintf(stderr, "authctl: key: warning: cannot delete %s: "
		    "%s\n", path, strerror(errno));
}

/* Retire every previous key whose last token has expired. */
static void
keys_expire(struct keys *k)
{
	size_t	 i;

	for (i = 0; i < k->n; i++)
		if (k->e[i].state == KEY_PREVIOUS && k->e[i].since +
		    k->cfg.access_ttl + k->cfg.leeway <= k->now)
			keys_retire(k, &k->e[i]);
}

/*
 * The JWK Set of every published key (current, next, previous) into a
 * malloc'd string with a final newline.  NULL with a line on stderr.
 */
static char *
keys_jwks(const struct keys *k, size_t *len)
{
	static const enum keys_state order[] = {
		KEY_CURRENT, KEY_NEXT, KEY_PREVIOUS
	};
	struct jwk	*key;
	char		 one[JWK_JSON_MAX], *buf;
	size_t		 i, j, cap = 16 + k->n * (JWK_JSON_MAX + 1), off;
	int		 n, first = 1;

	if ((buf = malloc(cap)) == NULL)
		return NULL;
	off = (size_t)snprintf(buf, cap, "{\"keys\":[");
	for (j = 0; j < sizeof(order) / sizeof(order[0]); j++)
		for (i = 0; i < k->n; i++) {
			if (k->e[i].state != order[j])
				continue;
			if ((key = keys_load_pem(k, k->e[i].kid, NULL,
			    NULL)) == NULL) {
				free(buf);
				return NULL;
			}
			n = jwk_public_json(key, one, sizeof(one));
			jwk_free(key);
			if (n < 0) {
				free(buf);
				return NULL;
			}
			off += (size_t)snprintf(buf + off, cap - off, "%s%s",
			    first ? "" : ",", one);
			first = 0;
		}
	off += (size_t)snprintf(buf + off, cap - off, "]}\n");
	*len = off;
	return buf;
}

/*
 * Write keys.json, then the JWK Set, then the signing key: a verifier
 * holds the new public key before a signer can use its private half.
 */
static int
keys_save(struct keys *k)
{
	struct jwk		*key;
	struct keys_entry	*cur;
	char			 path[PATH_MAX], *buf, *pem;
	size_t			 i, len, off = 0, cap;
	int			 rc = -1;

	cap = 16 + k->n * 160;
	if ((buf = malloc(cap)) == NULL)
		return -1;
	off += (size_t)snprintf(buf, cap, "{\"keys\":[\n");
	for (i = 0; i < k->n; i++)
		off += (size_t)snprintf(buf + off, cap - off, "{\"kid\":\"%s\","
		    "\"alg\":\"%s\",\"state\":\"%s\",\"since\":%lld}%s\n",
		    k->e[i].kid, jwk_alg_name(k->e[i].alg),
		    keys_states[k->e[i].state], (long long)k->e[i].since,
		    i + 1 < k->n ? "," : "");
	off += (size_t)snprintf(buf + off, cap - off, "]}\n");
	if (keys_path(k, KEYS_MANIFEST, "", path) == -1 ||
	    keys_write(path, buf, off, 0600) == -1) {
		free(buf);
		return -1;
	}
	free(buf);
	if (k->cfg.verify_keys_file != NULL) {
		if ((buf = keys_jwks(k, &len)) == NULL)
			return -1;
		rc = keys_write(k->cfg.verify_keys_file, buf, len, 0644);
		free(buf);
		if (rc == -1)
			return -1;
	}
	if ((cur = keys_find_state(k, KEY_CURRENT)) == NULL)
		return 0;
	if ((key = keys_load_pem(k, cur->kid, &pem, &len)) == NULL)
		return -1;
	jwk_free(key);
	rc = keys_write(k->cfg.signing_key_file, pem, len, 0600);
	sodium_memzero(pem, len);
	free(pem);
	return rc;
}

/* generate: a new key of TOKEN_ALG, current when there is none, else
 * next (published now, signing after rotate). */
static int
keys_generate(struct keys *k)
{
	struct keys_entry	*e, *next;
	struct jwk		*key;
	char			 path[PATH_MAX], err[256], *pem;
	size_t			 len;
	int			 rc;

	if ((next = keys_find_state(k, KEY_NEXT)) != NULL) {
		fprintf(stderr, "authctl: key: the next key %s is waiting "
		    "already: rotate to it first\n", next->kid);
		return -1;
	}
	if (k->n == JWK_SET_MAX) {
		fprintf(stderr, "authctl: key: %d keys already\n",
		    JWK_SET_MAX);
		return -1;
	}
	if (jwk_generate_pem(k->cfg.alg, &pem, &len) == -1) {
		fprintf(stderr, "authctl: key: cannot make a %s key\n",
		    jwk_alg_name(k->cfg.alg));
		return -1;
	}
	key = jwk_from_pem(pem, len, err, sizeof(err));
	rc = key == NULL || keys_path(k, key->kid, ".pem", path) == -1 ||
	    keys_write(path, pem, len, 0600) == -1 ? -1 : 0;
	sodium_memzero(pem, len);
	free(pem);
	if (rc == -1) {
		jwk_free(key);
		return -1;
	}
	e = &k->e[k->n++];
	memcpy(e->kid, key->kid, sizeof(e->kid));
	e->alg = key->alg;
	e->state = keys_find_state(k, KEY_CURRENT) == NULL ? KEY_CURRENT :
	    KEY_NEXT;
	e->since = k->now;
	jwk_free(key);
	if (keys_save(k) == -1)
		return -1;
	printf("%s %s %s\n", e->kid, jwk_alg_name(e->alg),
	    keys_states[e->state]);
	return 0;
}

/* rotate: next becomes current, current previous. */
static int
keys_rotate(struct keys *k, int force)
{
	struct keys_entry	*next, *cur;

	if ((next = keys_find_state(k, KEY_NEXT)) == NULL) {
		fprintf(stderr, "authctl: key: no next key: authctl key "
		    "generate publishes one\n");
		return -1;
	}
	/* Verifiers may hold the JWK Set without the next key this long. */
	if (!force && k->now - next->since < KEYS_WAIT) {
		fprintf(stderr, "authctl: key: the next key %s has been "
		    "published for %llds only; verifiers may cache the key set "
		    "for %ds: wait %llds more, or --force\n", next->kid,
		    (long long)(k->now - next->since), KEYS_WAIT,
		    (long long)(KEYS_WAIT - (k->now - next->since)));
		return -1;
	}
	if ((cur = keys_find_state(k, KEY_CURRENT)) != NULL) {
		cur->state = KEY_PREVIOUS;
		cur->since = k->now;
	}
	next->state = KEY_CURRENT;
	next->since = k->now;
	if (keys_save(k) == -1)
		return -1;
	printf("%s current\n", next->kid);
	return 0;
}

/* retire KID: a next or previous key leaves the set now. */
static int
keys_retire_kid(struct keys *k, const char *kid)
{
	size_t	 i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->e[i].kid, kid) == 0)
			break;
	if (i == k->n) {
		fprintf(stderr, "authctl: key: no key %s\n", kid);
		return -1;
	}
	if (k->e[i].state == KEY_CURRENT) {
		fprintf(stderr, "authctl: key: %s signs: rotate before "
		    "retiring it\n", kid);
		return -1;
	}
	keys_retire(k, &k->e[i]);
	if (keys_save(k) == -1)
		return -1;
	printf("%s retired\n", kid);
	return 0;
}

static void
keys_list(const struct keys *k)
{
	char	 t[RFC3339_LEN + 1];
	size_t	 i;

	for (i = 0; i < k->n; i++) {
		rfc3339_utc(k->e[i].since, t);
		printf("%s %s %s %s\n", k->e[i].kid,
		    jwk_alg_name(k->e[i].alg), keys_states[k->e[i].state], t);
	}
}

static int
keys_usage(void)
{
	fprintf(stderr, "usage: authctl key generate | rotate [--force] | "
	    "retire kid | list | jwks\n");
	return 2;
}

int
keys_main(int argc, char **argv)
{
	struct keys	*k;
	char		 err[512], buf[PATH_MAX], *doc;
	const char	*sub = argc > 1 ? argv[1] : "";
	size_t		 len;
	int		 rc = -1, force = 0;

	if (strcmp(sub, "help") == 0 || strcmp(sub, "--help") == 0 ||
	    strcmp(sub, "-h") == 0) {
		printf("usage: authctl key generate | rotate [--force] | "
		    "retire kid | list | jwks\n");
		return 0;
	}
	if (strcmp(sub, "rotate") == 0 && argc == 3 &&
	    strcmp(argv[2], "--force") == 0)
		force = 1;
	else if (strcmp(sub, "retire") == 0 ? argc != 3 :
	    (argc != 2 || (strcmp(sub, "generate") != 0 &&
	    strcmp(sub, "rotate") != 0 && strcmp(sub, "list") != 0 &&
	    strcmp(sub, "jwks") != 0)))
		return keys_usage();
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return 1;
	k->now = time(NULL);
	if (config_load(&k->cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "authctl: %s\n", err);
		goto out;
	}
	if (k->cfg.alg == JWK_HS256 || k->cfg.signing_key_file == NULL) {
		fprintf(stderr, "authctl: key: needs TOKEN_ALG (EdDSA, ES256 "
		    "or RS256) and TOKEN_SIGNING_KEY_FILE\n");
		goto out;
	}
	snprintf(buf, sizeof(buf), "%s", k->cfg.signing_key_file);
	snprintf(k->dir, sizeof(k->dir), "%s", dirname(buf));
	if (mkdir(k->dir, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "authctl: key: cannot make %s: %s\n", k->dir,
		    strerror(errno));
		goto out;
	}
	if (keys_read(k) == -1)
		goto out;
	if (strcmp(sub, "list") == 0) {
		keys_list(k);
		rc = 0;
		goto out;
	}
	if (strcmp(sub, "jwks") == 0) {
		if ((doc = keys_jwks(k, &len)) != NULL) {
			fwrite(doc, 1, len, stdout);
			free(doc);
			rc = 0;
		}
		goto out;
	}
	keys_expire(k);
	if (strcmp(sub, "generate") == 0)
		rc = keys_generate(k);
	else if (strcmp(sub, "rotate") == 0)
		rc = keys_rotate(k, force);
	else
		rc = keys_retire_kid(k, argv[2]);
out:
	config_free(&k->cfg);
	free(k);
	return rc == 0 ? 0 : 1;
}
