/*
 * test_nl_link.c - link layers: Ethernet with VLAN tags and padding, Linux
 * cooked v1/v2, raw IP, BSD NULL/LOOP, unsupported link types.
 */
#include "test_nl_build.h"

static uint8_t F[2048], M[512];

/* IPv4/UDP datagram to port 53 carrying message id @p id; @return length. */
static size_t udp4(uint8_t *out, uint16_t id, size_t *mlen)
{
	*mlen = mk_dns(M, id, 20);
	size_t k = mk_udp(out, 40000, 53, M, *mlen);
	return mk_ip4(out, 17, out, k);
}

static size_t udp6(uint8_t *out, uint16_t id, size_t *mlen)
{
	*mlen = mk_dns(M, id, 30);
	size_t k = mk_udp(out, 53, 40001, M, *mlen);
	return mk_ip6(out, 17, A6, B6, out, k);
}

static void expect_one(nl_decoder_t *d, uint8_t ipver, size_t mlen)
{
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M, mlen));
	CU_ASSERT_EQUAL(R.m[0].ipver, ipver);
	CU_ASSERT_EQUAL(R.m[0].transport, NL_UDP);
	CU_ASSERT_EQUAL(R.m[0].fragmented, 0);
	CU_ASSERT_EQUAL(ST(d)->dns_packets, 1);
	CU_ASSERT_EQUAL(ST(d)->packets, 1);
}

static void test_ethernet(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp4(F, 0xabcd, &ml);
	n = mk_eth(F, 0x0800, F, n);
	rec_reset();
	CU_ASSERT_EQUAL(nl_decode(d, NL_LINK_ETHERNET, 7, 500, F, n, n, rec_cb, NULL), 0);
	expect_one(d, 4, ml);
	CU_ASSERT_EQUAL(R.m[0].ts_sec, 7);
	CU_ASSERT_EQUAL(R.m[0].ts_nsec, 500);
	CU_ASSERT_EQUAL(R.m[0].sport, 40000);
	CU_ASSERT_EQUAL(R.m[0].dport, 53);
	CU_ASSERT(memcmp(R.m[0].src, A4, 4) == 0);
	CU_ASSERT(memcmp(R.m[0].dst, B4, 4) == 0);
	CU_ASSERT_EQUAL(R.m[0].src[4], 0);
	nl_decoder_free(d);
}

static void test_ethernet_ipv6(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp6(F, 0x6666, &ml);
	n = mk_eth(F, 0x86dd, F, n);
	rec_reset();
	CU_ASSERT_EQUAL(feed(d, NL_LINK_ETHERNET, 1, F, n), 0);
	expect_one(d, 6, ml);
	CU_ASSERT(memcmp(R.m[0].src, A6, 16) == 0);
	CU_ASSERT(memcmp(R.m[0].dst, B6, 16) == 0);
	CU_ASSERT_EQUAL(R.m[0].sport, 53);
	nl_decoder_free(d);
}

static void test_vlan(void)
{
	static const uint16_t tpids[] = { 0x8100, 0x88a8, 0x9100 };
	for (unsigned t = 0; t < 3; t++) {
		for (unsigned tags = 1; tags <= 3; tags++) {
			nl_decoder_t *d = new_decoder();
			size_t ml, n = udp4(F, (uint16_t)(tags * 10 + t), &ml);
			n = mk_eth_vlan(F, 0x0800, tags, tpids[t], F, n);
			rec_reset();
			feed(d, NL_LINK_ETHERNET, 1, F, n);
			expect_one(d, 4, ml);
			nl_decoder_free(d);
		}
	}
	/* the tag is there but the frame ends inside it */
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp4(F, 1, &ml);
	n = mk_eth_vlan(F, 0x0800, 2, 0x88a8, F, n);
	rec_reset();
	feed(d, NL_LINK_ETHERNET, 1, F, 17);
	CU_ASSERT_EQUAL(R.n, 0);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_LINK_TRUNC], 1);
	nl_decoder_free(d);
}

