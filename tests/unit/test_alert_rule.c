/* test_alert_rule.c - rule kinds, params per kind (defaults, types, ranges,
 * unknown keys; every error names params.<key>), the normalised form that
 * is stored, and the last deadline instant in a zone: Asia/Shanghai, and
 * DST days in Europe/Berlin, America/New_York and America/Santiago (whose
 * clocks jump at midnight). Expected instants were computed with Python's
 * zoneinfo on the same zone files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_rule.h"
#include "timeutil.h"
#include "tz.h"

static int64_t iso(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(zq_time_parse_iso(s, &ms), 0);
	return ms;
}

/* parse JSON text as params of kind: 0 or the error code, message in *err */
static int parse(alert_rule_kind k, const char *json, alert_rule_params *p, zq_err *err)
{
	cJSON *o = json ? cJSON_Parse(json) : NULL;

	if (json)
		assert_non_null(o);
	zq_err_clear(err);
	int rc = alert_rule_params_parse(k, o, p, err);
	cJSON_Delete(o);
	return rc;
}

static void expect_error(alert_rule_kind k, const char *json, const char *msg)
{
	alert_rule_params p;
	zq_err err = ZQ_ERR_INIT;

	if (parse(k, json, &p, &err) != ZQ_EINVAL)
		fail_msg("%s %s: accepted", alert_rule_kind_name(k), json ? json : "NULL");
	assert_int_equal(err.code, ZQ_EINVAL);
	if (strncmp(err.msg, msg, strlen(msg)) != 0)
		fail_msg("%s %s: got '%s', want '%s...'", alert_rule_kind_name(k),
			 json ? json : "NULL", err.msg, msg);
}

/* the stored (normalised) form of params */
static void expect_json(alert_rule_kind k, const char *json, const char *want)
{
	alert_rule_params p;
	zq_err err = ZQ_ERR_INIT;

	if (parse(k, json, &p, &err) != 0)
		fail_msg("%s %s: %s", alert_rule_kind_name(k), json ? json : "NULL", err.msg);
	cJSON *o = alert_rule_params_json(k, &p);
	char *s = cJSON_PrintUnformatted(o);
	assert_string_equal(s, want);
	free(s);
	cJSON_Delete(o);
}

static void kinds_round_trip(void **state)
{
	(void)state;
	for (int k = 0; k < AR_KIND_COUNT; k++)
		assert_int_equal(alert_rule_kind_parse(alert_rule_kind_name((alert_rule_kind)k)), k);
	assert_int_equal(alert_rule_kind_parse("on_success"), -1);
	assert_int_equal(alert_rule_kind_parse("ON_FAILURE"), -1);
	assert_int_equal(alert_rule_kind_parse(""), -1);
	assert_int_equal(alert_rule_kind_parse(NULL), -1);
	assert_string_equal(alert_rule_kind_name(AR_SCHEDULER_DOWN), "scheduler_down");
	assert_string_equal(alert_rule_kind_name(AR_KIND_COUNT), "?");
}

static void simple_kinds(void **state)
{
	(void)state;
	expect_json(AR_ON_FAILURE, NULL, "{\"each_attempt\":false}");
	expect_json(AR_ON_FAILURE, "{}", "{\"each_attempt\":false}");
	expect_json(AR_ON_FAILURE, "{\"each_attempt\":true}", "{\"each_attempt\":true}");
	expect_error(AR_ON_FAILURE, "{\"each_attempt\":1}", "params.each_attempt: must be true or false");
	expect_error(AR_ON_FAILURE, "{\"retries\":1}", "params.retries: unknown field");
	expect_json(AR_ON_TIMEOUT, "{}", "{}");
	expect_json(AR_ON_RECOVERY, "null", "{}");
	expect_json(AR_ON_SKIPPED, NULL, "{}");
	expect_error(AR_ON_TIMEOUT, "{\"each_attempt\":true}", "params.each_attempt: unknown field");
	expect_error(AR_ON_SKIPPED, "{\"after\":5}", "params.after: unknown field");
	expect_error(AR_ON_RECOVERY, "[]", "params: must be an object");
	expect_error(AR_ON_FAILURE, "\"x\"", "params: must be an object");
	expect_error(AR_KIND_COUNT, "{}", "kind: unknown rule kind");
}

