/*
 * names.c - safe names in the archive (ar_names.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ar_names.h"
#include "rootlens/errcode.h"

/*
 * Valid UTF-8 (RFC 3629: shortest form, no surrogates, at most U+10FFFF)
 * without control characters. @return NULL, or what is wrong.
 */
static const char *text_problem(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t c = *p;
		int more;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return "a control character";
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			c &= 0x07;
		} else {
			return "invalid UTF-8";
		}
		for (int i = 1; i <= more; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return "invalid UTF-8";
			c = (c << 6) | (p[i] & 0x3f);
		}
		if ((more == 2 && c < 0x800) || (more == 3 && (c < 0x10000 || c > 0x10ffff)) ||
		    (c >= 0xd800 && c <= 0xdfff))
			return "invalid UTF-8";
		if (c >= 0x80 && c <= 0x9f)
			return "a control character";
		p += more + 1;
	}
	return NULL;
}

/* "server \"..\"": the value quoted as far as it is printable. */
static void say(char *err, size_t errlen, const char *what, const char *s, const char *why)
{
	char shown[64];
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && k < sizeof(shown) - 4; p++)
		shown[k++] = (*p >= 0x20 && *p < 0x7f) ? (char)*p : '?';
	shown[k] = '\0';
	if (strlen(s) > k)
		strcat(shown, "...");
	snprintf(err, errlen, "%s \"%s\" %s", what, shown, why);
}

int ar_label_check(const char *s, const char *what, char *err, size_t errlen)
{
	const char *why;
	if (!s || !*s) {
		snprintf(err, errlen, "%s is empty", what);
		return DW_EINVAL;
	}
	if (strlen(s) > AR_NAME_MAX) {
		say(err, errlen, what, s, "is longer than 200 bytes");
		return DW_EINVAL;
	}
	if ((why = text_problem(s))) {
		char buf[64];
		snprintf(buf, sizeof(buf), "contains %s", why);
		say(err, errlen, what, s, buf);
		return DW_EINVAL;
	}
	return 0;
}

int ar_name_check(const char *s, const char *what, char *err, size_t errlen)
{
	int rc = ar_label_check(s, what, err, errlen);
	if (rc < 0)
		return rc;
	if (strchr(s, '/')) {
		say(err, errlen, what, s, "contains '/': it must be a single path component");
		return DW_EINVAL;
	}
	if (s[0] == '.') {
		say(err, errlen, what, s,
		    !strcmp(s, ".") || !strcmp(s, "..") ? "is not a name" :
							  "starts with '.' (names of the archive's own files)");
		return DW_EINVAL;
	}
	if (s[0] == '-') {
		say(err, errlen, what, s, "starts with '-'");
		return DW_EINVAL;
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

int ar_file_name_check(const char *s, char *err, size_t errlen)
{
	int rc = ar_name_check(s, "file name", err, errlen);
	if (rc < 0)
		return rc;
	if (ends_with(s, ".json")) {
		say(err, errlen, "file name", s,
		    "ends in .json: that is a manifest; give the capture file beside it");
		return DW_EINVAL;
	}
	if (ends_with(s, ".tmp") || ends_with(s, ".part")) {
		say(err, errlen, "file name", s, "is the name of a file still being written");
		return DW_EINVAL;
	}
	return 0;
}
