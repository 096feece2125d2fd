/* calendar_cmd.c - zq-db calendar import NAME FILE [--replace] [--timezone TZ]
 * [--weekend 6,7] and zq-db calendar list. An import is the API's import
 * (calendar_row_merge): one transaction with the calendar row locked, the
 * days written, version + 1 and the next_run_at of the calendar's tasks
 * recomputed; a missing calendar is created (timezone UTC and weekend 6,7
 * unless given). */
#include "calendar_cmd.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendar_store.h"
#include "mem.h"
#include "migrate.h"
#include "timeutil.h"
#include "tz.h"

struct import {
	const char *name, *file, *tz, *weekend;
	int replace;
};

static int usage(const char *msg)
{
	fprintf(stderr, "zq-db: calendar: %s\n"
		"usage: zq-db calendar import NAME FILE [--replace] [--timezone TZ] [--weekend 6,7]\n"
		"       zq-db calendar list\n", msg);
	return 2;
}

static int fail(const char *what, const zq_err *err)
{
	fprintf(stderr, "zq-db: calendar %s: %s\n", what, err->msg);
	return 1;
}

static int read_file(const char *path, zq_buf *b, zq_err *err)
{
	FILE *f = fopen(path, "r");
	char chunk[8192];
	size_t n;

	if (!f)
		return zq_errf(err, ZQ_EIO, "%s: cannot open", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		zq_buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

/* The options of the row: a new calendar's, or changes to an existing one. */
static int apply_options(const struct import *im, calendar_row *r, zq_err *err)
{
	if (im->tz) {
		if (!zq_tz_get(im->tz, err))
			return zq_errf(err, ZQ_EINVAL, "--timezone: unknown time zone '%s'", im->tz);
		zq_strlcpy(r->timezone, im->tz, sizeof(r->timezone));
	}
	if (im->weekend && zq_cal_weekend_parse(im->weekend, &r->cal.weekend, err) < 0)
		return zq_err_prefix(err, "--");
	return 0;
}

static int import_tx(zq_db *db, const struct import *im, const zq_calendar *in, int *created,
		     int *added, calendar_row *r, zq_err *err)
{
	int rc = calendar_store_get(db, 0, im->name, CAL_FOR_UPDATE, r, err);

	*created = rc == ZQ_ENOTFOUND;
	if (rc < 0 && !*created)
		return rc;
	if (*created) {
		calendar_row_init(r);
		zq_strlcpy(r->cal.name, im->name, sizeof(r->cal.name));
		zq_strlcpy(r->created_by, "zq-db", sizeof(r->created_by));
	}
	if ((rc = apply_options(im, r, err)) < 0)
		return rc;
	*added = calendar_row_merge(r, in, im->replace);
	r->cal.covered_from = r->set_from;
	r->cal.covered_until = r->set_until;
	if ((rc = zq_cal_finish(&r->cal, err)) < 0)
		return rc;
	if (r->cal.nholidays + r->cal.nworkdays > CALENDAR_DAYS_MAX)
		return zq_errf(err, ZQ_EINVAL, "at most %d days", CALENDAR_DAYS_MAX);
	if (*created)
		return calendar_store_insert(db, r, err);
	if ((rc = calendar_store_update(db, r, 1, err)) < 0)
		return rc;
	r->cal.version++;
	return calendar_store_recompute_tasks(db, &r->cal, zq_wall_ms(), err);
}

static int valid_name(const char *s)
{
	int digits = 1;

	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-", *s)))
			return 0;
		digits &= *s >= '0' && *s <= '9';
	}
	return !digits;
}

static int parse_import(int argc, char **argv, struct import *im)
{
	memset(im, 0, sizeof(*im));
	if (argc < 4)
		return usage("import: expected NAME FILE");
	im->name = argv[2];
	im->file = argv[3];
	if (!valid_name(im->name))
		return usage("import: NAME must be 1-64 letters, digits, . _ - (not all digits)");
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--replace") == 0)
			im->replace = 1;
		else if (strcmp(argv[i], "--timezone") == 0 && i + 1 < argc)
			im->tz = argv[++i];
		else if (strcmp(argv[i], "--weekend") == 0 && i + 1 < argc)
			im->weekend = argv[++i];
		else
			return usage("import: unknown option");
	}
	return 0;
}

static int cmd_import(zq_db *db, int argc, char **argv, FILE *out)
{
	zq_err err = ZQ_ERR_INIT;
	zq_buf text = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	struct import im;
	zq_calendar in;
	calendar_row r;
	int rc, created = 0, added = 0;
	char a[11], b[11];

	if ((rc = parse_import(argc, argv, &im)) != 0)
		return rc;
	zq_cal_init(&in);
	calendar_row_init(&r);
	if (read_file(im.file, &text, &err) < 0 ||
	    zq_cal_parse_days(&in, text.data ? text.data : "", text.len, &err) < 0) {
		rc = fail("import", &err);
		goto out;
	}
	calendar_row_release(&r);
	if ((rc = zq_db_begin(db, &err)) == 0 &&
	    (rc = import_tx(db, &im, &in, &created, &added, &r, &err)) == 0)
		rc = zq_db_commit(db, &err);
	if (rc < 0) {
		zq_db_rollback(db);
		rc = fail("import", &err);
		goto out;
	}
	zq_day_format(r.cal.covered_from, a);
	zq_day_format(r.cal.covered_until, b);
	fprintf(out, "calendar %s (id %lld): %s, %d days imported%s; %zu holidays, %zu workdays, "
		"covered %s .. %s\n", r.cal.name, (long long)r.cal.id, created ? "created" : "updated",
		added, im.replace ? " (replacing)" : "", r.cal.nholidays, r.cal.nworkdays, a, b);
out:
	zq_buf_release(&text);
	zq_cal_release(&in);
	calendar_row_release(&r);
	return rc;
}

static int cmd_list(zq_db *db, FILE *out)
{
	zq_err err = ZQ_ERR_INIT;
	calendar_row *rows = NULL;
	int n = 0;
	char a[11], b[11], wk[16];

	if (calendar_store_list(db, &rows, &n, &err) < 0)
		return fail("list", &err);
	fprintf(out, "%-6s %-24s %-20s %-8s %-23s %8s %8s %6s %7s\n", "ID", "NAME", "TIMEZONE",
		"WEEKEND", "COVERED", "HOLIDAYS", "WORKDAYS", "TASKS", "VERSION");
	for (int i = 0; i < n; i++) {
		const calendar_row *r = &rows[i];
		zq_day_format(r->cal.covered_from, a);
		zq_day_format(r->cal.covered_until, b);
		zq_cal_weekend_format(r->cal.weekend, wk);
		fprintf(out, "%-6lld %-24s %-20s %-8s %s..%s %8lld %8lld %6lld %7d\n",
			(long long)r->cal.id, r->cal.name, r->timezone, wk, a, b,
			(long long)r->nholidays, (long long)r->nworkdays, (long long)r->tasks,
			r->cal.version);
	}
	calendar_rows_free(rows, n);
	return 0;
}

int calendar_cmd(zq_db *db, int argc, char **argv, FILE *out)
{
	zq_err err = ZQ_ERR_INIT;

	if (argc < 2 || (strcmp(argv[1], "import") != 0 && strcmp(argv[1], "list") != 0))
		return usage("expected 'import NAME FILE' or 'list'");
	if (zq_check_schema(db, &err) < 0)
		return fail(argv[1], &err);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list(db, out);
	return cmd_import(db, argc, argv, out);
}
