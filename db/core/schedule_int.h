/* schedule_int.h - what schedule.c and schedule_cal.c share. */
#ifndef ZQ_SCHEDULE_INT_H
#define ZQ_SCHEDULE_INT_H

#include "schedule.h"

/* zq_schedule_next for a cron or interval schedule with a calendar (s->cal set). */
int64_t zq_sched_cal_next(const zq_schedule *s, int64_t after_ms);

#endif
