/* SPDX-License-Identifier: ISC */
/*
 * Writing response JSON straight into a buffer, for the hot path
 * (GET /api/userOrders): no json-c object per field, no allocation while
 * the text fits the caller's buffer.  Strings are escaped exactly as
 * json-c writes them with JSON_C_TO_STRING_NOSLASHESCAPE, so the bytes
 * sent do not depend on which of the two built them.
 */
#ifndef COMMON_JSONW_H
#define COMMON_JSONW_H

#include <stddef.h>
#include <stdint.h>

struct jsonw {
	char	*buf;		/* the text so far; not NUL-terminated */
	size_t	 len;		/* bytes used */
	size_t	 cap;		/* bytes of buf */
	char	*stack;		/* the caller's buffer, used first */
	size_t	 stack_cap;	/* its size, restored by jsonw_free */
	int	 failed;	/* out of memory or too large: all is void */
};

/* Start w on the caller's buffer of cap bytes (borrowed until jsonw_free). */
void	jsonw_init(struct jsonw *w, char *stack, size_t cap);

/* Free what w allocated past the caller's buffer; w may be reused. */
void	jsonw_free(struct jsonw *w);

/* Append len bytes as they are (punctuation, member names we wrote). */
void	jsonw_raw(struct jsonw *w, const char *s, size_t len);

/* Append a NUL-terminated literal. */
void	jsonw_lit(struct jsonw *w, const char *s);

/* Append s (len bytes, valid UTF-8) as a quoted, escaped JSON string. */
void	jsonw_str(struct jsonw *w, const char *s, size_t len);

/* Append v as a JSON number. */
void	jsonw_int(struct jsonw *w, int64_t v);

#endif
