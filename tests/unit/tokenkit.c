/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/config.h"
#include "common/hs256.h"
#include "common/jwk.h"
#include "tests/unit/tokenkit.h"

#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING

static unsigned char	 tokenkit_key[] = TOKENKIT_KEY;
static struct hs256_key	*tokenkit_hkey;

static void
tokenkit_free(void)
{
	hs256_key_free(tokenkit_hkey);
}

void
tokenkit_cfg(struct config *cfg)
{
	if (tokenkit_hkey == NULL) {
		tokenkit_hkey = hs256_key_new(tokenkit_key,
		    sizeof(tokenkit_key) - 1, CONFIG_SECRET_MIN);
		atexit(tokenkit_free);
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->secret = tokenkit_key;
	cfg->secret_len = sizeof(tokenkit_key) - 1;
	cfg->key = tokenkit_hkey;
	cfg->access_ttl = 1800;
	cfg->refresh_ttl = 604800;
	cfg->invalid_status = 403;
}

char *
tokenkit_mint(char *tok, size_t len, const char *hdr, const char *payload)
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 sig[crypto_auth_hmacsha256_BYTES];
	size_t				 n;

	sodium_bin2base64(tok, len, (const unsigned char *)hdr, strlen(hdr),
	    B64);
	n = strlen(tok);
	tok[n++] = '.';
	sodium_bin2base64(tok + n, len - n, (const unsigned char *)payload,
	    strlen(payload), B64);
	n += strlen(tok + n);
	crypto_auth_hmacsha256_init(&st, tokenkit_key,
	    sizeof(tokenkit_key) - 1);
	crypto_auth_hmacsha256_update(&st, (unsigned char *)tok, n);
	crypto_auth_hmacsha256_final(&st, sig);
	tok[n++] = '.';
	sodium_bin2base64(tok + n, len - n, sig, sizeof(sig), B64);
	return tok;
}

void
tokenkit_pair(const char *dir, const char *pem_path, const char *set_path,
    char *kid)
{
	char		 tmp[256], json[JWK_JSON_MAX + 16], err[256], *pem;
	struct jwk	*k;
	size_t		 len;
	int		 n;
	FILE		*fp;

	if (jwk_generate_pem(JWK_EDDSA, &pem, &len) == -1 ||
	    (k = jwk_from_pem(pem, len, err, sizeof(err))) == NULL)
		exit(2);
	memcpy(kid, k->kid, JWK_KID_LEN + 1);
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	if ((fp = fopen(tmp, "w")) == NULL || fwrite(pem, 1, len, fp) != len ||
	    fclose(fp) != 0 || rename(tmp, pem_path) == -1)
		exit(2);
	n = snprintf(json, sizeof(json), "{\"keys\":[");
	n += jwk_public_json(k, json + n, sizeof(json) - (size_t)n);
	snprintf(json + n, sizeof(json) - (size_t)n, "]}");
	if ((fp = fopen(tmp, "w")) == NULL || fputs(json, fp) == EOF ||
	    fclose(fp) != 0 || rename(tmp, set_path) == -1)
		exit(2);
	free(pem);
	jwk_free(k);
}
