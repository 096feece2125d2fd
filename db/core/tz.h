/* tz.h - IANA time zones read from the system's compiled zoneinfo (TZif).
 *
 * Zone math never touches TZ, localtime() or mktime(): a zone is the list of
 * UTC offset changes read from <root>/<name> (TZif version 2 or later, 64-bit
 * data) plus the file's POSIX TZ footer rule for instants after the last
 * listed change. <root> is $ZQ_ZONEINFO if set, else /usr/share/zoneinfo.
 * "UTC" and "Etc/UTC" are built in and need no file.
 *
 * Ownership and threads: zq_tz_get() returns a pointer into a process-wide
 * cache (guarded by a mutex while loading, read-only afterwards). The caller
 * never frees it; it stays valid until zq_tz_cache_free(), which is for
 * clean shutdown only, after every user of a zone is done. All other
 * functions are pure and safe to call from any thread. */
#ifndef ZQ_TZ_H
#define ZQ_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct zq_tz zq_tz;

/* Longest zone name accepted (the longest IANA name is about 32 bytes). */
#define ZQ_TZ_NAME_MAX 64

/* The zone called name ("Europe/Berlin"), loading it on first use.
 * Returns NULL and fills err on failure: ZQ_EINVAL for a name that is not a
 * plausible zone name (empty, too long, leading '/', a ".." or empty path
 * component, characters outside [A-Za-z0-9/_+-]) and ZQ_ENOTFOUND for a
 * name with no readable, valid TZif file; the message names the zone, e.g.
 * "unknown time zone 'Mars/Base'". Never returns a partial zone. */
const zq_tz *zq_tz_get(const char *name, zq_err *err);

/* Free every cached zone. Pointers from zq_tz_get() become invalid. */
void zq_tz_cache_free(void);

/* The name the zone was loaded under. */
const char *zq_tz_name(const zq_tz *tz);

/* UTC offset in seconds east of UTC in effect at utc_ms (New York in
 * summer: -14400). */
int zq_tz_offset_at(const zq_tz *tz, int64_t utc_ms);

/* The stretch of time around an instant during which the offset is
 * constant, for the schedule engine: [start, end) in UTC seconds, the
 * offset in that stretch and the offset just before start (equal to off for
 * the first stretch). start is INT64_MIN / end INT64_MAX when unbounded.
 * Consecutive stretches differ in offset, except where a file's table and
 * footer disagree (off == prev_off is then possible and harmless). */
typedef struct zq_tz_span {
	int64_t start, end;
	int32_t off, prev_off;
} zq_tz_span;

void zq_tz_span_at(const zq_tz *tz, int64_t utc_sec, zq_tz_span *span);

/* Build a zone from TZif bytes, outside the cache (tests, fuzzing, tools).
 * Returns NULL and fills err (ZQ_EINVAL naming the zone) on malformed data;
 * free the result with zq_tz_free(). */
zq_tz *zq_tz_parse(const char *name, const void *data, size_t len, zq_err *err);
void zq_tz_free(zq_tz *tz);

#endif
