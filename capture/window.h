/*
 * window.h - the time arithmetic of a capture window: durations as
 * operators write them, and rotation boundaries aligned to the clock.
 */
#ifndef ROOTLENS_CAPTURE_WINDOW_H
#define ROOTLENS_CAPTURE_WINDOW_H

#include <stdint.h>

/**
 * "48h", "90m", "30s", "2d", "1h30m", or plain seconds ("600").
 * @return 0, or -1 when @p s is not such a duration or is not positive.
 */
int win_parse_duration(const char *s, int64_t *sec);

/** The first multiple of @p rotate (seconds since the epoch) after @p t. */
int64_t win_next_boundary(int64_t t, int64_t rotate);

#endif
