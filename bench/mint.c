/* SPDX-License-Identifier: ISC */
/*
 * Access tokens for the bench's cold rate (bench/asym.sh): every request
 * must carry a token no worker has verified before, so a round needs more
 * distinct tokens than it makes requests.  Reads the service's own
 * configuration (ENV_FILE and the rest, as bench/seed does), so token_sign
 * signs them with the service's key.
 *
 *	mint N NAMES
 *
 * writes N access tokens on stdout, one a line, for the user names of the
 * file NAMES (one a line) in turn; each has its own jti, so no two are
 * the same even for one user in one second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/config.h"
#include "common/token.h"
#include "common/username.h"

#define MINT_NAMES	20000	/* user names read */

int
main(int argc, char **argv)
{
	static char	 names[MINT_NAMES][USERNAME_MAX + 2];
	struct config	 cfg;
	char		 err[512], *tok;
	long		 n, i, count = 0;
	time_t		 now = time(NULL);
	FILE		*f;
	int		 ret = 1;

	memset(&cfg, 0, sizeof(cfg));
	if (argc != 3 || (n = atol(argv[1])) < 1) {
		fprintf(stderr, "usage: mint N NAMES\n");
		return 2;
	}
	if ((f = fopen(argv[2], "r")) == NULL) {
		fprintf(stderr, "mint: cannot open %s\n", argv[2]);
		return 1;
	}
	while (count < MINT_NAMES && fgets(names[count], sizeof(names[0]), f))
		if ((names[count][strcspn(names[count], "\n")] = '\0',
		    names[count][0] != '\0'))
			count++;
	fclose(f);
	if (count == 0) {
		fprintf(stderr, "mint: no names in %s\n", argv[2]);
		return 1;
	}
	if (sodium_init() < 0 || config_load(&cfg, err, sizeof(err)) == -1 ||
	    token_init(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "mint: %s\n", err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((tok = token_sign(&cfg, names[i % count], now)) == NULL) {
			fprintf(stderr, "mint: cannot sign for %s\n",
			    names[i % count]);
			goto out;
		}
		if (printf("%s\n", tok) < 0) {
			free(tok);
			goto out;
		}
		free(tok);
	}
	ret = fflush(stdout) == 0 ? 0 : 1;
out:
	token_fini(&cfg);
	config_free(&cfg);
	return ret;
}
