/* test_tz.c - time zones from TZif files: offsets at known instants
 * (including the exact seconds of DST changes and instants that only the
 * files' POSIX footer rules cover), zone name validation, the ZQ_ZONEINFO
 * override with hand-built TZif files, malformed files, and concurrent
 * loading through the cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timeutil.h"
#include "tz.h"

static int64_t iso(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(zq_time_parse_iso(s, &ms), 0);
	return ms;
}

struct off_case {
	const char *zone, *at;
	int off;
};

/* Expected offsets, cross-checked against Python's zoneinfo on the same
 * files. New York 2025: EST -> EDT at 2025-03-09T07:00:00Z, back at
 * 2025-11-02T06:00:00Z. */
static const struct off_case off_cases[] = {
	{"UTC", "2025-07-01T00:00:00Z", 0},
	{"Etc/UTC", "1900-01-01T00:00:00Z", 0},
	{"America/New_York", "2025-01-15T00:00:00Z", -18000},
	{"America/New_York", "2025-07-15T00:00:00Z", -14400},
	{"America/New_York", "2025-03-09T06:59:59Z", -18000},
	{"America/New_York", "2025-03-09T07:00:00Z", -14400},
	{"America/New_York", "2025-11-02T05:59:59Z", -14400},
	{"America/New_York", "2025-11-02T06:00:00Z", -18000},
	/* local mean time before 1883: -4:56:02 */
	{"America/New_York", "1850-01-01T00:00:00Z", -17762},
	/* war time 1943 */
	{"America/New_York", "1943-01-15T00:00:00Z", -14400},
	/* after the file's table: from the rule EST5EDT,M3.2.0,M11.1.0 */
	{"America/New_York", "2040-07-01T00:00:00Z", -14400},
	{"America/New_York", "2099-12-01T00:00:00Z", -18000},
	{"America/New_York", "2300-07-01T00:00:00Z", -14400},
	{"America/New_York", "2300-12-01T00:00:00Z", -18000},
	/* London 2025: GMT -> BST at 01:00Z Mar 30; back at 01:00Z Oct 26 */
	{"Europe/London", "2025-03-30T00:59:59Z", 0},
	{"Europe/London", "2025-03-30T01:00:00Z", 3600},
	{"Europe/London", "2025-10-26T00:59:59Z", 3600},
	{"Europe/London", "2025-10-26T01:00:00Z", 0},
	{"Europe/London", "2099-06-21T00:00:00Z", 3600},
	/* Sydney 2025: AEDT -> AEST at 16:00Z Apr 5; AEST -> AEDT 16:00Z Oct 4 */
	{"Australia/Sydney", "2025-04-05T15:59:59Z", 39600},
	{"Australia/Sydney", "2025-04-05T16:00:00Z", 36000},
	{"Australia/Sydney", "2025-10-04T15:59:59Z", 36000},
	{"Australia/Sydney", "2025-10-04T16:00:00Z", 39600},
	{"Australia/Sydney", "2450-01-01T00:00:00Z", 39600},
	/* Shanghai: +8, no DST since 1991 */
	{"Asia/Shanghai", "2025-07-01T00:00:00Z", 28800},
	{"Asia/Shanghai", "2060-01-01T00:00:00Z", 28800},
	/* 30-minute DST: Lord Howe +10:30 / +11 */
	{"Australia/Lord_Howe", "2025-07-01T00:00:00Z", 37800},
	{"Australia/Lord_Howe", "2026-01-01T00:00:00Z", 39600},
	/* negative DST rule time: footer M3.5.0/-1, last Sunday of March 2030 is
	 * the 31st, so 23:00 local (-02) on the 30th = 01:00Z on the 31st */
	{"America/Nuuk", "2030-03-31T00:59:59Z", -7200},
	{"America/Nuuk", "2030-03-31T01:00:00Z", -3600},
	{"Asia/Kolkata", "2030-01-01T00:00:00Z", 19800},
	{NULL, NULL, 0},
};

