/* seed.h - example tasks and workflows, like the seed's init_scheduler.py,
 * and the quant team's examples: the SSE trading calendar and the
 * sync_trading_calendar / sync_stock_list / sync_daily_data jobs
 * (db/examples/). */
#ifndef ZQ_SEED_H
#define ZQ_SEED_H

#include "db.h"

enum { ZQ_SEED_EXAMPLES = 1, ZQ_SEED_WORKFLOWS = 2, ZQ_SEED_QUANT = 4 };

typedef struct zq_seed_report {
	const char *examples_dir;  /* in: the example jobs' folder, NULL = find it */
	int created, skipped;      /* tasks */
	int calendar;              /* SSE: 1 created, 0 kept (it existed), -1 not seeded */
	int cal_days;              /* days of the created calendar */
	char dir[1024];            /* the folder the sync_* tasks run the jobs from */
	int dir_found;             /* whether dir holds the jobs */
} zq_seed_report;

/* Create the examples in `what` (a mask). Existing tasks with the same names
 * are kept (and counted in rep->skipped) unless force, which recreates them;
 * an existing calendar SSE is always kept (a user may have edited it). All
 * in one transaction. */
int zq_seed(zq_db *db, unsigned what, int force, zq_seed_report *rep, zq_err *err);

#endif