static void after_kinds(void **state)
{
	alert_rule_params p;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	assert_int_equal(parse(AR_NOT_STARTED, NULL, &p, &err), 0);
	assert_int_equal(p.after_s, 300);
	assert_int_equal(parse(AR_SCHEDULER_DOWN, "{}", &p, &err), 0);
	assert_int_equal(p.after_s, 60);
	expect_json(AR_NOT_STARTED, "{\"after\":1}", "{\"after\":1}");
	expect_json(AR_SCHEDULER_DOWN, "{\"after\":86400}", "{\"after\":86400}");
	expect_json(AR_SCHEDULER_DOWN, NULL, "{\"after\":60}");
	expect_error(AR_NOT_STARTED, "{\"after\":0}", "params.after: must be an integer 1-86400");
	expect_error(AR_NOT_STARTED, "{\"after\":86401}", "params.after: must be an integer 1-86400");
	expect_error(AR_SCHEDULER_DOWN, "{\"after\":\"60\"}", "params.after: must be an integer");
	expect_error(AR_SCHEDULER_DOWN, "{\"after\":1.5}", "params.after: must be an integer");
	expect_error(AR_NOT_STARTED, "{\"after\":60,\"each\":1}", "params.each: unknown field");
}

static void duration_kind(void **state)
{
	alert_rule_params p;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	expect_json(AR_DURATION, "{\"max_seconds\":600}", "{\"max_seconds\":600}");
	expect_json(AR_DURATION, "{\"factor\":3.0}", "{\"factor\":3,\"min_runs\":5}");
	expect_json(AR_DURATION, "{\"factor\":2.5,\"min_runs\":1,\"max_seconds\":2678400}",
		    "{\"max_seconds\":2678400,\"factor\":2.5,\"min_runs\":1}");
	assert_int_equal(parse(AR_DURATION, "{\"factor\":1000,\"min_runs\":20}", &p, &err), 0);
	assert_true(p.factor == 1000.0);
	assert_int_equal(p.min_runs, 20);
	assert_int_equal(p.max_seconds, 0);
	expect_error(AR_DURATION, NULL, "params.max_seconds: a duration rule needs max_seconds, factor");
	expect_error(AR_DURATION, "{}", "params.max_seconds: a duration rule needs max_seconds, factor");
	expect_error(AR_DURATION, "{\"max_seconds\":0}", "params.max_seconds: must be an integer 1-2678400");
	expect_error(AR_DURATION, "{\"max_seconds\":2678401}", "params.max_seconds: must be an integer");
	expect_error(AR_DURATION, "{\"factor\":0.5}", "params.factor: must be a number 1-1000");
	expect_error(AR_DURATION, "{\"factor\":1000.5}", "params.factor: must be a number");
	expect_error(AR_DURATION, "{\"factor\":\"3\"}", "params.factor: must be a number");
	expect_error(AR_DURATION, "{\"factor\":3,\"min_runs\":0}", "params.min_runs: must be an integer 1-20");
	expect_error(AR_DURATION, "{\"factor\":3,\"min_runs\":21}", "params.min_runs: must be an integer 1-20");
	expect_error(AR_DURATION, "{\"max_seconds\":60,\"min_runs\":3}", "params.min_runs: only with params.factor");
	expect_error(AR_DURATION, "{\"max_seconds\":60,\"median\":3}", "params.median: unknown field");
}

static void deadline_params(void **state)
{
	alert_rule_params p;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	assert_int_equal(parse(AR_DEADLINE, "{\"time\":\"08:45\"}", &p, &err), 0);
	assert_int_equal(p.minute_of_day, 8 * 60 + 45);
	assert_string_equal(p.timezone, "");
	assert_string_equal(p.days, "*");
	assert_int_equal(p.dow_mask, 0xfe);
	expect_json(AR_DEADLINE, "{\"time\":\"08:45\"}", "{\"time\":\"08:45\",\"days\":\"*\"}");
	expect_json(AR_DEADLINE, "{\"days\":\"1-5\",\"timezone\":\"Asia/Shanghai\",\"time\":\"23:59\"}",
		    "{\"time\":\"23:59\",\"timezone\":\"Asia/Shanghai\",\"days\":\"1-5\"}");
	expect_json(AR_DEADLINE, "{\"time\":\"00:00\",\"timezone\":\"\"}",
		    "{\"time\":\"00:00\",\"days\":\"*\"}");

	struct { const char *days; unsigned char mask; } dm[] = {
		{"*", 0xfe}, {"1-5", 0x3e}, {"MON,WED,FRI", 0x2a}, {"0", 0x80}, {"7", 0x80},
		{"sun", 0x80}, {"6,7", 0xc0}, {"*/2", 0xd4}, {"1-7/3", 0x92}, {"?", 0xfe},
		{"SAT", 0x40}, {"Mon-Fri", 0x3e},
	};
	for (size_t i = 0; i < sizeof(dm) / sizeof(dm[0]); i++) {
		char json[96];

		snprintf(json, sizeof(json), "{\"time\":\"09:00\",\"days\":\"%s\"}", dm[i].days);
		if (parse(AR_DEADLINE, json, &p, &err) != 0)
			fail_msg("%s: %s", dm[i].days, err.msg);
		if (p.dow_mask != dm[i].mask)
			fail_msg("%s: mask 0x%02x, want 0x%02x", dm[i].days, p.dow_mask, dm[i].mask);
		assert_string_equal(p.days, dm[i].days);
	}
}