static void test_padding(void)
{
	/* Tiny IPv4 datagram, frame padded to 60 bytes plus a 4-byte FCS:
	 * the IP total length decides, the padding is not part of UDP. */
	nl_decoder_t *d = new_decoder();
	uint8_t msg[4] = { 1, 2, 3, 4 };
	size_t k = mk_udp(F, 1111, 53, msg, 4);
	k = mk_ip4(F, 17, F, k);
	k = mk_eth(F, 0x0800, F, k);
	CU_ASSERT(k < 60);
	memset(F + k, 0xee, 64 - k);
	rec_reset();
	feed(d, NL_LINK_ETHERNET, 1, F, 64);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, msg, 4));

	/* IPv6 likewise, trusting the payload length */
	k = mk_udp(F, 53, 1111, msg, 4);
	k = mk_ip6(F, 17, A6, B6, F, k);
	k = mk_eth(F, 0x86dd, F, k);
	memset(F + k, 0xee, 20);
	feed(d, NL_LINK_ETHERNET, 1, F, k + 20);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT(rec_is(1, msg, 4));
	nl_decoder_free(d);
}

static void test_sll(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp4(F + 16, 0x5151, &ml);
	memset(F, 0, 16);
	put16(F + 2, 1);	/* ARPHRD_ETHER */
	put16(F + 4, 6);
	put16(F + 14, 0x0800);
	rec_reset();
	feed(d, NL_LINK_LINUX_SLL, 1, F, n + 16);
	expect_one(d, 4, ml);
	/* 802.1Q inside cooked v1 (seen with some drivers) */
	memmove(F + 20, F + 16, n);
	put16(F + 14, 0x8100);
	put16(F + 16, 5);
	put16(F + 18, 0x0800);
	feed(d, NL_LINK_LINUX_SLL, 1, F, n + 20);
	CU_ASSERT_EQUAL(R.n, 2);
	feed(d, NL_LINK_LINUX_SLL, 1, F, 15);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_LINK_TRUNC], 1);
	nl_decoder_free(d);
}

static void test_sll2(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp6(F + 20, 0x5252, &ml);
	memset(F, 0, 20);
	put16(F, 0x86dd);
	put32(F + 4, 2);	/* ifindex */
	put16(F + 8, 1);
	F[11] = 6;
	rec_reset();
	feed(d, NL_LINK_LINUX_SLL2, 1, F, n + 20);
	expect_one(d, 6, ml);
	put16(F, 0x0806);	/* ARP */
	feed(d, NL_LINK_LINUX_SLL2, 1, F, n + 20);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_NOT_IP], 1);
	feed(d, NL_LINK_LINUX_SLL2, 1, F, 19);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_LINK_TRUNC], 1);
	nl_decoder_free(d);
}

/* FDDI: FC, dst, src (13 bytes), then LLC/SNAP AA AA 03 00 00 00 + type. */
static void test_fddi(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp4(F + 21, 0x10dd, &ml);
	const uint8_t hdr[21] = { 0x50, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				  0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00 };
	memcpy(F, hdr, sizeof(hdr));
	rec_reset();
	CU_ASSERT_EQUAL(feed(d, NL_LINK_FDDI, 1, F, n + 21), 0);
	expect_one(d, 4, ml);
	F[13] = 0x42;	/* not SNAP: spanning-tree LLC */
	feed(d, NL_LINK_FDDI, 1, F, n + 21);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_NOT_IP], 1);
	F[13] = 0xaa;
	feed(d, NL_LINK_FDDI, 1, F, 15);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_LINK_TRUNC], 1);
	nl_decoder_free(d);
}

static void test_raw(void)
{
	static const int lts[] = { NL_LINK_RAW_DLT12, NL_LINK_RAW_DLT14, NL_LINK_RAW };
	for (unsigned i = 0; i < 3; i++) {
		nl_decoder_t *d = new_decoder();
		size_t ml, n;
		rec_reset();
		n = udp4(F, 1, &ml);
		feed(d, lts[i], 1, F, n);
		CU_ASSERT_EQUAL(R.n, 1);
		CU_ASSERT_EQUAL(R.m[0].ipver, 4);
		n = udp6(F, 2, &ml);
		feed(d, lts[i], 1, F, n);
		CU_ASSERT_EQUAL(R.n, 2);
		CU_ASSERT_EQUAL(R.m[1].ipver, 6);
		CU_ASSERT(rec_is(1, M, ml));
		F[0] = 0x50;	/* version 5 */
		feed(d, lts[i], 1, F, n);
		CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_IP_BAD], 1);
		feed(d, lts[i], 1, F, 0);
		CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_IP_TRUNC], 1);
		nl_decoder_free(d);
	}
	/* 228/229 fix the version; a mismatch is a bad header */
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp4(F, 3, &ml);
	rec_reset();
	feed(d, NL_LINK_IPV4, 1, F, n);
	CU_ASSERT_EQUAL(R.n, 1);
	feed(d, NL_LINK_IPV6, 1, F, n);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_IP_BAD], 1);
	n = udp6(F, 4, &ml);
	feed(d, NL_LINK_IPV6, 1, F, n);
	CU_ASSERT_EQUAL(R.n, 2);
	feed(d, NL_LINK_IPV4, 1, F, n);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_IP_BAD], 2);
	nl_decoder_free(d);
}

