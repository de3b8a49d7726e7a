#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rootlens/common.h"
#include "rootlens/errcode.h"

const char *rl_time_iso8601(int64_t sec, char buf[RL_TIME_STRMAX])
{
	time_t t = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, RL_TIME_STRMAX, "@%lld", (long long)sec);
		return buf;
	}
	strftime(buf, RL_TIME_STRMAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil): avoids timegm(), which is not C11/POSIX. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int rl_time_parse(const char *s, int64_t *sec)
{
	if (!s || !*s)
		return DW_EINVAL;
	const char *p = s[0] == '@' ? s + 1 : s;
	size_t n = strspn(p, "0123456789");
	if (n > 0 && p[n] == '\0' && (s[0] == '@' || n > 8)) {
		long long v;
		if (sscanf(p, "%lld", &v) != 1)
			return DW_EINVAL;
		*sec = v;
		return 0;
	}
	int y, mo, d, h = 0, mi = 0, se = 0, used = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3)
		return DW_EINVAL;
	p = s + used;
	if (*p == 'T' || *p == ' ') {
		int u2 = 0;
		if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &u2) != 3)
			return DW_EINVAL;
		p += 1 + u2;
	}
	if (*p == 'Z')
		p++;
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60 || h < 0 || mi < 0 || se < 0)
		return DW_EINVAL;
	*sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}
