/* timeutil.h - instants as int64 milliseconds since the Unix epoch (UTC).
 *
 * Every instant in zq is an int64_t count of ms since 1970-01-01T00:00:00Z
 * (names end in _ms). ZQ_TIME_NONE means "no instant" (SQL NULL). Civil
 * conversion here is UTC only; zone-aware math lives in the schedule engine.
 * All functions are pure and thread-safe except the clock hooks. */
#ifndef ZQ_TIMEUTIL_H
#define ZQ_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define ZQ_TIME_NONE INT64_MIN

/* Broken-down UTC (or wall) time; month 1-12, mday 1-31, ms 0-999. */
typedef struct zq_civil {
	int year, month, mday, hour, min, sec, ms;
} zq_civil;

/* Days since 1970-01-01 for a proleptic Gregorian date, and back. */
int64_t zq_days_from_civil(int64_t y, int m, int d);
void zq_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 0 = Sunday .. 6 = Saturday */
int zq_weekday_from_days(int64_t days);
int zq_is_leap(int64_t year);
int zq_days_in_month(int64_t year, int month);

int64_t zq_civil_to_ms(const zq_civil *c);
void zq_ms_to_civil(int64_t ms, zq_civil *c);

/* "2026-01-20T10:00:00.123Z" (always ms and Z). buf needs 25 bytes; returns
 * buf. ZQ_TIME_NONE formats as "". */
char *zq_time_format_iso(int64_t ms, char *buf, size_t bufsz);
/* "2026-01-20T10:00:00Z" (whole seconds, as cron-next prints). */
char *zq_time_format_iso_sec(int64_t ms, char *buf, size_t bufsz);
/* Parse ISO-8601: YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH[:MM]]. A missing
 * offset means UTC. Returns 0 and *ms, or ZQ_EINVAL. */
int zq_time_parse_iso(const char *s, int64_t *ms);

/* Clocks. The wall clock is injectable for tests (a clock jump is a test, not a wait): set a hook
 * before threads start; NULL restores the real clock. */
typedef int64_t (*zq_clock_fn)(void);
void zq_wall_clock_set(zq_clock_fn fn);
int64_t zq_wall_ms(void);      /* CLOCK_REALTIME unless hooked */
int64_t zq_mono_ms(void);      /* CLOCK_MONOTONIC */
int64_t zq_mono_us(void);

#endif