static void offsets_at_known_instants(void **state)
{
	int failures = 0;

	(void)state;
	for (const struct off_case *oc = off_cases; oc->zone; oc++) {
		zq_err err = ZQ_ERR_INIT;
		const zq_tz *tz = zq_tz_get(oc->zone, &err);
		int off;

		if (!tz) {
			print_error("%s: %s\n", oc->zone, err.msg);
			failures++;
			continue;
		}
		assert_string_equal(zq_tz_name(tz), oc->zone);
		if ((off = zq_tz_offset_at(tz, iso(oc->at))) != oc->off) {
			print_error("%s at %s: offset %d, expected %d\n", oc->zone, oc->at, off, oc->off);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void spans_describe_the_change(void **state)
{
	const zq_tz *ny = zq_tz_get("America/New_York", NULL);
	const zq_tz *utc = zq_tz_get("UTC", NULL);
	zq_tz_span sp;

	(void)state;
	assert_non_null(ny);
	zq_tz_span_at(ny, iso("2025-07-01T00:00:00Z") / 1000, &sp);
	assert_true(sp.start == iso("2025-03-09T07:00:00Z") / 1000);
	assert_true(sp.end == iso("2025-11-02T06:00:00Z") / 1000);
	assert_int_equal(sp.off, -14400);
	assert_int_equal(sp.prev_off, -18000);
	/* the rule region (after the precomputed table) gives the same shape */
	zq_tz_span_at(ny, iso("2345-07-01T00:00:00Z") / 1000, &sp);
	assert_int_equal(sp.off, -14400);
	assert_int_equal(sp.prev_off, -18000);
	assert_true(sp.start < iso("2345-07-01T00:00:00Z") / 1000);
	assert_true(sp.end > iso("2345-07-01T00:00:00Z") / 1000);
	zq_tz_span_at(utc, 0, &sp);
	assert_true(sp.start == INT64_MIN && sp.end == INT64_MAX && sp.off == 0);
	/* absurd instants do not crash */
	assert_int_equal(zq_tz_offset_at(ny, INT64_MIN), -17762);
	(void)zq_tz_offset_at(ny, INT64_MAX);
}

struct name_case {
	const char *name;
	int code;
	const char *msg;
};

static void bad_zone_names_are_named_in_errors(void **state)
{
	static const struct name_case cases[] = {
		{"Mars/Base", ZQ_ENOTFOUND, "unknown time zone 'Mars/Base'"},
		{"utc", ZQ_ENOTFOUND, "unknown time zone 'utc'"},
		{"America", ZQ_ENOTFOUND, "unknown time zone 'America'"},
		{"../etc/passwd", ZQ_EINVAL, "unknown time zone '../etc/passwd'"},
		{"America/../Europe/Paris", ZQ_EINVAL, "unknown time zone 'America/../Europe/Paris'"},
		{"/etc/localtime", ZQ_EINVAL, "unknown time zone '/etc/localtime'"},
		{"America//New_York", ZQ_EINVAL, "unknown time zone 'America//New_York'"},
		{"America/New_York/", ZQ_EINVAL, "unknown time zone 'America/New_York/'"},
		{"America/New York", ZQ_EINVAL, "unknown time zone 'America/New York'"},
		{"zone.tab", ZQ_EINVAL, "unknown time zone 'zone.tab'"},
		{"Europe/Paris\n", ZQ_EINVAL, "unknown time zone 'Europe/Paris?'"},
		{"it's", ZQ_EINVAL, "unknown time zone 'it?s'"},
		{"", ZQ_EINVAL, "unknown time zone ''"},
		{NULL, 0, NULL},
	};
	(void)state;
	for (const struct name_case *nc = cases; nc->name; nc++) {
		zq_err err = ZQ_ERR_INIT;

		if (zq_tz_get(nc->name, &err) != NULL || err.code != nc->code ||
		    strcmp(err.msg, nc->msg) != 0)
			fail_msg("'%s': code %d '%s', expected %d '%s'", nc->name, err.code, err.msg,
				 nc->code, nc->msg);
	}
	{
		zq_err err = ZQ_ERR_INIT;
		char longname[200];

		memset(longname, 'A', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		assert_null(zq_tz_get(longname, &err));
		assert_int_equal(err.code, ZQ_EINVAL);
		assert_non_null(strstr(err.msg, "unknown time zone 'AAAA"));
		assert_non_null(strstr(err.msg, "...'"));
		assert_null(zq_tz_get(NULL, &err));
	}
}

/* ---- hand-built TZif files ------------------------------------------------ */

static unsigned char *put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
	return p + 4;
}

static unsigned char *header(unsigned char *p, char version, uint32_t n, uint32_t types,
			     uint32_t chars)
{
	memcpy(p, "TZif", 4);
	p[4] = (unsigned char)version;
	memset(p + 5, 0, 15);
	p += 20;
	p = put32(p, 0), p = put32(p, 0), p = put32(p, 0);
	p = put32(p, n), p = put32(p, types);
	return put32(p, chars);
}

/* A TZif file with no transitions, one type (offset off) and footer.
 * Version '\0' gives a v1 file. Returns the length. */
static size_t build_tzif(unsigned char *buf, char version, int32_t off, const char *footer)
{
	unsigned char *p = header(buf, version, 0, 1, 1);

	p = put32(p, 0), *p++ = 0, *p++ = 0, *p++ = 0; /* v1 type + "" */
	if (version == '\0')
		return (size_t)(p - buf);
	p = header(p, version, 0, 1, 2);
	p = put32(p, (uint32_t)off), *p++ = 0, *p++ = 0;
	*p++ = 'X', *p++ = 0;
	*p++ = '\n';
	memcpy(p, footer, strlen(footer));
	p += strlen(footer);
	*p++ = '\n';
	return (size_t)(p - buf);
}

struct rule_case {
	const char *footer;
	const char *at;
	int off;
};

/* Expected values from Python's zoneinfo reading the same bytes. */
static const struct rule_case rule_cases[] = {
	/* southern hemisphere, changes at local midnight */
	{"<-03>3<-02>,M10.1.0/0,M2.3.0/0", "2030-01-15T12:00:00Z", -7200},
	{"<-03>3<-02>,M10.1.0/0,M2.3.0/0", "2030-07-01T00:00:00Z", -10800},
	{"<-03>3<-02>,M10.1.0/0,M2.3.0/0", "2030-10-06T02:59:59Z", -10800},
	{"<-03>3<-02>,M10.1.0/0,M2.3.0/0", "2030-10-06T03:00:00Z", -7200},
	{"<-03>3<-02>,M10.1.0/0,M2.3.0/0", "2400-02-29T12:00:00Z", -10800},
	/* permanent DST: the end (Dec 31 25:00) meets the next start */
	{"EST5EDT,0/0,J365/25", "2030-01-15T12:00:00Z", -14400},
	{"EST5EDT,0/0,J365/25", "2030-07-01T00:00:00Z", -14400},
	{"EST5EDT,0/0,J365/25", "2030-12-31T23:59:59Z", -14400},
	/* negative rule time */
	{"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2030-03-31T00:59:59Z", -7200},
	{"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2030-03-31T01:00:00Z", -3600},
	{"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2030-10-27T00:59:59Z", -3600},
	{"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2030-10-27T01:00:00Z", -7200},
	/* Julian days (J60 = Mar 1, J300 = Oct 27) */
	{"<+10>-10<+11>,J60/2,J300/3", "2030-01-15T12:00:00Z", 36000},
	{"<+10>-10<+11>,J60/2,J300/3", "2030-10-27T00:59:59Z", 36000},
	{"<+10>-10<+11>,J60/2,J300/3", "2030-07-01T00:00:00Z", 39600},
	/* minutes in offsets and rule times */
	{"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "2030-01-15T12:00:00Z", 49500},
	{"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "2030-07-01T00:00:00Z", 45900},
	/* fixed offset, no DST */
	{"<+0530>-5:30", "2030-01-15T12:00:00Z", 19800},
	{NULL, NULL, 0},
};

static void footer_rules_match_reference(void **state)
{
	unsigned char buf[512];

	(void)state;
	for (const struct rule_case *rc = rule_cases; rc->footer; rc++) {
		zq_err err = ZQ_ERR_INIT;
		size_t len = build_tzif(buf, '2', 0, rc->footer);
		zq_tz *tz = zq_tz_parse("Test/Rule", buf, len, &err);

		if (!tz)
			fail_msg("'%s': %s", rc->footer, err.msg);
		if (zq_tz_offset_at(tz, iso(rc->at)) != rc->off)
			fail_msg("'%s' at %s: %d, expected %d", rc->footer, rc->at,
				 zq_tz_offset_at(tz, iso(rc->at)), rc->off);
		zq_tz_free(tz);
	}
}

static void malformed_data_is_rejected(void **state)
{
	static const char *const bad_footers[] = {
		"EST",                     /* no offset */
		"EST5EDT,M3.2.0",          /* one rule date */
		"EST5EDT,M13.2.0,M11.1.0", /* month 13 */
		"EST5EDT,M3.6.0,M11.1.0",  /* week 6 */
		"EST5EDT,M3.2.7,M11.1.0",  /* weekday 7 */
		"EST5EDT,J0,J365",         /* J is 1-365 */
		"EST99",                   /* offset hours > 24 */
		"<AB>5",                   /* quoted name shorter than 3 */
		"EST5EDT,M3.2.0/200,M11.1.0", /* rule time > 167 h */
		"EST5EDT,M3.2.0,M11.1.0x", /* trailing junk */
		NULL,
	};
	unsigned char buf[512];
	zq_err err = ZQ_ERR_INIT;
	size_t len;

	(void)state;
	for (int i = 0; bad_footers[i]; i++) {
		len = build_tzif(buf, '2', 0, bad_footers[i]);
		if (zq_tz_parse("Test/Bad", buf, len, &err))
			fail_msg("footer '%s' accepted", bad_footers[i]);
		assert_string_equal(err.msg, "time zone 'Test/Bad': malformed zoneinfo data");
	}
	/* every truncation of a good file is rejected, without reading past it */
	len = build_tzif(buf, '2', 3600, "<+01>-1");
	for (size_t n = 0; n < len; n++) {
		unsigned char *copy = malloc(n ? n : 1);

		memcpy(copy, buf, n);
		assert_null(zq_tz_parse("Test/Cut", copy, n, NULL));
		free(copy);
	}
	/* offsets beyond +-26 h */
	len = build_tzif(buf, '2', 30 * 3600, "");
	assert_null(zq_tz_parse("Test/Far", buf, len, NULL));
	/* version 1 */
	len = build_tzif(buf, '\0', 0, "");
	assert_null(zq_tz_parse("Test/V1", buf, len, &err));
	assert_string_equal(err.msg, "time zone 'Test/V1': TZif version 1 is not supported");
}

static char tmpdir[64];

static void write_file(const char *rel, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void zoneinfo_root_can_be_overridden(void **state)
{
	unsigned char buf[512];
	zq_err err = ZQ_ERR_INIT;
	const zq_tz *tz;
	char path[256];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/zq-test-tz-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/Test", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("Test/Half", buf, build_tzif(buf, '2', 19800, "<+0530>-5:30"));
	write_file("Test/Junk", "not a zone file", 15);
	setenv("ZQ_ZONEINFO", tmpdir, 1);

	assert_non_null(tz = zq_tz_get("Test/Half", &err));
	assert_int_equal(zq_tz_offset_at(tz, 0), 19800);
	assert_true(zq_tz_get("Test/Half", NULL) == tz); /* cached */
	assert_null(zq_tz_get("Test/Junk", &err));
	assert_int_equal(err.code, ZQ_EINVAL);
	assert_string_equal(err.msg, "time zone 'Test/Junk': malformed zoneinfo data");
	/* the system zones are not under the override */
	assert_null(zq_tz_get("Europe/Berlin", &err));
	assert_int_equal(err.code, ZQ_ENOTFOUND);
	/* UTC is built in */
	assert_non_null(zq_tz_get("UTC", NULL));
	assert_non_null(zq_tz_get("Etc/UTC", NULL));
	unsetenv("ZQ_ZONEINFO");

	snprintf(path, sizeof(path), "%s/Test/Half", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/Test/Junk", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/Test", tmpdir);
	rmdir(path);
	rmdir(tmpdir);
	/* still cached after the file is gone, until the cache is freed */
	assert_non_null(zq_tz_get("Test/Half", NULL));
	zq_tz_cache_free();
	assert_null(zq_tz_get("Test/Half", NULL));
	assert_non_null(zq_tz_get("Europe/Berlin", NULL));
}

/* ---- threads ---------------------------------------------------------------- */

static const char *const thread_zones[] = {"America/New_York", "Europe/London", "Australia/Sydney",
					  "Asia/Shanghai", "Europe/Berlin", "America/Los_Angeles",
					  "Asia/Tokyo", "UTC"};
#define NZONES (sizeof(thread_zones) / sizeof(thread_zones[0]))

struct worker {
	const zq_tz *got[NZONES];
	long sum;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < NZONES; i++) {
			const zq_tz *tz = zq_tz_get(thread_zones[(i + (size_t)round) % NZONES], NULL);

			if (round == 0)
				w->got[(i + (size_t)round) % NZONES] = tz;
			w->sum += tz ? zq_tz_offset_at(tz, INT64_C(1750000000000) + round * 86400000LL) : 1;
		}
	}
	return NULL;
}

static void concurrent_loads_share_one_zone(void **state)
{
	pthread_t th[8];
	struct worker w[8];

	(void)state;
	zq_tz_cache_free();
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 8; i++) {
		assert_true(w[i].sum == w[0].sum);
		for (size_t z = 0; z < NZONES; z++) {
			assert_non_null(w[i].got[z]);
			assert_true(w[i].got[z] == w[0].got[z]);
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
		cmocka_unit_test(offsets_at_known_instants),
		cmocka_unit_test(spans_describe_the_change),
		cmocka_unit_test(bad_zone_names_are_named_in_errors),
		cmocka_unit_test(footer_rules_match_reference),
		cmocka_unit_test(malformed_data_is_rejected),
		cmocka_unit_test(zoneinfo_root_can_be_overridden),
		cmocka_unit_test(concurrent_loads_share_one_zone),
	};

	unsetenv("ZQ_ZONEINFO");
	return cmocka_run_group_tests(tests, NULL, teardown);
}
