/*
 * live.c - libpcap devices for the collector (see live.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"

#define LIVE_MAX_IFACES 16

struct live {
	pcap_t *h[LIVE_MAX_IFACES];
	struct pollfd pfd[LIVE_MAX_IFACES];
	int n;
	int linktype;
	char warnings[512];
	/* libpcap's counters are 32-bit and wrap: keep our own 64-bit sums */
	uint32_t last_drop[LIVE_MAX_IFACES], last_ifdrop[LIVE_MAX_IFACES];
	uint64_t drop, ifdrop;
};

char *live_filter(const char *user, int no_fragments)
{
	const char *f = user ? user : "port 53";
	size_t len = strlen(f) + sizeof(LIVE_FRAGMENTS) + 16;
	char *s = malloc(len);
	if (!s)
		return NULL;
	if (no_fragments)
		snprintf(s, len, "%s", f);
	else if (user)
		snprintf(s, len, "(%s) or %s", user, LIVE_FRAGMENTS);
	else
		snprintf(s, len, "%s", LIVE_DEFAULT_FILTER);
	return s;
}

void live_close(live_t *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n; i++)
		pcap_close(l->h[i]);
	free(l);
}

static int open_one(live_t *l, const char *iface, const live_opts_t *o, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *h = pcap_create(iface, ebuf);
	if (!h) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		return -1;
	}
	l->h[l->n++] = h;
	pcap_set_snaplen(h, o->snaplen);
	pcap_set_promisc(h, o->promisc);
	pcap_set_timeout(h, 100);
	pcap_set_immediate_mode(h, 0);
	pcap_set_buffer_size(h, o->buffer_mib * 1024 * 1024);
	int rc = pcap_activate(h);
	if (rc < 0) {
		const char *why = pcap_geterr(h);
		if (rc == PCAP_ERROR_NO_SUCH_DEVICE || rc == PCAP_ERROR_PERM_DENIED ||
		    rc == PCAP_ERROR_IFACE_NOT_UP || !why || !*why)
			why = pcap_statustostr(rc);
		snprintf(err, errlen, "%s: %s", iface, why);
		return -1;
	}
	if (rc > 0) {
		size_t w = strlen(l->warnings);
		snprintf(l->warnings + w, sizeof(l->warnings) - w, "%s%s: %s", w ? "; " : "", iface,
			 pcap_statustostr(rc));
	}
	int lt = pcap_datalink(h);
	if (l->n == 1) {
		l->linktype = lt;
	} else if (lt != l->linktype) {
		snprintf(err, errlen,
			 "%s: link type %s differs from %s on the first interface; one capture "
			 "file holds one link type (capture on 'any', or run one collector per "
			 "interface)",
			 iface, pcap_datalink_val_to_name(lt) ? pcap_datalink_val_to_name(lt) : "?",
			 pcap_datalink_val_to_name(l->linktype) ? pcap_datalink_val_to_name(l->linktype)
								: "?");
		return -1;
	}
	struct bpf_program prog;
	if (pcap_compile(h, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "%s: filter '%s': %s", iface, o->filter, pcap_geterr(h));
		return -1;
	}
	rc = pcap_setfilter(h, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot set the filter: %s", iface, pcap_geterr(h));
		return -1;
	}
	if (pcap_setnonblock(h, 1, ebuf) != 0) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		return -1;
	}
	int fd = pcap_get_selectable_fd(h);
	if (fd < 0) {
		snprintf(err, errlen, "%s: no selectable descriptor", iface);
		return -1;
	}
	l->pfd[l->n - 1].fd = fd;
	l->pfd[l->n - 1].events = POLLIN;
	return 0;
}

live_t *live_open(const char *const *ifaces, int n, const live_opts_t *o, char *err,
		  size_t errlen)
{
	if (n < 1 || n > LIVE_MAX_IFACES) {
		snprintf(err, errlen, "between 1 and %d interfaces, not %d", LIVE_MAX_IFACES, n);
		return NULL;
	}
	live_t *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (open_one(l, ifaces[i], o, err, errlen) != 0) {
			live_close(l);
			return NULL;
		}
	}
	return l;
}

int live_linktype(const live_t *l)
{
	return l->linktype;
}

const char *live_warnings(const live_t *l)
{
	return l->warnings;
}

void live_breakloop(live_t *l)
{
	for (int i = 0; i < l->n; i++)
		pcap_breakloop(l->h[i]);
}

int live_dispatch(live_t *l, int timeout_ms, pcap_handler cb, unsigned char *user, char *err,
		  size_t errlen)
{
	int r = poll(l->pfd, (nfds_t)l->n, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : (snprintf(err, errlen, "poll: %s", strerror(errno)), -1);
	int total = 0;
	for (int i = 0; i < l->n; i++) {
		if (!(l->pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		/* with TPACKET_V3 one call hands over what the kernel has ready */
		int got = pcap_dispatch(l->h[i], -1, cb, user);
		if (got == PCAP_ERROR) {
			snprintf(err, errlen, "%s", pcap_geterr(l->h[i]));
			return -1;
		}
		if (got > 0)
			total += got;
	}
	return total;
}

void live_drops(live_t *l, uint64_t *kernel, uint64_t *interface)
{
	for (int i = 0; i < l->n; i++) {
		struct pcap_stat st;
		if (pcap_stats(l->h[i], &st) != 0)
			continue;
		l->drop += (uint32_t)(st.ps_drop - l->last_drop[i]);
		l->ifdrop += (uint32_t)(st.ps_ifdrop - l->last_ifdrop[i]);
		l->last_drop[i] = st.ps_drop;
		l->last_ifdrop[i] = st.ps_ifdrop;
	}
	*kernel = l->drop;
	*interface = l->ifdrop;
}
