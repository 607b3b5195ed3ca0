/* SPDX-License-Identifier: ISC */
/*
 * authctl key: the asymmetric signing keys and their rotation (authctl(8),
 * README "Asymmetric tokens").  Keys move next (published, not signing)
 * → current (signing) → previous (published until its last token has
 * expired) → retired (gone from the JWK Set, private key deleted).
 */
#ifndef ADMIN_KEYS_H
#define ADMIN_KEYS_H

/*
 * Run "key SUB [ARG]" (argv[0] is "key").  Returns the exit status: 0
 * done, 1 failure (one line on stderr), 2 usage.
 */
int	keys_main(int argc, char **argv);

#endif