static void test_null_loop(void)
{
	/* AF in host order of the capturing machine: both orders appear. */
	static const struct { uint8_t af[4]; int v; } cases[] = {
		{ { 2, 0, 0, 0 }, 4 },  { { 0, 0, 0, 2 }, 4 },
		{ { 24, 0, 0, 0 }, 6 }, { { 0, 0, 0, 24 }, 6 },
		{ { 28, 0, 0, 0 }, 6 }, { { 0, 0, 0, 28 }, 6 },
		{ { 30, 0, 0, 0 }, 6 }, { { 0, 0, 0, 30 }, 6 },
	};
	nl_decoder_t *d = new_decoder();
	rec_reset();
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t ml, n = cases[i].v == 4 ? udp4(F + 4, (uint16_t)i, &ml)
					       : udp6(F + 4, (uint16_t)i, &ml);
		memcpy(F, cases[i].af, 4);
		feed(d, NL_LINK_NULL, 1, F, n + 4);
		CU_ASSERT_EQUAL(R.n, i + 1);
		CU_ASSERT(rec_is(i, M, ml));
		CU_ASSERT_EQUAL(R.m[i].ipver, cases[i].v);
	}
	/* LOOP: network order only */
	size_t ml, n = udp6(F + 4, 99, &ml);
	memcpy(F, (uint8_t[]){ 0, 0, 0, 24 }, 4);
	feed(d, NL_LINK_LOOP, 1, F, n + 4);
	CU_ASSERT_EQUAL(R.n, 9);
	memcpy(F, (uint8_t[]){ 0, 0, 0, 7 }, 4);	/* AF_IPX-ish */
	feed(d, NL_LINK_LOOP, 1, F, n + 4);
	feed(d, NL_LINK_NULL, 1, F, n + 4);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_NOT_IP], 2);
	feed(d, NL_LINK_NULL, 1, F, 3);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_LINK_TRUNC], 1);
	nl_decoder_free(d);
}

static void test_not_ip_and_short(void)
{
	nl_decoder_t *d = new_decoder();
	uint8_t arp[28] = { 0 };
	size_t n = mk_eth(F, 0x0806, arp, sizeof(arp));
	rec_reset();
	feed(d, NL_LINK_ETHERNET, 1, F, n);
	n = mk_eth(F, 0x88cc, arp, sizeof(arp));	/* LLDP */
	feed(d, NL_LINK_ETHERNET, 1, F, n);
	feed(d, NL_LINK_ETHERNET, 1, F, 13);
	feed(d, NL_LINK_ETHERNET, 1, NULL, 0);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_NOT_IP], 2);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_LINK_TRUNC], 2);
	CU_ASSERT_EQUAL(ST(d)->packets, 4);
	CU_ASSERT_EQUAL(R.n, 0);
	nl_decoder_free(d);
}

static void test_unsupported(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp4(F, 1, &ml);
	rec_reset();
	CU_ASSERT_EQUAL(feed(d, 105, 1, F, n), DW_ELINKTYPE);	/* 802.11 */
	CU_ASSERT_EQUAL(feed(d, -1, 1, F, n), DW_ELINKTYPE);
	CU_ASSERT_EQUAL(ST(d)->packets, 0);
	CU_ASSERT_EQUAL(R.n, 0);
	CU_ASSERT(!nl_linktype_supported(105));
	CU_ASSERT(nl_linktype_supported(NL_LINK_LINUX_SLL2));
	nl_decoder_free(d);
}

