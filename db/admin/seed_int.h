/* seed_int.h - what seed.c (the examples and workflows) and seed_quant.c
 * (the SSE calendar and the quant team's example jobs) share. */
#ifndef ZQ_SEED_INT_H
#define ZQ_SEED_INT_H

#include "seed.h"

struct seed_task {
	const char *name;
	int type;
	const char *cron;
	int interval;
	int enabled;
	int max_retries, retry_interval;
	const char *description;
	const char *config;
	const char *timezone;   /* NULL = UTC */
	const char *calendar;   /* a calendar's name (rule only), NULL = none */
};

/* Ensure one task exists (recreating it when force); config NULL = s->config.
 * A task with a calendar gets its first run on the calendar's business days. */
int seed_ensure_task(zq_db *db, const struct seed_task *s, const char *config, int force,
		     int64_t *id, zq_seed_report *rep, zq_err *err);

/* The SSE calendar (kept when it exists) and the sync_* tasks over the
 * example jobs in rep->examples_dir. */
int seed_quant(zq_db *db, int force, zq_seed_report *rep, zq_err *err);

#endif
