/* fuzz_cron.c - libFuzzer target for the cron parser and next-fire search.
 *
 * Input: byte 0 picks a zone, byte 1 a start instant, byte 2 shifts it by
 * half hours; the rest is the expression. An input starting with "TZif" is
 * instead parsed as a zone file and searched with a few fixed expressions.
 * Besides crashes and sanitizer reports, it checks what must always hold:
 * fires strictly increase, are whole seconds, match the expression's
 * fields in local time (at the zone's offset, or the offset before a jump
 * for a skipped wall time), and next(fire - 1 ms) is that fire again.
 *
 * Bits 4-5 of byte 0 pick a calendar rule (0 = none; only, next, previous):
 * the expression then also runs through a fixed SSE-like calendar (weekend
 * 6,7, holidays and two workdays, covered 2024-2027) from a start inside
 * it, and fires must strictly increase, fall on business days (local date
 * in the zone), have as slot a fire of the plain cron (the fire itself
 * under only), come back from next(fire - 1), and the walk may only end at
 * the calendar's coverage, saying so. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "cron.h"
#include "schedule.h"
#include "timeutil.h"
#include "tz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const zone_names[] = {
	"UTC",           "America/New_York",    "Europe/London",  "Australia/Sydney",
	"Asia/Shanghai", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham",
	"Asia/Kolkata",  "Africa/Casablanca",   "America/Nuuk",   "Pacific/Apia",
	"Europe/Dublin", "Pacific/Kiritimati",  "America/St_Johns", "Antarctica/Troll",
};
#define NZONES (sizeof(zone_names) / sizeof(zone_names[0]))
static const zq_tz *zones[NZONES];

static const int64_t starts[] = {
	INT64_C(1735689600000),   /* 2025-01-01 */
	INT64_C(1741503599500),   /* 2025-03-09T06:59:59.5Z, New York gap */
	INT64_C(1762061400000),   /* 2025-11-02T05:30Z, New York overlap */
	INT64_C(1743292800000),   /* 2025-03-30, London gap */
	INT64_C(1743868800000),   /* 2025-04-05T16:00Z, Sydney overlap */
	INT64_C(1759593600000),   /* 2025-10-04T16:00Z, Sydney gap */
	0,                        /* 1970 */
	INT64_C(-2208988800000),  /* 1900 */
	INT64_C(2208988800000),   /* 2040 */
	INT64_C(4102358400000),   /* 2099-12-31 */
	INT64_C(8835984000000),   /* 2250 */
	INT64_C(253402214400000), /* 9999-12-31 */
	ZQ_CRON_MIN_MS,           /* 0001-01-01 */
	INT64_C(-5364662400000),  /* 1800 */
	INT64_C(1709164800000),   /* 2024-02-29 */
	INT64_C(951782400000),    /* 2000-02-29 */
};

/* The calendar: first day and length of each holiday run, and two workdays. */
static const struct {
	int y, m, d, n;
} holidays[] = {
	{2024, 1, 1, 1},  {2024, 2, 9, 9},  {2024, 4, 4, 2},  {2024, 5, 1, 3},  {2024, 6, 10, 1},
	{2024, 9, 16, 2}, {2024, 10, 1, 7}, {2025, 1, 1, 1},  {2025, 1, 28, 8}, {2025, 4, 4, 1},
	{2025, 5, 1, 5},  {2025, 6, 2, 1},  {2025, 10, 1, 8}, {2025, 12, 31, 3}, {2026, 2, 16, 5},
	{2026, 10, 1, 7}, {2027, 2, 8, 5},  {2027, 10, 1, 7}, {2027, 12, 27, 5},
};
static zq_calendar cal;
#define CAL_START INT64_C(1704240000000) /* 2024-01-03 */

static void make_calendar(void)
{
	zq_cal_init(&cal);
	strcpy(cal.name, "SSE");
	for (size_t i = 0; i < sizeof(holidays) / sizeof(holidays[0]); i++)
		for (int k = 0; k < holidays[i].n; k++)
			zq_cal_add(&cal, (int32_t)zq_days_from_civil(holidays[i].y, holidays[i].m,
								     holidays[i].d) + k,
				   ZQ_CAL_HOLIDAY);
	zq_cal_add(&cal, (int32_t)zq_days_from_civil(2024, 2, 4), ZQ_CAL_WORKDAY);  /* a Sunday */
	zq_cal_add(&cal, (int32_t)zq_days_from_civil(2025, 9, 27), ZQ_CAL_WORKDAY); /* a Saturday */
	if (zq_cal_finish(&cal, NULL) != 0 || cal.covered_until != zq_days_from_civil(2027, 12, 31))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NZONES; i++)
		if (!(zones[i] = zq_tz_get(zone_names[i], NULL)))
			abort(); /* the fuzzer needs tzdata */
	make_calendar();
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Does wall time local (seconds) match c? Written from the definitions,
 * independently of cron.c's masks. */