static void deadline_errors(void **state)
{
	(void)state;
	expect_error(AR_DEADLINE, NULL, "params.time: required (HH:MM)");
	expect_error(AR_DEADLINE, "{}", "params.time: required (HH:MM)");
	expect_error(AR_DEADLINE, "{\"days\":\"*\"}", "params.time: required (HH:MM)");
	static const char *const bad_times[] = {
		"\"8:45\"", "\"24:00\"", "\"23:60\"", "\"08:45:00\"", "\"08-45\"", "845",
		"\"\"", "null", "\"ab:cd\"", "\" 8:45\"",
	};
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		char json[64];

		snprintf(json, sizeof(json), "{\"time\":%s}", bad_times[i]);
		expect_error(AR_DEADLINE, json, "params.time: must be HH:MM (00:00-23:59)");
	}
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"timezone\":\"Mars/Base\"}",
		     "params.timezone: unknown time zone 'Mars/Base'");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"timezone\":\"../etc/passwd\"}",
		     "params.timezone: unknown time zone");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"timezone\":8}", "params.timezone: must be a string");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"days\":\"8\"}", "params.days: day-of-week field");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"days\":\"FUNDAY\"}", "params.days: day-of-week field");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"days\":\"1-5 6\"}",
		     "params.days: must be one cron day-of-week field");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"days\":\"MON#2\"}", "params.days: 'D#K'");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"days\":\"\"}", "params.days: must be 1-63 characters");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"days\":5}", "params.days: must be a string");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"days\":\"5-1\"}", "params.days: day-of-week field");
	expect_error(AR_DEADLINE, "{\"time\":\"08:45\",\"date\":\"x\"}", "params.date: unknown field");
}

/* deadline p (time, days) in zone tz at now: the expected deadline, day start and slot */
static void expect_deadline(const char *time, const char *days, const char *tz, const char *now,
			    const char *want_dl, const char *want_start, const char *want_slot)
{
	alert_rule_params p;
	zq_err err = ZQ_ERR_INIT;
	char json[128], slot[11] = "";
	long long dl = 0, start = 0;

	snprintf(json, sizeof(json), "{\"time\":\"%s\",\"days\":\"%s\"}", time, days);
	assert_int_equal(parse(AR_DEADLINE, json, &p, &err), 0);
	int rc = alert_deadline_last(&p, tz, iso(now), &dl, &start, slot);
	if (!want_dl) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	char a[32], b[32];
	if (dl != iso(want_dl) || start != iso(want_start))
		fail_msg("%s %s %s at %s: got %s / %s", time, days, tz, now,
			 zq_time_format_iso(dl, a, sizeof(a)), zq_time_format_iso(start, b, sizeof(b)));
	assert_string_equal(slot, want_slot);
}

static void deadlines_in_shanghai(void **state)
{
	const char *sh = "Asia/Shanghai";

	(void)state;
	/* 2026-12-01 is a Tuesday; 08:45 CST = 00:45Z */
	expect_deadline("08:45", "*", sh, "2026-12-01T02:00:00Z",
			"2026-12-01T00:45:00Z", "2026-11-30T16:00:00Z", "2026-12-01");
	expect_deadline("08:45", "*", sh, "2026-12-01T00:45:00Z",
			"2026-12-01T00:45:00Z", "2026-11-30T16:00:00Z", "2026-12-01");
	expect_deadline("08:45", "*", sh, "2026-12-01T00:44:59.999Z",
			"2026-11-30T00:45:00Z", "2026-11-29T16:00:00Z", "2026-11-30");
	/* local date differs from the UTC date: 23:30Z on the 1st is the 2nd in Shanghai */
	expect_deadline("07:00", "*", sh, "2026-12-01T23:30:00Z",
			"2026-12-01T23:00:00Z", "2026-12-01T16:00:00Z", "2026-12-02");
	/* weekdays only: Sunday 2026-12-06 looks back to Friday the 4th */
	expect_deadline("08:45", "1-5", sh, "2026-12-06T04:00:00Z",
			"2026-12-04T00:45:00Z", "2026-12-03T16:00:00Z", "2026-12-04");
	expect_deadline("08:45", "MON", sh, "2026-12-07T00:44:00Z",
			"2026-11-30T00:45:00Z", "2026-11-29T16:00:00Z", "2026-11-30");
	/* the same weekday a week ago is the furthest back */
	expect_deadline("23:59", "TUE", sh, "2026-12-08T15:58:00Z",
			"2026-12-01T15:59:00Z", "2026-11-30T16:00:00Z", "2026-12-01");
	expect_deadline("00:00", "*", sh, "2026-12-01T16:00:00Z",
			"2026-12-01T16:00:00Z", "2026-12-01T16:00:00Z", "2026-12-02");
}

