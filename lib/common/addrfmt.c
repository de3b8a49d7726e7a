#include <arpa/inet.h>
#include <stdio.h>

#include "rootlens/common.h"

const char *rl_addr_str(int ipver, const uint8_t *addr, char buf[RL_ADDR_STRMAX])
{
	if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, addr, buf, RL_ADDR_STRMAX))
		snprintf(buf, RL_ADDR_STRMAX, "?");
	return buf;
}
