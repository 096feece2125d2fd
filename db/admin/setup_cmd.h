/* setup_cmd.h - zq-db export / import: a setup document (db/jobs/setup_doc.h)
 * out of the database or into it, as the API's /scheduler/export and
 * /scheduler/import do. */
#ifndef ZQ_SETUP_CMD_H
#define ZQ_SETUP_CMD_H

#include <stdio.h>

#include "config.h"
#include "db.h"

/* argv[0] is "export" or "import". Returns the exit status (0, 1 failed or
 * the document has errors, 2 usage); the document or the plan go to out. */
int setup_cmd(zq_db *db, const zq_config *cfg, int argc, char **argv, FILE *out);

#endif
