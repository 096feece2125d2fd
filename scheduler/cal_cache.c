/* cal_cache.c - the loop thread's calendars (see cal_cache.h). */
#include "cal_cache.h"

#include <stdlib.h>
#include <string.h>

#include "calendar_load.h"
#include "calendar_store.h"
#include "log.h"
#include "mem.h"

#define CHECK_EVERY_MS 1000

void cal_cache_init(cal_cache *c)
{
	memset(c, 0, sizeof(*c));
}

static void drop(cal_cache *c, int i)
{
	zq_cal_release(c->cals[i]);
	free(c->cals[i]);
	c->cals[i] = c->cals[--c->n];
}

void cal_cache_release(cal_cache *c)
{
	while (c->n)
		drop(c, c->n - 1);
	free(c->cals);
	memset(c, 0, sizeof(*c));
}

int cal_cache_check(cal_cache *c, zq_db *db, int64_t mono, zq_err *err)
{
	int64_t ids[CAL_CACHE_MAX];
	int versions[CAL_CACHE_MAX], n = 0, rc;

	c->checked_mono = mono ? mono : 1;
	if (c->n == 0)
		return 0;
	if ((rc = calendar_load_versions(db, ids, versions, CAL_CACHE_MAX, &n, err)) < 0)
		return rc;
	for (int i = c->n - 1; i >= 0; i--) {
		int keep = 0;
		for (int k = 0; k < n; k++)
			if (ids[k] == c->cals[i]->id)
				keep = versions[k] == c->cals[i]->version;
		if (!keep) {
			zq_info("calendar %s changed (version %d): reloaded when next used",
				c->cals[i]->name, c->cals[i]->version);
			drop(c, i);
		}
	}
	return 0;
}

int cal_cache_get(cal_cache *c, zq_db *db, int64_t id, int64_t mono, const zq_calendar **out,
		  zq_err *err)
{
	zq_calendar *cal;
	int rc;

	*out = NULL;
	if (!c->checked_mono || mono - c->checked_mono >= CHECK_EVERY_MS)
		if ((rc = cal_cache_check(c, db, mono, err)) < 0)
			return rc;
	for (int i = 0; i < c->n; i++)
		if (c->cals[i]->id == id) {
			*out = c->cals[i];
			return 0;
		}
	cal = zq_calloc(1, sizeof(*cal));
	if ((rc = calendar_store_load(db, id, NULL, cal, err)) < 0) {
		zq_cal_release(cal);
		free(cal);
		return rc;
	}
	c->cals = zq_grow(c->cals, &c->cap, (size_t)c->n + 1, sizeof(*c->cals));
	c->cals[c->n++] = cal;
	*out = cal;
	return 0;
}

void cal_cache_fill_job(cal_cache *c, zq_db *db, exec_job *j, int64_t mono)
{
	const zq_calendar *cal = NULL;
	zq_err err = ZQ_ERR_INIT;

	j->calendar[0] = '\0';
	j->prev_day = j->next_day = ZQ_CAL_NO_DAY;
	if (j->business_day == ZQ_CAL_NO_DAY)
		return;
	if (!j->calendar_id) {
		j->prev_day = j->business_day - 1;
		j->next_day = j->business_day + 1;
		return;
	}
	if (!c || cal_cache_get(c, db, j->calendar_id, mono, &cal, &err) < 0) {
		zq_warn("exec=%lld task=%lld: calendar %lld: %s: ZQ_PREV_BIZ_DATE and "
			"ZQ_NEXT_BIZ_DATE left empty", (long long)j->id, (long long)j->task_id,
			(long long)j->calendar_id, err.msg[0] ? err.msg : "not loaded");
		return;
	}
	zq_strlcpy(j->calendar, cal->name, sizeof(j->calendar));
	j->prev_day = zq_cal_prev(cal, j->business_day);
	j->next_day = zq_cal_next(cal, j->business_day);
}
