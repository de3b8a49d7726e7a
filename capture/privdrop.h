/*
 * privdrop.h - giving up root after the capture devices are open: the
 * user's groups, an optional chroot, then group and user ids (real,
 * effective and saved), checked afterwards.
 */
#ifndef ROOTLENS_CAPTURE_PRIVDROP_H
#define ROOTLENS_CAPTURE_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

#define PRIV_MAX_GROUPS 64

typedef struct priv_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIV_MAX_GROUPS];
	int ngroups;
} priv_user_t;

/** Look @p user up (name or number) while /etc is still reachable. */
int priv_lookup(const char *user, priv_user_t *u, char *err, size_t errlen);

/**
 * chroot to @p chroot_dir when set, then become @p u for good.
 * @return 0, or -1 with @p err (the caller must not go on as root).
 */
int priv_drop(const priv_user_t *u, const char *chroot_dir, char *err, size_t errlen);

#endif
