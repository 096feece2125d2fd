/* seed_quant.c - what `zq-db seed` adds for a quant team (db/examples/):
 * the SSE trading calendar 2024-2026 (derived from the npm package
 * chinese-days by db/examples/calendars/make_sse_csv.mjs) and three tasks
 * over the example jobs: sync_trading_calendar (manual: loads the calendar
 * through the API, needs a token), sync_stock_list (17:30) and
 * sync_daily_data (18:00), Asia/Shanghai, on SSE business days only.
 *
 * The calendar's text: embedded in the binary when the build generates
 * zq_seed_sse_csv (db/examples/calendars/embed.cmake), else read from the
 * examples folder. The folder: --examples-dir, else $ZQ_EXAMPLES_DIR, else
 * the source tree this file was built from, else the package's
 * /usr/share/zq/examples. */
#include "seed_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "calendar_store.h"
#include "mem.h"
#include "task.h"

#define SSE_CSV "calendars/sse-2024-2026.csv"
#define INSTALLED_EXAMPLES "/usr/share/zq/examples"
#define CSV_MAX (1 << 20)

/* generated from db/examples/calendars/sse-2024-2026.csv when the build
 * embeds it; absent (NULL) otherwise */
extern const char zq_seed_sse_csv[] __attribute__((weak));

static int has_jobs(const char *dir)
{
	char p[1200];

	snprintf(p, sizeof(p), "%s/jobs/sync_daily_data.py", dir);
	return access(p, R_OK) == 0;
}

/* db/examples of the tree this file was compiled from (".../db/admin/x.c"). */
static void source_examples(char *out, size_t n)
{
	const char *f = __FILE__, *slash = strrchr(f, '/');
	size_t len;

	out[0] = '\0';
	if (!slash || slash - f < 6 || memcmp(slash - 6, "/admin", 6) != 0)
		return;
	len = (size_t)(slash - 6 - f);
	if (len + sizeof("/examples") <= n)
		snprintf(out, n, "%.*s/examples", (int)len, f);
}

static void find_examples(zq_seed_report *rep)
{
	const char *env = getenv("ZQ_EXAMPLES_DIR");
	char src[1024];

	source_examples(src, sizeof(src));
	if (rep->examples_dir)
		zq_strlcpy(rep->dir, rep->examples_dir, sizeof(rep->dir));
	else if (env && *env)
		zq_strlcpy(rep->dir, env, sizeof(rep->dir));
	else
		zq_strlcpy(rep->dir, src[0] && has_jobs(src) ? src : INSTALLED_EXAMPLES,
			   sizeof(rep->dir));
	rep->dir_found = has_jobs(rep->dir);
}

static int read_text(const char *path, zq_buf *b, zq_err *err)
{
	FILE *f = fopen(path, "r");
	char chunk[8192];
	size_t n;

	if (!f)
		return zq_errf(err, ZQ_ENOTFOUND, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b->len + n <= CSV_MAX)
		zq_buf_add(b, chunk, n);
	n = (size_t)ferror(f) + (b->len + n > CSV_MAX);
	fclose(f);
	return n ? zq_errf(err, ZQ_EINVAL, "%s: unreadable or over %d bytes", path, CSV_MAX) : 0;
}

static int sse_text(const zq_seed_report *rep, zq_buf *b, zq_err *err)
{
	char path[1200];

	if (zq_seed_sse_csv)
		return zq_buf_puts(b, zq_seed_sse_csv);
	snprintf(path, sizeof(path), "%s/" SSE_CSV, rep->dir);
	return read_text(path, b, err);
}

/* Create calendar SSE from the shipped days unless a calendar of that name
 * exists (then it is kept as it is: refresh it with sync_trading_calendar). */
static int seed_sse(zq_db *db, zq_seed_report *rep, zq_err *err)
{
	calendar_row r;
	zq_buf text = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int rc = calendar_store_get(db, 0, "SSE", 0, &r, err);

	calendar_row_release(&r);
	if (rc == 0)
		rep->calendar = 0;
	if (rc != ZQ_ENOTFOUND)
		return rc;
	zq_err_clear(err);
	calendar_row_init(&r);
	zq_strlcpy(r.cal.name, "SSE", sizeof(r.cal.name));
	r.description = zq_strdup("Shanghai Stock Exchange trading days 2024-2026 (China's statutory "
				  "holidays from the npm package chinese-days; db/examples)");
	zq_strlcpy(r.timezone, "Asia/Shanghai", sizeof(r.timezone));
	zq_strlcpy(r.created_by, "zq-db seed", sizeof(r.created_by));
	rc = sse_text(rep, &text, err);
	if (rc == 0)
		rc = zq_cal_parse_days(&r.cal, text.data ? text.data : "", text.len, err);
	if (rc == 0)
		rc = zq_cal_finish(&r.cal, err);
	if (rc == 0)
		rc = calendar_store_insert(db, &r, err);
	if (rc == 0) {
		rep->calendar = 1;
		rep->cal_days = (int)(r.cal.nholidays + r.cal.nworkdays);
	}
	zq_buf_release(&text);
	calendar_row_release(&r);
	return rc < 0 ? zq_err_prefix(err, "calendar SSE: ") : 0;
}

