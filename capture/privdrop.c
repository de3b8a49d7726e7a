/*
 * privdrop.c - become an unprivileged user (see privdrop.h).
 */
#define _GNU_SOURCE /* setresuid, setresgid */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"

int priv_lookup(const char *user, priv_user_t *u, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		char *end;
		long v = strtol(user, &end, 10);
		if (*user && !*end && v >= 0)
			pw = getpwuid((uid_t)v);
	}
	if (!pw) {
		snprintf(err, errlen, "no such user '%s'", user);
		return -1;
	}
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	int n = PRIV_MAX_GROUPS;
	if (getgrouplist(pw->pw_name, pw->pw_gid, u->groups, &n) < 0) {
		/* more groups than we keep: the primary group only */
		u->groups[0] = pw->pw_gid;
		n = 1;
	}
	u->ngroups = n;
	return 0;
}

int priv_drop(const priv_user_t *u, const char *chroot_dir, char *err, size_t errlen)
{
	if (chroot_dir) {
		if (chroot(chroot_dir) != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "chroot %s: %s", chroot_dir, strerror(errno));
			return -1;
		}
	}
	if (setgroups((size_t)u->ngroups, u->groups) != 0 ||
	    setresgid(u->gid, u->gid, u->gid) != 0 || setresuid(u->uid, u->uid, u->uid) != 0) {
		snprintf(err, errlen, "cannot become user %s: %s", u->name, strerror(errno));
		return -1;
	}
	uid_t r, e, s;
	if (u->uid != 0 && (getresuid(&r, &e, &s) != 0 || r != u->uid || e != u->uid ||
			    s != u->uid || setuid(0) == 0)) {
		snprintf(err, errlen, "still privileged after becoming %s", u->name);
		return -1;
	}
	return 0;
}
