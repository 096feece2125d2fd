/* bench_cron.c - next-fire computations per second on one core.
 *
 * 100k pre-parsed expressions of varied shapes (every N minutes, daily,
 * weekdays, L, #, six fields, yearly, a few leap-day ones) across ten zones,
 * most with DST. Each op advances one expression to its next fire; the ops
 * cycle through all expressions. Usage: bench_cron [ops] (default 5M). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cron.h"
#include "timeutil.h"
#include "tz.h"

#define NEXPR 100000

static const char *const zone_names[] = {"UTC",           "America/New_York", "Europe/London",
					 "Australia/Sydney", "Asia/Shanghai", "Europe/Berlin",
					 "America/Los_Angeles", "Asia/Kolkata", "America/Sao_Paulo",
					 "Asia/Tokyo"};
#define NZONES (sizeof(zone_names) / sizeof(zone_names[0]))

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* One expression of a randomly chosen shape. */
static void make_expr(char *buf, size_t sz)
{
	static const char *const days[] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
	unsigned m = rnd(60), h = rnd(24), k = rnd(100);

	if (k < 20)
		snprintf(buf, sz, "*/%u * * * *", 1 + rnd(30));
	else if (k < 40)
		snprintf(buf, sz, "%u %u * * *", m, h);
	else if (k < 55)
		snprintf(buf, sz, "%u %u-%u * * MON-FRI", m, h / 2, 12 + h / 2);
	else if (k < 62)
		snprintf(buf, sz, "0/%u %u * * *", 5 + rnd(20), h);
	else if (k < 68)
		snprintf(buf, sz, "%u %u L * *", m, h);
	else if (k < 74)
		snprintf(buf, sz, "%u %u * * %s#%u", m, h, days[rnd(7)], 1 + rnd(4));
	else if (k < 82)
		snprintf(buf, sz, "%u */%u * * * *", rnd(60), 1 + rnd(15));
	else if (k < 88)
		snprintf(buf, sz, "%u %u %u,%u * *", m, h, 1 + rnd(14), 15 + rnd(14));
	else if (k < 94)
		snprintf(buf, sz, "%u %u %u %u *", m, h, 1 + rnd(28), 1 + rnd(12));
	else if (k < 99)
		snprintf(buf, sz, "%u %u 13 * FRI", m, h);
	else
		snprintf(buf, sz, "%u %u 29 2 *", m, h);
}

int main(int argc, char **argv)
{
	long ops = argc > 1 ? atol(argv[1]) : 5000000;
	const zq_tz *zones[NZONES];
	zq_cron *crons = malloc(NEXPR * sizeof(*crons));
	const zq_tz **tzs = malloc(NEXPR * sizeof(*tzs));
	int64_t *at = malloc(NEXPR * sizeof(*at)), t0, t1, sum = 0;
	char expr[64];

	if (ops <= 0 || !crons || !tzs || !at)
		return 2;
	for (size_t i = 0; i < NZONES; i++) {
		zq_err err = ZQ_ERR_INIT;

		if (!(zones[i] = zq_tz_get(zone_names[i], &err))) {
			fprintf(stderr, "bench_cron: %s\n", err.msg);
			return 2;
		}
	}
	for (int i = 0; i < NEXPR; i++) {
		zq_err err = ZQ_ERR_INIT;

		make_expr(expr, sizeof(expr));
		if (zq_cron_parse(&crons[i], expr, &err) < 0) {
			fprintf(stderr, "bench_cron: '%s': %s\n", expr, err.msg);
			return 2;
		}
		tzs[i] = zones[rnd(NZONES)];
		at[i] = INT64_C(1735689600000) + (int64_t)rnd(365 * 86400) * 1000; /* during 2025 */
	}
	t0 = zq_mono_us();
	for (long n = 0, i = 0; n < ops; n++) {
		int64_t r = zq_cron_next(&crons[i], tzs[i], at[i]);

		at[i] = r == ZQ_TIME_NONE ? INT64_C(1735689600000) : r;
		sum += r;
		if (++i == NEXPR)
			i = 0;
	}
	t1 = zq_mono_us();
	printf("cron_next: %ld ops in %.3f s = %.0f ops/s (checksum %lld)\n", ops, (t1 - t0) / 1e6,
	       ops / ((t1 - t0) / 1e6), (long long)(sum & 0xffff));
	free(crons);
	free(tzs);
	free(at);
	zq_tz_cache_free();
	return 0;
}
