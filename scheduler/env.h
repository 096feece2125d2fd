/* env.h - environments for commands: NULL-terminated heap arrays of
 * "NAME=value" strings (the command executor builds one per run, proc's
 * run_as puts the target user's HOME, USER and LOGNAME in). Pure. */
#ifndef ZQ_SCHED_ENV_H
#define ZQ_SCHED_ENV_H

#include <stddef.h>
#include <stdint.h>

typedef struct env_list {
	char **v;                /* NULL-terminated once anything is in it; NULL when empty */
	size_t n, cap;
} env_list;

/* "NAME=value" on the heap (the caller frees). */
char *env_kv(const char *name, const char *value);
/* Set name (its first nl bytes) to value: replaces the entry of that name,
 * or appends one. */
void env_putn(env_list *e, const char *name, size_t nl, const char *value);
void env_put(env_list *e, const char *name, const char *value);
/* Set name to a day (calendar.h day number) as YYYY-MM-DD, "" for ZQ_CAL_NO_DAY. */
void env_put_day(env_list *e, const char *name, int32_t day);
/* Free a NULL-terminated array and its strings (NULL: nothing). */
void env_free(char **env);

#endif