/* A date parameter, optional: the job's default is the run's business date. */
static void date_param(cJSON *params, const char *name, const char *what)
{
	cJSON *p = cJSON_AddObjectToObject(params, name);

	cJSON_AddStringToObject(p, "type", "date");
	cJSON_AddStringToObject(p, "description", what);
	cJSON_AddBoolToObject(p, "required", 0);
}

/* {"command": "python3 'DIR/jobs/JOB.py' ARGS", "timeout_seconds": 600,
 * "params": ...}; the parameters reach the job as quoted "$ZQ_PARAM_*". */
static char *job_config(const char *dir, const char *job, const char *args, int params)
{
	cJSON *o = cJSON_CreateObject(), *p;
	zq_buf cmd = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	char *out;

	zq_buf_printf(&cmd, "python3 '%s/jobs/%s.py'%s%s", dir, job, *args ? " " : "", args);
	cJSON_AddStringToObject(o, "command", cmd.data);
	cJSON_AddNumberToObject(o, "timeout_seconds", 600);
	if (params) {
		p = cJSON_AddObjectToObject(o, "params");
		cJSON *ts = cJSON_AddObjectToObject(p, "ts_code");
		cJSON_AddStringToObject(ts, "type", "string");
		cJSON_AddStringToObject(ts, "description", "one stock, e.g. 000001.SZ (default: all)");
		cJSON_AddStringToObject(ts, "pattern", "^[0-9]{6}\\.(SZ|SH|BJ)$");
		cJSON_AddBoolToObject(ts, "required", 0);
		date_param(p, "start_date", "first trade date (default: the run's business date)");
		date_param(p, "end_date", "last trade date (default: the run's business date)");
	}
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	zq_buf_release(&cmd);
	return out;
}

#define DB_ENV_HINT                                                                            \
	" Writes to the database named by DEMO_DB_NAME (with DEMO_DB_HOST, DEMO_DB_PORT, "     \
	"DEMO_DB_USER, DEMO_DB_PASSWORD) in the task's env; without it a dry run. Example "    \
	"data (synthetic), not a market-data feed."

static const struct seed_task quant[] = {
	{"sync_trading_calendar", ZQ_TASK_MANUAL, NULL, 0, 1, 0, 60,
	 "Loads the SSE trading calendar (db/examples/calendars/sse-2024-2026.csv) into zq "
	 "through the REST API. Set ZQ_API_TOKEN (an admin token: zq-db token create NAME --role "
	 "admin) and ZQ_API_URL (default http://127.0.0.1:8080) in the task's env.",
	 NULL, "Asia/Shanghai", NULL},
	{"sync_stock_list", ZQ_TASK_COMMON, "30 17 * * *", 0, 1, 1, 300,
	 "The stock list into demo_stock_basic, 17:30 Shanghai time on SSE trading days." DB_ENV_HINT,
	 NULL, "Asia/Shanghai", "SSE"},
	{"sync_daily_data", ZQ_TASK_COMMON, "0 18 * * *", 0, 1, 2, 300,
	 "Daily bars of the run's business date (ZQ_BIZ_DATE) into demo_daily_bars, 18:00 "
	 "Shanghai time on SSE trading days only; params ts_code, start_date, end_date (a "
	 "backfill runs it once per business date)." DB_ENV_HINT,
	 NULL, "Asia/Shanghai", "SSE"},
};

static const char *const quant_args[] = {
	"--calendar SSE --file '%s/" SSE_CSV "'",
	"",
	"${ZQ_PARAM_TS_CODE:+--ts-code \"$ZQ_PARAM_TS_CODE\"} "
	"${ZQ_PARAM_START_DATE:+--start-date \"$ZQ_PARAM_START_DATE\"} "
	"${ZQ_PARAM_END_DATE:+--end-date \"$ZQ_PARAM_END_DATE\"}",
};

int seed_quant(zq_db *db, int force, zq_seed_report *rep, zq_err *err)
{
	char args[1400];
	int64_t id;
	int rc;

	find_examples(rep);
	if (strchr(rep->dir, '\'') || strlen(rep->dir) > 1000)
		return zq_errf(err, ZQ_EINVAL, "examples folder '%.64s...': no quote, at most 1000 "
			       "characters", rep->dir);
	if ((rc = seed_sse(db, rep, err)) < 0)
		return rc;
	for (size_t i = 0; i < sizeof(quant) / sizeof(quant[0]); i++) {
		char *cfg;
		snprintf(args, sizeof(args), quant_args[i], rep->dir);
		cfg = job_config(rep->dir, quant[i].name, args, i == 2);
		rc = seed_ensure_task(db, &quant[i], cfg, force, &id, rep, err);
		free(cfg);
		if (rc < 0)
			return rc;
	}
	return 0;
}
