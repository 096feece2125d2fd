/* alert_thread.c - see alert_thread.h. (Being written: the round is empty
 * until the sweep and the sender land.) */
#include "alert_thread.h"

#include <stddef.h>

alert_thread *alert_thread_start(const zq_config *cfg, const char *who, zq_err *err)
{
	(void)cfg;
	(void)who;
	(void)err;
	return NULL;
}

void alert_thread_request_stop(alert_thread *T)
{
	(void)T;
}

void alert_thread_stop(alert_thread *T)
{
	(void)T;
}
