/* cal_cache.h - the loop thread's copy of the business calendars (README
 * "Calendars and business dates"): loaded from the database when a due task
 * or a claimed run first needs one, reloaded when its `calendars.version`
 * changes. The version check (one cheap SELECT id, version) runs at most
 * once per fire batch that has calendar tasks (cal_cache_check), and on
 * lookups at most once a second. Loop thread only; the zq_calendar pointers
 * stay valid until the next check or lookup. */
#ifndef ZQ_SCHED_CAL_CACHE_H
#define ZQ_SCHED_CAL_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "db.h"
#include "exec_store.h"

#define CAL_CACHE_MAX 256            /* calendars the version check reads */

typedef struct cal_cache {
	zq_calendar **cals;          /* loaded calendars, by id order of loading */
	int n;
	size_t cap;
	int64_t checked_mono;        /* last version check (monotonic ms); 0 = never */
} cal_cache;

void cal_cache_init(cal_cache *c);
void cal_cache_release(cal_cache *c);
/* Compare every cached calendar's version with the database's now: drop
 * the changed and deleted ones (they load again when asked for). */
int cal_cache_check(cal_cache *c, zq_db *db, int64_t mono, zq_err *err);
/* Calendar id (loaded if needed; versions checked if the last check is
 * older than a second): *out, or ZQ_ENOTFOUND "calendar 5 not found". */
int cal_cache_get(cal_cache *c, zq_db *db, int64_t id, int64_t mono, const zq_calendar **out,
		  zq_err *err);
/* A claimed job's calendar facts: name, previous and next business day of
 * its business_day (the adjacent calendar days without a calendar); a
 * calendar that cannot be loaded leaves them unknown (logged). */
void cal_cache_fill_job(cal_cache *c, zq_db *db, exec_job *j, int64_t mono);

#endif
