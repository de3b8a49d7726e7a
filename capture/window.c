/*
 * window.c - durations and clock-aligned rotation (see window.h).
 */
#include <ctype.h>
#include <stdlib.h>

#include "window.h"

int win_parse_duration(const char *s, int64_t *sec)
{
	int64_t total = 0;
	const char *p = s;
	if (!*p)
		return -1;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return -1;
		char *end;
		long long v = strtoll(p, &end, 10);
		if (v < 0 || v > 100LL * 365 * 86400)
			return -1;
		int64_t unit;
		switch (*end) {
		case 'd': unit = 86400; break;
		case 'h': unit = 3600; break;
		case 'm': unit = 60; break;
		case 's': unit = 1; break;
		case '\0':
			if (p != s)
				return -1; /* "1h30" is ambiguous */
			unit = 1;
			break;
		default: return -1;
		}
		total += (int64_t)v * unit;
		if (total > 100LL * 365 * 86400)
			return -1;
		p = *end ? end + 1 : end;
	}
	if (total <= 0)
		return -1;
	*sec = total;
	return 0;
}

int64_t win_next_boundary(int64_t t, int64_t rotate)
{
	int64_t q = t / rotate;
	if (t < 0 && t % rotate)
		q--; /* floor for times before the epoch */
	return (q + 1) * rotate;
}
