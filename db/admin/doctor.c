/* doctor.c - `zq-db doctor`: one pass over what has to be right for zq to
 * work, each finding with what to do about it. This file owns the report
 * (text lines or one JSON array) and the table of checks; the checks are
 * doctor_host.c's (configuration file, password, time zones),
 * doctor_db.c's (connection, grants, schema, server, clock),
 * doctor_bi.c's (the server's time zone tables, replication) and
 * doctor_work.c's (scheduler nodes, overdue work).
 *
 * The checks run in a fixed order from one table. Each names what it needs
 * (a connection, the zq tables) and is reported as skip without it, so a
 * dead server reads as one fail and a list of skips, never as ok. The
 * database is read with prepared statements only, and ages (heartbeats,
 * overdue work) are measured on the database clock, the one clock every
 * daemon shares (see node_store.c). */
#include "doctor.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "doctor_int.h"
#include "mem.h"
#include "tz.h"

static const char *const status_name[] = {"ok", "warn", "fail", "skip"};

/* ---- report ------------------------------------------------------------- */

void emit(struct doctor *d, const char *check, enum status s, const char *fix,
	  const char *detail)
{
	cJSON *o;

	if (s == ST_FAIL)
		d->failed++;
	if (s == ST_OK || s == ST_SKIP)
		fix = NULL;
	if (!d->json) {
		fprintf(d->out, "%-4s  %s: %s\n", status_name[s], check, detail);
		if (fix)
			fprintf(d->out, "      fix: %s\n", fix);
		fflush(d->out);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "check", check);
	cJSON_AddStringToObject(o, "status", status_name[s]);
	cJSON_AddStringToObject(o, "detail", detail);
	if (fix)
		cJSON_AddStringToObject(o, "fix", fix);
	else
		cJSON_AddNullToObject(o, "fix");
	cJSON_AddItemToArray(d->json, o);
}

void say(struct doctor *d, enum status s, const char *fix, const char *fmt, ...)
{
	char detail[DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	emit(d, d->check, s, fix, detail);
}

void finding_init(struct finding *f)
{
	f->s = ST_OK;
	zq_buf_init(&f->detail, DETAIL_MAX);
	f->fix[0] = '\0';
}

void found(struct finding *f, enum status s, const char *fix, const char *fmt, ...)
{
	va_list ap;

	if (f->detail.len)
		zq_buf_puts(&f->detail, "; ");
	va_start(ap, fmt);
	zq_buf_vprintf(&f->detail, fmt, ap); /* past the cap: the line is cut, fine */
	va_end(ap);
	if (s > f->s) {
		f->s = s;
		zq_strlcpy(f->fix, fix ? fix : "", sizeof(f->fix));
	}
}

void say_finding(struct doctor *d, struct finding *f)
{
	emit(d, d->check, f->s, f->fix, f->detail.data);
	zq_buf_release(&f->detail);
}

const char *human_ms(int64_t ms, char *buf, size_t n)
{
	if (ms < 0)
		ms = 0;
	if (ms < 120000)
		snprintf(buf, n, "%.1f s", (double)ms / 1000);
	else if (ms < 2 * 3600000LL)
		snprintf(buf, n, "%lld min", (long long)(ms / 60000));
	else if (ms < 48 * 3600000LL)
		snprintf(buf, n, "%.1f h", (double)ms / 3600000);
	else
		snprintf(buf, n, "%lld days", (long long)(ms / 86400000));
	return buf;
}

/* ---- the table ------------------------------------------------------------------ */

static const struct check {
	const char *name;
	enum need need;
	void (*run)(struct doctor *d);
} checks[] = {
	{"config", NEED_NONE, check_config},
	{"config permissions", NEED_NONE, check_permissions},
	{"db password", NEED_NONE, check_password},
	{"connection", NEED_NONE, check_connection},
	{"grants", NEED_DB, check_grants},
	{"schema", NEED_DB, check_schema},
	{"skip locked", NEED_DB, check_skip_locked},
	{"time zones", NEED_NONE, check_time_zones},
	{"db time zones", NEED_DB, check_db_time_zones},
	{"clock", NEED_DB, check_clock},
	{"replica", NEED_DB, check_replica},
	{"bi grants", NEED_TABLES, check_bi_grants},
	{"scheduler nodes", NEED_TABLES, check_nodes},
	{"pending executions", NEED_TABLES, check_pending},
	{"overdue tasks", NEED_TABLES, check_overdue},
};

static void run_check(struct doctor *d, const struct check *k)
{
	d->check = k->name;
	if (k->need >= NEED_DB && !d->db)
		say(d, ST_SKIP, NULL, "needs the database connection");
	else if (k->need == NEED_TABLES && d->schema <= 0)
		say(d, ST_SKIP, NULL, "needs the zq tables (schema %s)",
		    d->schema == 0 ? "not migrated" : "version unknown");
	else
		k->run(d);
}

int doctor_run(const zq_config *cfg, unsigned flags, FILE *out, int *failed)
{
	struct doctor d;
	char *text;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.out = out;
	d.schema = d.alive = -1;
	d.file_pw = file_has_password(cfg);
	if (flags & DOCTOR_JSON)
		d.json = cJSON_CreateArray();
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		run_check(&d, &checks[i]);
	if (d.json) {
		if (!(text = cJSON_Print(d.json))) {
			fprintf(stderr, "doctor: out of memory rendering the report\n");
			abort();
		}
		fprintf(out, "%s\n", text);
		free(text);
		cJSON_Delete(d.json);
	}
	zq_db_free(d.db);
	zq_tz_cache_free();
	*failed = d.failed;
	return fflush(out) == 0 && !ferror(out) ? 0 : ZQ_EIO;
}
