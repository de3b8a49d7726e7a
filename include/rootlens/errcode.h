/*
 * errcode.h - the one error idiom of rootlens.
 *
 * Every library function that can fail returns int: 0 (DW_EOK) on success,
 * a negative DW_E* code on failure. System failures reuse negated errno
 * values; wire and file format failures have their own range. Library code
 * never prints and never exits; the command layer turns codes into text
 * with dw_strerror().
 */
#ifndef ROOTLENS_ERRCODE_H
#define ROOTLENS_ERRCODE_H

#include <errno.h>

enum {
	DW_EOK = 0,
	DW_ENOMEM = -ENOMEM,   /**< allocation failed (set-up time only) */
	DW_EIO = -EIO,         /**< read or write failed */
	DW_EINVAL = -EINVAL,   /**< bad argument */
	DW_ENOENT = -ENOENT,   /**< no such file */

	DW_EMALF = -1000,      /**< malformed wire data (generic) */
	DW_ETRUNC = -1001,     /**< data ends before the structure does */
	DW_ELABEL = -1002,     /**< bad label type or length */
	DW_ELOOP = -1003,      /**< compression pointer forward, self or too many hops */
	DW_ENAMELEN = -1004,   /**< name longer than 255 bytes */
	DW_EFORMAT = -1005,    /**< not a capture file, or a bad file/block header */
	DW_ELINKTYPE = -1006,  /**< unsupported link type */
	DW_EGZIP = -1007,      /**< corrupt gzip/deflate stream */
	DW_ETOOBIG = -1008,    /**< record larger than the reader accepts */
	DW_ETRUNCFILE = -1009, /**< file ends inside a record or block */
	DW_EOPT = -1010,       /**< malformed EDNS OPT record */
};

/** Text for an error code. Never NULL; unknown codes give a generic text. */
const char *dw_strerror(int code);

#endif
