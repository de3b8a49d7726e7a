#include <string.h>

#include "rootlens/errcode.h"

const char *dw_strerror(int code)
{
	switch (code) {
	case DW_EOK: return "success";
	case DW_EMALF: return "malformed data";
	case DW_ETRUNC: return "data truncated";
	case DW_ELABEL: return "bad label";
	case DW_ELOOP: return "bad compression pointer";
	case DW_ENAMELEN: return "name too long";
	case DW_EFORMAT: return "not a pcap or pcapng file, or bad header";
	case DW_ELINKTYPE: return "unsupported link type";
	case DW_EGZIP: return "corrupt gzip stream";
	case DW_ETOOBIG: return "record too large";
	case DW_ETRUNCFILE: return "file truncated inside a record";
	case DW_EOPT: return "malformed EDNS OPT record";
	default:
		if (code < 0 && code > -1000)
			return strerror(-code);
		return "unknown error";
	}
}
