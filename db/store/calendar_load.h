/* calendar_load.h - calendars as a daemon reads them: the cheap version
 * check behind its cache (scheduler/cal_cache.h); the calendars themselves
 * load with calendar_store_load (calendar_store.h). */
#ifndef ZQ_CALENDAR_LOAD_H
#define ZQ_CALENDAR_LOAD_H

#include <stdint.h>

#include "db.h"

/* Every calendar's id and version (PRIMARY, id order), up to max; *n
 * receives how many. */
int calendar_load_versions(zq_db *db, int64_t *ids, int *versions, int max, int *n, zq_err *err);

#endif
