/* doctor_int.h - what the files of `zq-db doctor` share: the run's state,
 * the report (doctor.c) and the checks, one function each, in the order of
 * doctor.c's table: the host and configuration (doctor_host.c), the
 * database server and account (doctor_db.c), the scheduler nodes and the
 * overdue work (doctor_work.c). Not for other modules. */
#ifndef ZQ_DOCTOR_INT_H
#define ZQ_DOCTOR_INT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "db.h"

#define DETAIL_MAX 2048

enum status { ST_OK, ST_WARN, ST_FAIL, ST_SKIP };

enum need { NEED_NONE, NEED_DB, NEED_TABLES };

struct doctor {
	const zq_config *cfg;
	FILE *out;
	cJSON *json;                 /* the report array; NULL for text */
	const char *check;           /* name of the check running */
	int failed;
	int file_pw;                 /* the config file itself sets db.password */
	zq_db *db;                   /* NULL unless connected */
	int schema;                  /* version in the database, -1 unknown */
	int alive;                   /* live scheduler nodes, -1 unknown */
	char account[400];           /* 'zq'@'localhost', for GRANT hints */
};

/* One line of the report for check (text or a JSON object); fix is
 * dropped for ok and skip. */
void emit(struct doctor *d, const char *check, enum status s, const char *fix,
	  const char *detail);
/* A line for the check running (d->check). */
void say(struct doctor *d, enum status s, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A check with several findings: the worst status wins, with its fix. */
struct finding {
	enum status s;
	zq_buf detail;
	char fix[DETAIL_MAX];
};

void finding_init(struct finding *f);
void found(struct finding *f, enum status s, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Report f as the running check's line and release it. */
void say_finding(struct doctor *d, struct finding *f);

/* "0.4 s", "12 min", "3.0 h", "5 days" */
const char *human_ms(int64_t ms, char *buf, size_t n);

/* Whether the config file itself sets db.password (doctor_host.c). */
int file_has_password(const zq_config *cfg);

/* doctor_host.c */
void check_config(struct doctor *d);
void check_permissions(struct doctor *d);
void check_password(struct doctor *d);
void check_time_zones(struct doctor *d);
/* doctor_db.c */
void check_connection(struct doctor *d);
void check_grants(struct doctor *d);
void check_schema(struct doctor *d);
void check_skip_locked(struct doctor *d);
void check_clock(struct doctor *d);
/* doctor_bi.c */
void check_db_time_zones(struct doctor *d);
void check_replica(struct doctor *d);
void check_bi_grants(struct doctor *d);
/* doctor_work.c */
void check_nodes(struct doctor *d);
void check_pending(struct doctor *d);
void check_overdue(struct doctor *d);

#endif