static int matches(const zq_cron *c, int64_t local)
{
	int64_t days = floor_div(local, 86400), sod = local - days * 86400;
	int y, m, d, wd, dim, dom_ok, dow_ok;

	zq_civil_from_days(days, &y, &m, &d);
	wd = zq_weekday_from_days(days);
	dim = zq_days_in_month(y, m);
	if (!(c->sec >> (sod % 60) & 1) || !(c->min >> (sod / 60 % 60) & 1) ||
	    !(c->hour >> (sod / 3600) & 1) || !(c->mon >> m & 1))
		return 0;
	dom_ok = (c->dom >> d & 1) || ((c->flags & ZQ_CRON_DOM_LAST) && d == dim);
	dow_ok = (c->dow >> wd & 1) || (c->dow_nth >> (5 * wd + (d - 1) / 7) & 1);
	if ((c->flags & ZQ_CRON_DOM_STAR) && (c->flags & ZQ_CRON_DOW_STAR))
		return 1;
	if (c->flags & ZQ_CRON_DOM_STAR)
		return dow_ok;
	if (c->flags & ZQ_CRON_DOW_STAR)
		return dom_ok;
	return dom_ok || dow_ok;
}

static void check_fires(const zq_cron *c, const zq_tz *tz, int64_t t, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		int64_t n = zq_cron_next(c, tz, t);
		zq_tz_span sp;

		if (n == ZQ_TIME_NONE)
			return;
		if (n <= t || n % 1000 != 0 || n > ZQ_CRON_MAX_MS)
			abort();
		zq_tz_span_at(tz, n / 1000, &sp);
		if (!matches(c, n / 1000 + sp.off) && !matches(c, n / 1000 + sp.prev_off))
			abort();
		if (zq_cron_next(c, tz, n - 1) != n)
			abort();
		t = n;
	}
}

static void fuzz_tzif(const uint8_t *data, size_t size)
{
	static const char *const exprs[] = {"*/7 * * * *", "30 2 * * *", "0 * * * *", "0 0 L 2 *"};
	zq_tz *tz = zq_tz_parse("Fuzz/Zone", data, size, NULL);
	zq_cron c;

	if (!tz)
		return;
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		if (zq_cron_parse(&c, exprs[i], NULL) != 0)
			abort();
		check_fires(&c, tz, starts[i], 3);
	}
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		(void)zq_tz_offset_at(tz, starts[i]);
	zq_tz_free(tz);
}

/* The expression through the calendar with rule, from t (inside the coverage). */
static void check_calendar(const char *expr, const zq_cron *c, int zi, int rule, int64_t t)
{
	const zq_tz *tz = zones[zi];
	zq_schedule s;
	char why[128];
	int64_t n;

	if (zq_schedule_init_cal(&s, expr, 0, ZQ_TIME_NONE, ZQ_TIME_NONE, zone_names[zi], &cal, rule, NULL) != 0)
		abort();
	for (int i = 0; i < 6; i++, t = n) {
		int64_t slot;

		if ((n = zq_schedule_next(&s, t)) == ZQ_TIME_NONE) {
			if (!zq_schedule_stop_reason(&s, t, why, sizeof(why)) ||
			    strncmp(why, "calendar SSE has no data ", 25) != 0)
				abort();
			return;
		}
		if (n <= t || !zq_cal_is_business(&cal, zq_schedule_local_day(&s, n)) ||
		    zq_schedule_next(&s, n - 1) != n)
			abort();
		slot = zq_schedule_slot(&s, n);
		if (zq_cron_next(c, tz, slot - 1) != slot)
			abort();
		if ((rule == ZQ_CAL_RULE_ONLY || (c->flags & ZQ_CRON_DOM_BIZ)) && slot != n)
			abort();
		if (slot != n && zq_cal_is_business(&cal, zq_schedule_local_day(&s, slot)))
			abort(); /* only a fire on a closed day moves */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char expr[ZQ_CRON_EXPR_MAX + 64];
	zq_err err = ZQ_ERR_INIT;
	zq_schedule s;
	zq_cron c;
	int64_t t;

	if (size >= 4 && memcmp(data, "TZif", 4) == 0) {
		fuzz_tzif(data, size);
		return 0;
	}
	if (size < 3 || size - 3 >= sizeof(expr))
		return 0;
	memcpy(expr, data + 3, size - 3);
	expr[size - 3] = '\0';
	t = starts[data[1] % (sizeof(starts) / sizeof(starts[0]))] + ((int)data[2] - 128) * INT64_C(1800000);
	if (zq_cron_parse(&c, expr, &err) != 0) {
		if (err.code != ZQ_EINVAL || !err.msg[0] || strlen(err.msg) >= sizeof(err.msg))
			abort();
		return 0;
	}
	check_fires(&c, zones[data[0] % NZONES], t, 8);
	/* the same through the schedule layer (B-tokens need a calendar there) */
	if (c.flags & ZQ_CRON_DOM_BIZ) {
		if (zq_schedule_init(&s, expr, 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", &err) != ZQ_EINVAL ||
		    !strstr(err.msg, "needs a calendar (set calendar)"))
			abort();
	} else if (zq_schedule_init(&s, expr, 0, ZQ_TIME_NONE, ZQ_TIME_NONE, zone_names[data[0] % NZONES],
				    &err) != 0 ||
		   zq_schedule_next(&s, t) != zq_cron_next(&c, zones[data[0] % NZONES], t)) {
		abort();
	}
	if (data[0] >> 4 & 3)
		check_calendar(expr, &c, data[0] % NZONES, data[0] >> 4 & 3,
			       CAL_START + data[1] * INT64_C(5) * 86400000 + ((int)data[2] - 128) * INT64_C(1800000));
	return 0;
}
