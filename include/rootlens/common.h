/*
 * common.h - small helpers shared by the command layer and the analyzers:
 * time and address formatting.
 */
#ifndef ROOTLENS_COMMON_H
#define ROOTLENS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define RL_ADDR_STRMAX 46 /* INET6_ADDRSTRLEN */
#define RL_TIME_STRMAX 40

/** "2010-05-05T00:00:00Z" for @p sec (UTC). @return buf. */
const char *rl_time_iso8601(int64_t sec, char buf[RL_TIME_STRMAX]);

/**
 * Parse a UTC time: "2010-05-05T00:00:00Z", "2010-05-05 00:00:00",
 * "2010-05-05" or seconds since the epoch ("@1273017600" or digits).
 * @return 0 or DW_EINVAL.
 */
int rl_time_parse(const char *s, int64_t *sec);

/** Text of an IPv4 (@p ipver 4: first 4 bytes) or IPv6 address. @return buf. */
const char *rl_addr_str(int ipver, const uint8_t *addr, char buf[RL_ADDR_STRMAX]);

#endif
