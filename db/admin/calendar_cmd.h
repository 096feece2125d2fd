/* calendar_cmd.h - zq-db calendar: import a days file into a calendar
 * (created when missing), list the calendars. */
#ifndef ZQ_CALENDAR_CMD_H
#define ZQ_CALENDAR_CMD_H

#include <stdio.h>

#include "db.h"

/* argv[0] is "calendar". Returns the exit status (0, 1 failed, 2 usage);
 * messages go to out / stderr. */
int calendar_cmd(zq_db *db, int argc, char **argv, FILE *out);

#endif
