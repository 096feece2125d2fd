/* test_cron.c - cron parsing and next-fire: a table of expressions with the
 * exact UTC instants they must fire at (worked out from the calendar and
 * the zones' rules, reasoning in the comments), the DST policy in several
 * zones, far-future dates, and the list of rejected expressions with the
 * field each message must name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cron.h"
#include "timeutil.h"
#include "tz.h"

struct fire_case {
	const char *zone;
	const char *expr;
	const char *from;        /* ISO-8601, next fires are strictly after it */
	const char *expect[6];   /* successive fires, UTC; NULL-terminated */
};

/* Calendar facts used below: 2025-01-01 is a Wednesday; Jan 2025 Mondays are
 * 6 13 20 27, Fridays 3 10 17 24 31; 2024 and 2028 are leap years, 2100 is
 * not. */
static const struct fire_case syntax_cases[] = {
	/* every minute, strictly after the start */
	{"UTC", "* * * * *", "2025-01-01T00:00:00Z", {"2025-01-01T00:01:00Z", "2025-01-01T00:02:00Z"}},
	/* ms are honoured: 00:00:59.999 -> 00:01:00, and exactly 00:01 -> 00:02 */
	{"UTC", "* * * * *", "2025-01-01T00:00:59.999Z", {"2025-01-01T00:01:00Z"}},
	{"UTC", "* * * * *", "2025-01-01T00:01:00.000Z", {"2025-01-01T00:02:00Z"}},
	/* list */
	{"UTC", "5,10,50 * * * *", "2025-01-01T00:00:00Z",
	 {"2025-01-01T00:05:00Z", "2025-01-01T00:10:00Z", "2025-01-01T00:50:00Z", "2025-01-01T01:05:00Z"}},
	/* range, then the next day */
	{"UTC", "10-12 3 * * *", "2025-01-01T00:00:00Z",
	 {"2025-01-01T03:10:00Z", "2025-01-01T03:11:00Z", "2025-01-01T03:12:00Z", "2025-01-02T03:10:00Z"}},
	/* step on * */
	{"UTC", "*/20 * * * *", "2025-01-01T00:00:00Z",
	 {"2025-01-01T00:20:00Z", "2025-01-01T00:40:00Z", "2025-01-01T01:00:00Z"}},
	/* step on a range */
	{"UTC", "10-30/10 9 * * *", "2025-01-01T00:00:00Z",
	 {"2025-01-01T09:10:00Z", "2025-01-01T09:20:00Z", "2025-01-01T09:30:00Z", "2025-01-02T09:10:00Z"}},
	/* N/step = N-59/step: 0/15 is every 15 minutes, 5/20 is 5,25,45 */
	{"UTC", "0/15 * * * *", "2025-01-01T00:00:00Z",
	 {"2025-01-01T00:15:00Z", "2025-01-01T00:30:00Z", "2025-01-01T00:45:00Z", "2025-01-01T01:00:00Z"}},
	{"UTC", "5/20 * * * *", "2025-01-01T00:00:00Z",
	 {"2025-01-01T00:05:00Z", "2025-01-01T00:25:00Z", "2025-01-01T00:45:00Z", "2025-01-01T01:05:00Z"}},
	/* leading zeros; hour 0/6 = 0,6,12,18 */
	{"UTC", "07 0/6 * * *", "2025-01-01T00:00:00Z",
	 {"2025-01-01T00:07:00Z", "2025-01-01T06:07:00Z", "2025-01-01T12:07:00Z", "2025-01-01T18:07:00Z"}},
	/* names, any case: June 1 2025 is a Sunday */
	{"UTC", "0 12 * jun SUN", "2025-01-01T00:00:00Z",
	 {"2025-06-01T12:00:00Z", "2025-06-08T12:00:00Z", "2025-06-15T12:00:00Z"}},
	{"UTC", "0 0 1 Jan-MAR,oct *", "2025-01-01T00:00:00Z",
	 {"2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z", "2025-10-01T00:00:00Z", "2026-01-01T00:00:00Z"}},
	{"UTC", "0 8 * * mon-WED", "2025-01-01T00:00:00Z",
	 {"2025-01-01T08:00:00Z", "2025-01-06T08:00:00Z", "2025-01-07T08:00:00Z", "2025-01-08T08:00:00Z"}},
	/* dow 7 and 0 are both Sunday (Jan 5, 12) */
	{"UTC", "0 0 * * 7", "2025-01-01T00:00:00Z", {"2025-01-05T00:00:00Z", "2025-01-12T00:00:00Z"}},
	{"UTC", "0 0 * * 0", "2025-01-01T00:00:00Z", {"2025-01-05T00:00:00Z", "2025-01-12T00:00:00Z"}},
	/* 5-7 = Fri, Sat, Sun */
	{"UTC", "0 0 * * 5-7", "2025-01-01T00:00:00Z",
	 {"2025-01-03T00:00:00Z", "2025-01-04T00:00:00Z", "2025-01-05T00:00:00Z", "2025-01-10T00:00:00Z"}},
	/* '?' leaves the other day field alone */
	{"UTC", "0 0 ? * MON", "2025-01-01T00:00:00Z", {"2025-01-06T00:00:00Z", "2025-01-13T00:00:00Z"}},
	{"UTC", "0 0 15 * ?", "2025-01-01T00:00:00Z", {"2025-01-15T00:00:00Z", "2025-02-15T00:00:00Z"}},
	/* dom and dow both restricted: either (Fridays 3, 10, 17 and the 13th) */
	{"UTC", "0 0 13 * FRI", "2025-01-01T00:00:00Z",
	 {"2025-01-03T00:00:00Z", "2025-01-10T00:00:00Z", "2025-01-13T00:00:00Z", "2025-01-17T00:00:00Z"}},
	/* '*' + step is a restriction: days 1,11,21,31 or Mondays 6,13,20,27 */
	{"UTC", "0 0 */10 * MON", "2025-01-01T00:00:00Z",
	 {"2025-01-06T00:00:00Z", "2025-01-11T00:00:00Z", "2025-01-13T00:00:00Z", "2025-01-20T00:00:00Z",
	  "2025-01-21T00:00:00Z"}},
	/* six fields, seconds first */
	{"UTC", "*/15 * * * * *", "2025-01-01T00:00:00Z",
	 {"2025-01-01T00:00:15Z", "2025-01-01T00:00:30Z", "2025-01-01T00:00:45Z", "2025-01-01T00:01:00Z"}},
	{"UTC", "30 0 0 1 1 *", "2025-01-01T00:00:00Z", {"2025-01-01T00:00:30Z", "2026-01-01T00:00:30Z"}},
	{"UTC", "59 59 23 31 12 *", "2025-06-01T00:00:00Z", {"2025-12-31T23:59:59Z", "2026-12-31T23:59:59Z"}},
	/* L: last day of each month; 2024 is leap (Feb 29) */
	{"UTC", "0 0 L * *", "2025-01-01T00:00:00Z",
	 {"2025-01-31T00:00:00Z", "2025-02-28T00:00:00Z", "2025-03-31T00:00:00Z", "2025-04-30T00:00:00Z"}},
	{"UTC", "0 0 L * *", "2024-01-31T00:00:00Z", {"2024-02-29T00:00:00Z", "2024-03-31T00:00:00Z"}},
	{"UTC", "0 0 L 2 *", "2025-03-01T00:00:00Z",
	 {"2026-02-28T00:00:00Z", "2027-02-28T00:00:00Z", "2028-02-29T00:00:00Z"}},
	/* L in a list with a day */
	{"UTC", "0 0 15,L 4 *", "2025-01-01T00:00:00Z",
	 {"2025-04-15T00:00:00Z", "2025-04-30T00:00:00Z", "2026-04-15T00:00:00Z"}},
	/* Feb 29 only in leap years; 2100 is not one, so 2096 -> 2104 */
	{"UTC", "0 0 29 2 *", "2025-01-01T00:00:00Z", {"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
	{"UTC", "0 0 29 2 *", "2096-03-01T00:00:00Z", {"2104-02-29T00:00:00Z"}},
	/* month ends: 31 skips short months; 30 skips February */
	{"UTC", "0 0 31 * *", "2025-01-01T00:00:00Z",
	 {"2025-01-31T00:00:00Z", "2025-03-31T00:00:00Z", "2025-05-31T00:00:00Z", "2025-07-31T00:00:00Z"}},
	{"UTC", "0 0 30 * *", "2025-01-31T00:00:00Z", {"2025-03-30T00:00:00Z", "2025-04-30T00:00:00Z"}},
	/* N#k: 2nd Monday (Jan 13, Feb 10, Mar 10); MON#2 and 1#2 are equal */
	{"UTC", "0 9 * * MON#2", "2025-01-01T00:00:00Z",
	 {"2025-01-13T09:00:00Z", "2025-02-10T09:00:00Z", "2025-03-10T09:00:00Z"}},
	{"UTC", "0 9 * * 1#2", "2025-01-01T00:00:00Z", {"2025-01-13T09:00:00Z"}},
	/* 5th Friday: Jan 31 2025; Feb-Apr have four; May 30 */
	{"UTC", "0 9 ? * 5#5", "2025-01-01T00:00:00Z", {"2025-01-31T09:00:00Z", "2025-05-30T09:00:00Z"}},
	/* # with a list and dom: the 1st or the first Monday (Jan 6, Feb 1, Feb 3 ...) */
	{"UTC", "0 0 1 * MON#1", "2025-01-01T00:00:00Z",
	 {"2025-01-06T00:00:00Z", "2025-02-01T00:00:00Z", "2025-02-03T00:00:00Z", "2025-03-01T00:00:00Z",
	  "2025-03-03T00:00:00Z"}},
	{"UTC", "0 0 * * SUN#1,sat#3", "2025-01-01T00:00:00Z",
	 {"2025-01-05T00:00:00Z", "2025-01-18T00:00:00Z", "2025-02-02T00:00:00Z", "2025-02-15T00:00:00Z"}},
	/* 7#1 = first Sunday */
	{"UTC", "0 0 * * 7#1", "2025-01-01T00:00:00Z", {"2025-01-05T00:00:00Z", "2025-02-02T00:00:00Z"}},
	/* extra whitespace and tabs between fields */
	{"UTC", "  0\t12  * *   *  ", "2025-01-01T00:00:00Z", {"2025-01-01T12:00:00Z"}},
	/* no DST: Shanghai is UTC+8 all year, 09:00 CST = 01:00Z */
	{"Asia/Shanghai", "0 9 * * *", "2025-03-09T00:00:00Z", {"2025-03-09T01:00:00Z", "2025-03-10T01:00:00Z"}},
	{"Asia/Shanghai", "30 2 * * *", "2025-11-01T00:00:00Z", {"2025-11-01T18:30:00Z", "2025-11-02T18:30:00Z"}},
	/* half-hour offset: Kolkata +05:30, midnight local = 18:30Z */
	{"Asia/Kolkata", "0 0 * * *", "2025-01-01T00:00:00Z", {"2025-01-01T18:30:00Z"}},
	{NULL, NULL, NULL, {NULL}},
};

/* DST policy. America/New_York 2025: spring forward Sun Mar 9 at 02:00 EST
 * (07:00Z) to 03:00 EDT; fall back Sun Nov 2 at 02:00 EDT (06:00Z) to 01:00
 * EST. Europe/London 2025: Mar 30 01:00 GMT (01:00Z) -> 02:00 BST; Oct 26
 * 02:00 BST (01:00Z) -> 01:00 GMT. Australia/Sydney 2025: Apr 6 03:00 AEDT
 * (16:00Z Apr 5) -> 02:00 AEST; Oct 5 02:00 AEST (16:00Z Oct 4) -> 03:00
 * AEDT. */
static const struct fire_case dst_cases[] = {
	/* NY skipped 02:30 fires at the pre-jump offset: 02:30 EST = 07:30Z =
	 * 03:30 EDT; the next day 02:30 EDT = 06:30Z */
	{"America/New_York", "30 2 * * *", "2025-03-08T12:00:00Z", {"2025-03-09T07:30:00Z", "2025-03-10T06:30:00Z"}},
	/* 02:00 does not exist either: 07:00Z = 03:00 EDT */
	{"America/New_York", "0 2 * * *", "2025-03-08T12:00:00Z", {"2025-03-09T07:00:00Z", "2025-03-10T06:00:00Z"}},
	/* 02:30 (skipped) and 03:30 EDT are the same instant: fires once */
	{"America/New_York", "30 2,3 * * *", "2025-03-08T12:00:00Z",
	 {"2025-03-09T07:30:00Z", "2025-03-10T06:30:00Z", "2025-03-10T07:30:00Z"}},
	/* wild hour in the gap: real time every 30 minutes, 01:30 EST = 06:30Z,
	 * then 02:00 -> 03:00 EDT = 07:00Z, 07:30Z, 08:00Z */
	{"America/New_York", "*/30 * * * *", "2025-03-09T06:00:00Z",
	 {"2025-03-09T06:30:00Z", "2025-03-09T07:00:00Z", "2025-03-09T07:30:00Z", "2025-03-09T08:00:00Z"}},
	/* NY 01:30 happens twice on Nov 2: fires at the first (EDT, 05:30Z)
	 * only; next day 01:30 EST = 06:30Z */
	{"America/New_York", "30 1 * * *", "2025-11-01T12:00:00Z", {"2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}},
	/* a range is not wild: 01:30 EDT, then 02:30 EST (07:30Z) */
	{"America/New_York", "30 1-2 * * *", "2025-11-01T12:00:00Z",
	 {"2025-11-02T05:30:00Z", "2025-11-02T07:30:00Z", "2025-11-03T06:30:00Z"}},
	/* wild hour follows real time: 00:30 EDT, 01:30 EDT, 01:30 EST, 02:30 EST */
	{"America/New_York", "30 * * * *", "2025-11-02T04:00:00Z",
	 {"2025-11-02T04:30:00Z", "2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z", "2025-11-02T07:30:00Z"}},
	/* a step in the hour field is wild too */
	{"America/New_York", "30 0-23/1 * * *", "2025-11-02T04:00:00Z",
	 {"2025-11-02T04:30:00Z", "2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z", "2025-11-02T07:30:00Z"}},
	/* hour step 2: 00:00 EDT (04Z), 02:00 EST (07Z); 01:00 is not in the set */
	{"America/New_York", "0 */2 * * *", "2025-11-02T03:00:00Z",
	 {"2025-11-02T04:00:00Z", "2025-11-02T07:00:00Z", "2025-11-02T09:00:00Z"}},
	/* six fields in the overlap, not wild: 01:59:30 EDT only */
	{"America/New_York", "30 59 1 * * *", "2025-11-02T00:00:00Z",
	 {"2025-11-02T05:59:30Z", "2025-11-03T06:59:30Z"}},
	/* London: 01:30 on Mar 30 is skipped: read as GMT, 01:30Z = 02:30 BST;
	 * then 01:30 BST = 00:30Z */
	{"Europe/London", "30 1 * * *", "2025-03-29T12:00:00Z", {"2025-03-30T01:30:00Z", "2025-03-31T00:30:00Z"}},
	/* London: 01:30 twice on Oct 26: first is BST (00:30Z); then GMT */
	{"Europe/London", "30 1 * * *", "2025-10-25T12:00:00Z", {"2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"}},
	{"Europe/London", "30 * * * *", "2025-10-26T00:00:00Z",
	 {"2025-10-26T00:30:00Z", "2025-10-26T01:30:00Z", "2025-10-26T02:30:00Z"}},
	/* Sydney April: 02:30 twice on Apr 6; first is AEDT = 15:30Z Apr 5;
	 * next day 02:30 AEST = 16:30Z Apr 6 */
	{"Australia/Sydney", "30 2 * * *", "2025-04-05T00:00:00Z", {"2025-04-05T15:30:00Z", "2025-04-06T16:30:00Z"}},
	/* wild: 02:00 AEDT (15Z), 02:00 AEST (16Z), 03:00 AEST (17Z) */
	{"Australia/Sydney", "0 * * * *", "2025-04-05T14:30:00Z",
	 {"2025-04-05T15:00:00Z", "2025-04-05T16:00:00Z", "2025-04-05T17:00:00Z"}},
	/* Sydney October: 02:30 skipped on Oct 5; read as AEST = 16:30Z Oct 4
	 * (03:30 AEDT); next day 02:30 AEDT = 15:30Z Oct 5 */
	{"Australia/Sydney", "30 2 * * *", "2025-10-04T00:00:00Z", {"2025-10-04T16:30:00Z", "2025-10-05T15:30:00Z"}},
	/* Lord Howe shifts by 30 minutes: Oct 5 2025 02:00 +1030 -> 02:30 +11
	 * (15:30Z Oct 4). 02:15 is skipped: read at +1030 = 15:45Z = 02:45 +11 */
	{"Australia/Lord_Howe", "15 2 * * *", "2025-10-04T00:00:00Z", {"2025-10-04T15:45:00Z", "2025-10-05T15:15:00Z"}},
	{NULL, NULL, NULL, {NULL}},
};

/* Far future: the zone files list changes up to 2037; later instants come
 * from each file's POSIX rule (EST5EDT,M3.2.0,M11.1.0 for New York). */
static const struct fire_case future_cases[] = {
	/* July 2040: EDT, noon = 16:00Z */
	{"America/New_York", "0 12 * * *", "2040-07-01T00:00:00Z", {"2040-07-01T16:00:00Z"}},
	/* 2099: EST in January, EDT in July */
	{"America/New_York", "0 12 1 1 *", "2099-01-01T00:00:00Z", {"2099-01-01T17:00:00Z"}},
	{"America/New_York", "0 12 1 7 *", "2099-01-01T00:00:00Z", {"2099-07-01T16:00:00Z"}},
	/* Mar 2045: Mar 1 is a Wednesday, second Sunday is Mar 12; 02:30 is
	 * skipped -> 07:30Z */
	{"America/New_York", "30 2 * * *", "2045-03-11T12:00:00Z", {"2045-03-12T07:30:00Z", "2045-03-13T06:30:00Z"}},
	/* 2250 (past the precomputed table): EDT in July */
	{"America/New_York", "0 12 1 7 *", "2250-01-01T00:00:00Z", {"2250-07-01T16:00:00Z"}},
	/* Nov 2300: Nov 1 2300 is a Thursday, first Sunday Nov 4, 01:30 twice:
	 * first is EDT = 05:30Z, then 01:30 EST Nov 5 = 06:30Z */
	{"America/New_York", "30 1 * * *", "2300-11-03T12:00:00Z", {"2300-11-04T05:30:00Z", "2300-11-05T06:30:00Z"}},
	/* Sydney 2099 New Year: AEDT (+11), noon = 01:00Z */
	{"Australia/Sydney", "0 12 1 1 *", "2098-12-31T00:00:00Z", {"2099-01-01T01:00:00Z"}},
	/* London 2099 midsummer: BST, 09:00 = 08:00Z */
	{"Europe/London", "0 9 21 6 *", "2099-01-01T00:00:00Z", {"2099-06-21T08:00:00Z"}},
	/* the last representable fire */
	{"UTC", "59 59 23 31 12 *", "9999-01-01T00:00:00Z", {"9999-12-31T23:59:59Z"}},
	{NULL, NULL, NULL, {NULL}},
};

static void run_cases(const struct fire_case *cases)
{
	int failures = 0;

	for (const struct fire_case *fc = cases; fc->expr; fc++) {
		zq_err err = ZQ_ERR_INIT;
		const zq_tz *tz = zq_tz_get(fc->zone, &err);
		zq_cron c;
		int64_t t;

		assert_non_null(tz);
		if (zq_cron_parse(&c, fc->expr, &err) < 0) {
			print_error("'%s': unexpected parse error: %s\n", fc->expr, err.msg);
			failures++;
			continue;
		}
		assert_int_equal(zq_time_parse_iso(fc->from, &t), 0);
		for (int i = 0; fc->expect[i]; i++) {
			char got[32];
			int64_t prev = t;

			t = zq_cron_next(&c, tz, t);
			if (t == ZQ_TIME_NONE)
				snprintf(got, sizeof(got), "none");
			else
				zq_time_format_iso_sec(t, got, sizeof(got));
			if (strcmp(got, fc->expect[i]) != 0 || (t != ZQ_TIME_NONE && t <= prev)) {
				print_error("%s '%s' from %s: fire %d is %s, expected %s\n", fc->zone, fc->expr,
					    fc->from, i + 1, got, fc->expect[i]);
				failures++;
				break;
			}
		}
	}
	assert_int_equal(failures, 0);
}

static void syntax_fires_at_the_expected_instants(void **state)
{
	(void)state;
	run_cases(syntax_cases);
}

static void dst_policy_in_several_zones(void **state)
{
	(void)state;
	run_cases(dst_cases);
}

static void far_future_uses_the_zone_rule(void **state)
{
	(void)state;
	run_cases(future_cases);
}

static void no_fire_past_year_9999(void **state)
{
	zq_cron c;
	int64_t t;

	(void)state;
	assert_int_equal(zq_cron_parse(&c, "0 0 1 1 *", NULL), 0);
	assert_int_equal(zq_time_parse_iso("9999-06-01T00:00:00Z", &t), 0);
	assert_true(zq_cron_next(&c, NULL, t) == ZQ_TIME_NONE);
	assert_true(zq_cron_next(&c, NULL, INT64_MAX) == ZQ_TIME_NONE);
	/* before year 1 is clamped: the first fire is 0001-01-01 00:00 */
	assert_true(zq_cron_next(&c, NULL, INT64_MIN) == ZQ_CRON_MIN_MS);
}

struct bad_case {
	const char *expr;
	const char *msg; /* the exact message */
};

static const struct bad_case bad_cases[] = {
	{"", "expected 5 or 6 fields, got 0"},
	{"   ", "expected 5 or 6 fields, got 0"},
	{"* * * *", "expected 5 or 6 fields, got 4"},
	{"* * * * * * *", "expected 5 or 6 fields, got 7"},
	{"@daily", "expected 5 or 6 fields, got 1"},
	{"61 * * * *", "minute field: value 61 out of range 0-59 in '61'"},
	{"60 * * * * *", "second field: value 60 out of range 0-59 in '60'"},
	{"* 24 * * *", "hour field: value 24 out of range 0-23 in '24'"},
	{"* * 0 * *", "day-of-month field: value 0 out of range 1-31 in '0'"},
	{"* * 32 * *", "day-of-month field: value 32 out of range 1-31 in '32'"},
	{"* * * 0 *", "month field: value 0 out of range 1-12 in '0'"},
	{"* * * 13 *", "month field: value 13 out of range 1-12 in '13'"},
	{"* * * * 8", "day-of-week field: value 8 out of range 0-7 in '8'"},
	{"1,2,99999999999999 * * * *",
	 "minute field: value 99999999999999 out of range 0-59 in '99999999999999'"},
	{"*/0 * * * *", "minute field: step 0 out of range 1-59 in '*/0'"},
	{"1/0 * * * *", "minute field: step 0 out of range 1-59 in '1/0'"},
	{"*/60 * * * *", "minute field: step 60 out of range 1-59 in '*/60'"},
	{"0 */24 * * *", "hour field: step 24 out of range 1-23 in '*/24'"},
	{"*/5/2 * * * *", "minute field: unexpected character '/' in '*/5/2'"},
	{"*/ * * * *", "minute field: missing value in '*/'"},
	{"5-1 * * * *", "minute field: range 5-1 is reversed in '5-1'"},
	{"* * * * FRI-MON", "day-of-week field: range 5-1 is reversed in 'FRI-MON'"},
	{"5- * * * *", "minute field: missing value in '5-'"},
	{"-5 * * * *", "minute field: unexpected character '-' in '-5'"},
	{"1-2-3 * * * *", "minute field: unexpected character '-' in '1-2-3'"},
	{"1,,2 * * * *", "minute field: empty list item in '1,,2'"},
	{",1 * * * *", "minute field: empty list item in ',1'"},
	{"0 1, * * *", "hour field: empty list item in '1,'"},
	{"1x * * * *", "minute field: unexpected character 'x' in '1x'"},
	{"** * * * *", "minute field: unexpected character '*' in '**'"},
	{"\xc3\xa9 * * * *", "minute field: unexpected byte 0xc3 in '?\?'"},
	{"* * * FOO *", "month field: unknown name 'FOO' in 'FOO'"},
	{"* * * MON *", "month field: unknown name 'MON' in 'MON'"},
	{"* * * * JAN", "day-of-week field: unknown name 'JAN' in 'JAN'"},
	{"* * * * MONDAY", "day-of-week field: unknown name 'MONDAY' in 'MONDAY'"},
	{"* JAN * * *", "hour field: unexpected character 'J' in 'JAN'"},
	{"? * * * *", "minute field: '?' is only allowed in day-of-month and day-of-week in '?'"},
	{"* * ?,1 * *", "day-of-month field: '?' must be the whole field in '?'"},
	{"* * LW * *", "day-of-month field: unexpected character 'L' in 'LW'"},
	{"* * L-3 * *", "day-of-month field: unexpected character 'L' in 'L-3'"},
	{"* * * * 5L", "day-of-week field: unexpected character 'L' in '5L'"},
	{"* * * * L", "day-of-week field: unknown name 'L' in 'L'"},
	{"* * * * MON#6", "day-of-week field: occurrence 6 out of range 1-5 in 'MON#6'"},
	{"* * * * 1#0", "day-of-week field: occurrence 0 out of range 1-5 in '1#0'"},
	{"* * * * MON#", "day-of-week field: missing value in 'MON#'"},
	{"* * * * 1-5#2", "day-of-week field: unexpected character '#' in '1-5#2'"},
	{"* * * * MON#2/2", "day-of-week field: unexpected character '/' in 'MON#2/2'"},
	{"* * 1#2 * *", "day-of-month field: unexpected character '#' in '1#2'"},
	{"0 0 30 2 *", "day-of-month field: '30' never occurs in month '2', so the expression can never fire"},
	{"0 0 30,31 FEB *",
	 "day-of-month field: '30,31' never occurs in month 'FEB', so the expression can never fire"},
	{"0 0 31 4,6,9,11 *",
	 "day-of-month field: '31' never occurs in month '4,6,9,11', so the expression can never fire"},
	{"0 0 31 2 ?", "day-of-month field: '31' never occurs in month '2', so the expression can never fire"},
	{NULL, NULL},
};

static void invalid_expressions_name_the_field(void **state)
{
	int failures = 0;

	(void)state;
	for (const struct bad_case *bc = bad_cases; bc->expr; bc++) {
		zq_err err = ZQ_ERR_INIT;
		zq_cron c;
		int rc = zq_cron_parse(&c, bc->expr, &err);

		if (rc != ZQ_EINVAL || err.code != ZQ_EINVAL || strcmp(err.msg, bc->msg) != 0) {
			print_error("'%s': rc %d, message '%s', expected '%s'\n", bc->expr, rc, err.msg,
				    bc->msg);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void long_expression_is_rejected(void **state)
{
	char expr[ZQ_CRON_EXPR_MAX + 16];
	zq_err err = ZQ_ERR_INIT;
	zq_cron c;

	(void)state;
	memset(expr, ' ', sizeof(expr) - 1);
	expr[sizeof(expr) - 1] = '\0';
	memcpy(expr, "* * * * *", 9);
	assert_int_equal(zq_cron_parse(&c, expr, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "expression too long (max 1024 bytes)");
	assert_int_equal(zq_cron_parse(&c, NULL, &err), ZQ_EINVAL);
}

static void long_items_are_shortened_in_messages(void **state)
{
	zq_err err = ZQ_ERR_INIT;
	zq_cron c;

	(void)state;
	assert_int_equal(zq_cron_parse(&c, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,,21 * * * *",
				       &err),
			 ZQ_EINVAL);
	assert_string_equal(err.msg,
			    "minute field: empty list item in '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,1...'");
}

static void valid_edge_expressions_parse(void **state)
{
	static const char *const ok[] = {
		"0 0 29 2 *",     "0 0 L 2 *",      "0 0 31 2 MON",  "0 0 30 2 MON#5", "0 0 ? 1 ?",
		"0 0 ? * ?",      "59 23 31 12 7",  "0-59 0-23 1-31 1-12 0-7",       "*/59 */23 */31 */12 */7",
		"0 0 * * SUN-SAT", "0 0 1 JAN-DEC/2 *", "0 0 1,L * *", "00 00 01 01 00", NULL,
	};
	zq_err err = ZQ_ERR_INIT;
	zq_cron c;

	(void)state;
	for (int i = 0; ok[i]; i++) {
		if (zq_cron_parse(&c, ok[i], &err) != 0)
			fail_msg("'%s': %s", ok[i], err.msg);
	}
}

static void bitsets_and_flags(void **state)
{
	zq_cron c;

	(void)state;
	assert_int_equal(zq_cron_parse(&c, "0/15 9-17 * * MON-FRI", NULL), 0);
	assert_true(c.sec == 1);
	assert_true(c.min == ((UINT64_C(1) << 0) | (UINT64_C(1) << 15) | (UINT64_C(1) << 30) |
			      (UINT64_C(1) << 45)));
	assert_true(c.hour == (((UINT64_C(1) << 18) - 1) & ~((UINT64_C(1) << 9) - 1)));
	assert_true(c.dow == 0x3e);
	assert_true(c.flags & ZQ_CRON_DOM_STAR);
	assert_false(c.flags & ZQ_CRON_DOW_STAR);
	assert_false(zq_cron_hour_is_wild(&c));
	assert_int_equal(zq_cron_parse(&c, "0 */3 * * *", NULL), 0);
	assert_true(zq_cron_hour_is_wild(&c));
	assert_int_equal(zq_cron_parse(&c, "0 * * * *", NULL), 0);
	assert_true(zq_cron_hour_is_wild(&c));
	assert_int_equal(zq_cron_parse(&c, "0 2/1 * * *", NULL), 0);
	assert_true(zq_cron_hour_is_wild(&c));
	assert_int_equal(zq_cron_parse(&c, "0 0-23 * * *", NULL), 0);
	assert_false(zq_cron_hour_is_wild(&c));
	assert_int_equal(zq_cron_parse(&c, "1 2 3 4 5 6", NULL), 0);
	assert_true(c.flags & ZQ_CRON_SECONDS);
	assert_true(c.sec == 2 && c.min == 4 && c.hour == 8 && c.dom == 16 && c.mon == 32 && c.dow == 64);
}

/* Over many fires the sequence strictly increases and never repeats, in
 * every zone and across DST changes, including wild-hour schedules. */
static void fires_strictly_increase(void **state)
{
	static const char *const zones[] = {"America/New_York", "Europe/London", "Australia/Sydney",
					    "Australia/Lord_Howe", "Asia/Shanghai", "UTC", NULL};
	static const char *const exprs[] = {"*/7 * * * *", "30 1,2 * * *", "0 * * * *",
					    "15 */2 * 3,4,10,11 *", "0 0 ? * SUN#1", NULL};
	(void)state;
	for (int z = 0; zones[z]; z++) {
		const zq_tz *tz = zq_tz_get(zones[z], NULL);

		assert_non_null(tz);
		for (int e = 0; exprs[e]; e++) {
			zq_cron c;
			int64_t t, prev;

			assert_int_equal(zq_cron_parse(&c, exprs[e], NULL), 0);
			assert_int_equal(zq_time_parse_iso("2025-01-01T00:00:00Z", &t), 0);
			for (int i = 0; i < 3000; i++) {
				prev = t;
				t = zq_cron_next(&c, tz, t);
				assert_true(t > prev);
				assert_true(t % 1000 == 0);
			}
		}
	}
}

static int teardown(void **state)
{
	(void)state;
	zq_tz_cache_free();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syntax_fires_at_the_expected_instants),
		cmocka_unit_test(dst_policy_in_several_zones),
		cmocka_unit_test(far_future_uses_the_zone_rule),
		cmocka_unit_test(no_fire_past_year_9999),
		cmocka_unit_test(invalid_expressions_name_the_field),
		cmocka_unit_test(long_expression_is_rejected),
		cmocka_unit_test(long_items_are_shortened_in_messages),
		cmocka_unit_test(valid_edge_expressions_parse),
		cmocka_unit_test(bitsets_and_flags),
		cmocka_unit_test(fires_strictly_increase),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
