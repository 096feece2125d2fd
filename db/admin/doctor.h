/* doctor.h - `zq-db doctor`: the checks an operator runs when something is
 * off (configuration file, connection, grants, schema, server features,
 * time zones and the server's time zone tables, clock skew, replication,
 * the reporting role's grants, scheduler nodes, overdue work).
 *
 * Each check prints one line "ok|warn|fail|skip  <check>: <what was found>"
 * and, for warn and fail, an indented "fix: <what to do>" line; with
 * DOCTOR_JSON the report is instead one JSON array of
 * {"check", "status", "detail", "fix"} objects (fix null when there is
 * none). When the connection fails, the checks that need the database are
 * reported as skip. Nothing secret is ever printed: neither the password nor
 * the grant lines (they carry the account's password hash). */
#ifndef ZQ_DOCTOR_H
#define ZQ_DOCTOR_H

#include <stdio.h>

#include "config.h"

#define DOCTOR_JSON 1u

/* Run every check against cfg (as loaded: cfg->path is the file, "" for
 * none), writing the report to out. *failed receives how many checks
 * failed (warn and skip do not count). Returns 0, or ZQ_EIO when out could
 * not be written. */
int doctor_run(const zq_config *cfg, unsigned flags, FILE *out, int *failed);

#endif
