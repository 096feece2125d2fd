/* env.c - "NAME=value" strings and the arrays of them a command gets as its
 * environment (see env.h). */
#include "env.h"

#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "mem.h"

static char *kv_make(const char *name, size_t nl, const char *value)
{
	size_t vl = strlen(value);
	char *kv = zq_malloc(nl + vl + 2);

	memcpy(kv, name, nl);
	kv[nl] = '=';
	memcpy(kv + nl + 1, value, vl + 1);
	return kv;
}

char *env_kv(const char *name, const char *value)
{
	return kv_make(name, strlen(name), value);
}

void env_putn(env_list *e, const char *name, size_t nl, const char *value)
{
	char *kv = kv_make(name, nl, value);

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->v[i], kv, nl + 1) == 0) {
			free(e->v[i]);
			e->v[i] = kv;
			return;
		}
	e->v = zq_grow(e->v, &e->cap, e->n + 2, sizeof(*e->v));
	e->v[e->n++] = kv;
	e->v[e->n] = NULL;
}

void env_put(env_list *e, const char *name, const char *value)
{
	env_putn(e, name, strlen(name), value);
}

void env_put_day(env_list *e, const char *name, int32_t day)
{
	char d[11] = "";

	if (day != ZQ_CAL_NO_DAY)
		zq_day_format(day, d);
	env_put(e, name, d);
}

void env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}