static void test_snapped_and_names(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp4(F, 1, &ml);
	n = mk_eth(F, 0x0800, F, n);
	rec_reset();
	/* cut by snaplen inside the UDP payload: handed up, marked */
	nl_decode(d, NL_LINK_ETHERNET, 1, 0, F, n - 5, n, rec_cb, NULL);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT_EQUAL(R.m[0].snapped, 1);
	CU_ASSERT_EQUAL(R.m[0].len, ml - 5);
	CU_ASSERT_EQUAL(R.m[0].wire_len, ml);
	CU_ASSERT_EQUAL(ST(d)->snapped, 1);
	CU_ASSERT_EQUAL(ST(d)->dns_packets, 1);
	/* same bytes with no snaplen cut: the IP length lies */
	nl_decode(d, NL_LINK_ETHERNET, 1, 0, F, n - 5, n - 5, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_IP_BAD], 1);
	CU_ASSERT_EQUAL(ST(d)->snapped, 1);
	/* a NULL callback only counts */
	nl_decode(d, NL_LINK_ETHERNET, 1, 0, F, n, n, NULL, NULL);
	CU_ASSERT_EQUAL(ST(d)->dns_packets, 2);
	CU_ASSERT_STRING_EQUAL(nl_skip_name(NL_SKIP_FRAG_HELD), "frag_held");
	CU_ASSERT_STRING_EQUAL(nl_skip_name(NL_SKIP_LINK_TRUNC), "link_trunc");
	CU_ASSERT_STRING_EQUAL(nl_skip_name(NL_SKIP__COUNT), "unknown");
	for (int s = 0; s < NL_SKIP__COUNT; s++)
		CU_ASSERT_STRING_NOT_EQUAL(nl_skip_name((nl_skip_t)s), "unknown");
	nl_decoder_free(d);
}

static void test_config(void)
{
	nl_config_t cfg;
	nl_decoder_t *d = (nl_decoder_t *)&cfg;

	nl_config_default(&cfg);
	CU_ASSERT_EQUAL(cfg.ports[0], 53);
	CU_ASSERT_EQUAL(cfg.nports, 1);
	cfg.nports = 0;
	CU_ASSERT_EQUAL(nl_decoder_new(&d, &cfg), DW_EINVAL);
	CU_ASSERT_PTR_NULL(d);
	nl_config_default(&cfg);
	cfg.tcp_flow_max_bytes = 1000;
	CU_ASSERT_EQUAL(nl_decoder_new(&d, &cfg), DW_EINVAL);
	nl_config_default(&cfg);
	cfg.tcp_pool_bytes = cfg.tcp_flow_max_bytes;
	CU_ASSERT_EQUAL(nl_decoder_new(&d, &cfg), DW_EINVAL);
	nl_config_default(&cfg);
	cfg.frag_pool_bytes = 4096;
	CU_ASSERT_EQUAL(nl_decoder_new(&d, &cfg), DW_EINVAL);
	CU_ASSERT_EQUAL(nl_decoder_new(NULL, &cfg), DW_EINVAL);

	/* other ports, either side */
	nl_config_default(&cfg);
	cfg.ports[0] = 5353;
	cfg.ports[1] = 853;
	cfg.nports = 2;
	CU_ASSERT_EQUAL_FATAL(nl_decoder_new(&d, &cfg), 0);
	uint8_t msg[12] = { 9 };
	size_t k = mk_udp(F, 5353, 9999, msg, 12);
	k = mk_ip4(F, 17, F, k);
	rec_reset();
	feed(d, NL_LINK_RAW, 1, F, k);
	k = mk_udp(F, 53, 9999, msg, 12);
	k = mk_ip4(F, 17, F, k);
	feed(d, NL_LINK_RAW, 1, F, k);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_NOT_DNS_PORT], 1);
	nl_decoder_free(d);
	nl_decoder_free(NULL);
}

static CU_TestInfo tests[] = {
	{ "ethernet ipv4", test_ethernet },
	{ "ethernet ipv6", test_ethernet_ipv6 },
	{ "vlan single, stacked, 802.1ad, 0x9100", test_vlan },
	{ "ethernet padding and FCS ignored", test_padding },
	{ "linux cooked v1", test_sll },
	{ "linux cooked v2", test_sll2 },
	{ "fddi", test_fddi },
	{ "raw ip 12/14/101/228/229", test_raw },
	{ "bsd null both orders, loop", test_null_loop },
	{ "not ip, short frames", test_not_ip_and_short },
	{ "unsupported link type", test_unsupported },
	{ "snaplen, null callback, skip names", test_snapped_and_names },
	{ "config bounds and ports", test_config },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("nl_link", tests);
}
