/* seed.h - example tasks and workflows, like the seed's init_scheduler.py. */
#ifndef ZQ_SEED_H
#define ZQ_SEED_H

#include "db.h"

enum { ZQ_SEED_EXAMPLES = 1, ZQ_SEED_WORKFLOWS = 2 };

/* Create the examples in `what` (a mask). Existing tasks with the same names
 * are kept (and counted in *skipped) unless force, which recreates them.
 * Each task with its workflow rows is created in one transaction. */
int zq_seed(zq_db *db, unsigned what, int force, int *created, int *skipped, zq_err *err);

#endif
