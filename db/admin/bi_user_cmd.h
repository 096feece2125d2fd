/* bi_user_cmd.h - zq-db bi-user create | drop | list | grant: the MariaDB
 * accounts of the reporting (BI) users, which may read the bi_* views of the
 * zq database and nothing else. */
#ifndef ZQ_BI_USER_CMD_H
#define ZQ_BI_USER_CMD_H

#include <stdio.h>

#include "config.h"

/* argv[0] is "bi-user". Connects itself (as the admin account the options
 * name, else as cfg's). Returns the exit status (0, 1 failed, 2 usage or
 * configuration); the report goes to out, errors to stderr. */
int bi_user_cmd(const zq_config *cfg, int argc, char **argv, FILE *out);

#endif
