/* taskcfg_int.h - what taskcfg.c (the config) and taskcfg_param.c (its
 * parameters) share; not for other modules. */
#ifndef ZQ_TASKCFG_INT_H
#define ZQ_TASKCFG_INT_H

#include <cjson/cJSON.h>

#include "err.h"
#include "taskcfg.h"

#define PATH_MAX_BYTES 160  /* a field's display name, "config.params.x.default" */

/* Member k of o, NULL when absent or JSON null (= not given). */
static inline const cJSON *taskcfg_member(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNull(v) ? NULL : v;
}

/* Fill c->params from c->root's "params" (taskcfg_parse's last step). */
int taskcfg_parse_params(taskcfg *c, zq_err *err);

#endif