static void deadlines_across_dst(void **state)
{
	(void)state;
	/* Berlin springs forward 2026-03-29 02:00 CET -> 03:00 CEST: 02:30 does not
	 * exist and is the first instant after the gap, 03:00 CEST = 01:00Z */
	expect_deadline("02:30", "*", "Europe/Berlin", "2026-03-29T12:00:00Z",
			"2026-03-29T01:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29");
	expect_deadline("02:30", "*", "Europe/Berlin", "2026-03-29T00:59:59Z",
			"2026-03-28T01:30:00Z", "2026-03-27T23:00:00Z", "2026-03-28");
	expect_deadline("08:45", "*", "Europe/Berlin", "2026-03-29T12:00:00Z",
			"2026-03-29T06:45:00Z", "2026-03-28T23:00:00Z", "2026-03-29");
	/* falls back 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 happens twice, the first counts */
	expect_deadline("02:30", "*", "Europe/Berlin", "2026-10-25T12:00:00Z",
			"2026-10-25T00:30:00Z", "2026-10-24T22:00:00Z", "2026-10-25");
	expect_deadline("08:45", "*", "Europe/Berlin", "2026-10-25T12:00:00Z",
			"2026-10-25T07:45:00Z", "2026-10-24T22:00:00Z", "2026-10-25");
	expect_deadline("08:45", "*", "Europe/Berlin", "2026-10-26T07:00:00Z",
			"2026-10-25T07:45:00Z", "2026-10-24T22:00:00Z", "2026-10-25");
	/* New York 2026-03-08 02:00 EST -> 03:00 EDT */
	expect_deadline("02:30", "SUN", "America/New_York", "2026-03-08T12:00:00Z",
			"2026-03-08T07:00:00Z", "2026-03-08T05:00:00Z", "2026-03-08");
	expect_deadline("01:30", "0", "America/New_York", "2026-11-01T12:00:00Z",
			"2026-11-01T05:30:00Z", "2026-11-01T04:00:00Z", "2026-11-01");
	/* Santiago 2026-09-06: midnight does not exist (00:00 -04 -> 01:00 -03) */
	expect_deadline("08:00", "*", "America/Santiago", "2026-09-06T12:00:00Z",
			"2026-09-06T11:00:00Z", "2026-09-06T04:00:00Z", "2026-09-06");
	expect_deadline("00:00", "*", "America/Santiago", "2026-09-06T04:00:00Z",
			"2026-09-06T04:00:00Z", "2026-09-06T04:00:00Z", "2026-09-06");
}

static void deadline_none(void **state)
{
	alert_rule_params p;
	zq_err err = ZQ_ERR_INIT;
	char slot[11];
	long long dl, start;

	(void)state;
	assert_int_equal(parse(AR_DEADLINE, "{\"time\":\"08:00\"}", &p, &err), 0);
	assert_int_equal(alert_deadline_last(&p, "Mars/Base", iso("2026-12-01T12:00:00Z"), &dl,
					     &start, slot), -1);
	p.dow_mask = 0;
	assert_int_equal(alert_deadline_last(&p, "UTC", iso("2026-12-01T12:00:00Z"), &dl,
					     &start, slot), -1);
	/* "" and NULL mean UTC */
	p.dow_mask = 0xfe;
	assert_int_equal(alert_deadline_last(&p, "", iso("2026-12-01T12:00:00Z"), &dl, &start, slot), 0);
	assert_int_equal(dl, iso("2026-12-01T08:00:00Z"));
	assert_int_equal(start, iso("2026-12-01T00:00:00Z"));
	assert_int_equal(alert_deadline_last(&p, NULL, iso("2026-12-01T07:00:00Z"), &dl, &start, slot), 0);
	assert_string_equal(slot, "2026-11-30");
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
		cmocka_unit_test(kinds_round_trip),
		cmocka_unit_test(simple_kinds),
		cmocka_unit_test(after_kinds),
		cmocka_unit_test(duration_kind),
		cmocka_unit_test(deadline_params),
		cmocka_unit_test(deadline_errors),
		cmocka_unit_test(deadlines_in_shanghai),
		cmocka_unit_test(deadlines_across_dst),
		cmocka_unit_test(deadline_none),
	};

	unsetenv("ZQ_ZONEINFO");
	return cmocka_run_group_tests(tests, NULL, teardown);
}
