/* zq_db.c - zq-db, the admin CLI: migrate, seed, users, tokens, calendars,
 * doctor.
 *
 * Exit status: 0 done, 1 the operation failed, 2 usage or configuration
 * error (including a database that rejects the configured credentials).
 * doctor: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bi_user_cmd.h"
#include "calendar_cmd.h"
#include "config.h"
#include "db.h"
#include "doctor.h"
#include "log.h"
#include "mem.h"
#include "migrate.h"
#include "migrate_notice.h"
#include "secret.h"
#include "seed.h"
#include "setup_cmd.h"
#include "task_write.h"
#include "taskcfg.h"
#include "timeutil.h"
#include "user_store.h"

static const char usage[] =
	"usage: zq-db [--config FILE] COMMAND\n"
	"\n"
	"  migrate                         apply schema migrations (safe to repeat)\n"
	"  status                          server, schema version, counts\n"
	"  seed [--tables-only | --examples-only | --workflow-only | --quant-only] [--force]\n"
	"       [--if-empty] [--examples-dir DIR]\n"
	"                                  create example tasks (and tables)\n"
	"  user add NAME --role admin|operator|viewer\n"
	"                                  password from stdin, or generated and printed once\n"
	"  user passwd NAME                same password rules; ends the user's sessions\n"
	"  token create NAME --role R [--expires-days N]\n"
	"                                  long-lived API token, printed once\n"
	"  calendar import NAME FILE [--replace] [--timezone TZ] [--weekend 6,7]\n"
	"                                  load date,kind lines into a calendar (created if missing)\n"
	"  calendar list                   the calendars, their coverage and days\n"
	"  bi-user create NAME [--host PATTERN] [--max-connections N] [--max-statement-time S]\n"
	"  bi-user drop NAME [--host PATTERN] | bi-user list | bi-user grant\n"
	"       [--admin-user USER [--admin-password-file FILE]]\n"
	"                                  reporting accounts: SELECT on the bi_* views only\n"
	"  export [--format yaml|json] [--name S] [--type T] [-o FILE]\n"
	"                                  tasks, calendars, alert channels / rules as one document\n"
	"  import FILE [--dry-run] [--prune]\n"
	"                                  validate, plan and apply a setup document (- = stdin)\n"
	"  doctor [--json]                 check configuration, database, grants, clock,\n"
	"                                  scheduler nodes and overdue work\n";

struct cli {
	zq_config cfg;
	zq_db *db;
};

static int die_usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "zq-db: %s\n", msg);
	fputs(usage, stderr);
	return 2;
}

/* Exit status for a failed operation: configuration problems are 2. */
static int fail(const char *what, const zq_err *err)
{
	fprintf(stderr, "zq-db: %s: %s\n", what, err->msg);
	return err->code == ZQ_EAUTH || err->code == ZQ_ECONFIG ? 2 : 1;
}

static int open_db(struct cli *c, zq_err *err)
{
	c->db = zq_db_new(&c->cfg);
	return zq_db_connect_wait(c->db, c->cfg.db_startup_wait, err);
}

/* Tasks without a version get their 'baseline' one (README "Versions"). */
static int baseline(struct cli *c, zq_err *err)
{
	int n = 0;

	if (task_write_baseline(c->db, &n, err) < 0)
		return err->code;
	if (n)
		printf("%d task%s got a baseline version\n", n, n == 1 ? "" : "s");
	return 0;
}

static int cmd_migrate(struct cli *c, int argc, char **argv)
{
	zq_err err = ZQ_ERR_INIT;
	int applied = 0;

	(void)argc, (void)argv;
	if (open_db(c, &err) < 0)
		return fail("connect", &err);
	if (zq_check_server(c->db, &err) < 0)
		return fail("server", &err);
	if (zq_migrate(c->db, &applied, &err) < 0)
		return fail("migrate", &err);
	printf("schema at version %d (%d migration%s applied)\n", zq_schema_expected(), applied,
	       applied == 1 ? "" : "s");
	migrate_bi_notice(stdout, applied);
	if (baseline(c, &err) < 0)
		return fail("migrate: baseline versions", &err);
	return 0;
}

static int cmd_status(struct cli *c, int argc, char **argv)
{
	zq_err err = ZQ_ERR_INIT;
	int version = 0;
	int64_t tasks = 0;

	(void)argc, (void)argv;
	if (open_db(c, &err) < 0)
		return fail("connect", &err);
	if (zq_schema_version(c->db, &version, &err) < 0)
		return fail("status", &err);
	printf("server: %s\nschema: %d (binary expects %d)\n", zq_db_server_info(c->db), version,
	       zq_schema_expected());
	if (version > 0 &&
	    zq_db_query_i64(c->db, "SELECT COUNT(*) FROM scheduled_tasks", ZQ_NO_PARAM, &tasks,
			    &err) == 0)
		printf("tasks: %lld\n", (long long)tasks);
	return 0;
}

static void seed_report(const zq_seed_report *rep, int force)
{
	printf("created %d task%s, kept %d existing%s\n", rep->created, rep->created == 1 ? "" : "s",
	       rep->skipped, rep->skipped && !force ? " (use --force to recreate)" : "");
	if (rep->calendar == 1)
		printf("calendar SSE: created (%d days, 2024-2026)\n", rep->cal_days);
	else if (rep->calendar == 0)
		printf("calendar SSE: kept (it exists; the sync_trading_calendar task reloads it)\n");
	if (rep->calendar >= 0)
		printf("example jobs: %s%s\n", rep->dir,
		       rep->dir_found ? "" : " (not found there: the sync_* tasks fail until they are; "
					     "--examples-dir DIR)");
}

static int cmd_seed(struct cli *c, int argc, char **argv)
{
	zq_err err = ZQ_ERR_INIT;
	unsigned what = ZQ_SEED_EXAMPLES | ZQ_SEED_WORKFLOWS | ZQ_SEED_QUANT;
	int force = 0, if_empty = 0, only = 0, applied = 0;
	int64_t ntasks = 0;
	zq_seed_report rep = {0};

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tables-only") == 0)
			what = 0, only++;
		else if (strcmp(argv[i], "--examples-only") == 0)
			what = ZQ_SEED_EXAMPLES, only++;
		else if (strcmp(argv[i], "--workflow-only") == 0)
			what = ZQ_SEED_WORKFLOWS, only++;
		else if (strcmp(argv[i], "--quant-only") == 0)
			what = ZQ_SEED_QUANT, only++;
		else if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "--if-empty") == 0)
			if_empty = 1;
		else if (strcmp(argv[i], "--examples-dir") == 0 && i + 1 < argc)
			rep.examples_dir = argv[++i];
		else
			return die_usage("seed: unknown option");
	}
	if (only > 1)
		return die_usage("seed: --tables-only, --examples-only, --workflow-only and --quant-only "
				 "exclude each other");
	if (open_db(c, &err) < 0)
		return fail("connect", &err);
	if (zq_check_server(c->db, &err) < 0)
		return fail("server", &err);
	/* the seed script creates the tables too; the --*-only kinds skip that */
	if (only == 0 || what == 0) {
		if (zq_migrate(c->db, &applied, &err) < 0)
			return fail("migrate", &err);
		printf("tables ready (schema version %d)\n", zq_schema_expected());
	} else if (zq_check_schema(c->db, &err) < 0) {
		return fail("seed", &err);
	}
	if (what == 0)
		return 0;
	if (if_empty) {
		if (zq_db_query_i64(c->db, "SELECT COUNT(*) FROM scheduled_tasks", ZQ_NO_PARAM,
				    &ntasks, &err) < 0)
			return fail("seed", &err);
		if (ntasks > 0) {
			printf("database has %lld tasks: not seeding\n", (long long)ntasks);
			return 0;
		}
	}
	if (zq_seed(c->db, what, force, &rep, &err) < 0)
		return fail("seed", &err);
	seed_report(&rep, force);
	if (baseline(c, &err) < 0)
		return fail("seed: baseline versions", &err);
	return 0;
}

/* Password from stdin (first line) when stdin is not a terminal and has one;
 * otherwise generated. Returns 1 when generated (caller prints it). */
static int read_password(char *out, size_t outsz, zq_err *err)
{
	size_t n;

	if (!isatty(STDIN_FILENO) && fgets(out, (int)outsz, stdin)) {
		n = strlen(out);
		if (n && out[n - 1] == '\n')
			out[--n] = '\0';
		if (n && out[n - 1] == '\r')
			out[--n] = '\0';
		if (n == 0)
			return zq_errf(err, ZQ_EINVAL, "password: empty line on stdin");
		return zq_password_check(out, err) < 0 ? ZQ_EINVAL : 0;
	}
	zq_random_password(out, 21);
	return 1;
}

static int parse_role(int argc, char **argv, int from)
{
	for (int i = from; i + 1 < argc; i++)
		if (strcmp(argv[i], "--role") == 0)
			return zq_role_parse(argv[i + 1]);
	return -2;
}

static int cmd_user(struct cli *c, int argc, char **argv)
{
	char pw[ZQ_PASSWORD_MAX + 2], hash[ZQ_PWHASH_MAX];
	zq_err err = ZQ_ERR_INIT;
	int role = ZQ_ROLE_VIEWER, generated, rc;
	const char *name;

	if (argc < 3 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "passwd") != 0))
		return die_usage("user: expected 'add NAME --role R' or 'passwd NAME'");
	name = argv[2];
	if (user_store_check_name(name, &err) < 0)
		return die_usage(err.msg);
	if (strcmp(argv[1], "add") == 0 && (role = parse_role(argc, argv, 3)) < 0)
		return die_usage(role == -2 ? "user add: --role is required"
					    : "user add: role must be admin, operator or viewer");
	if ((generated = read_password(pw, sizeof(pw), &err)) < 0)
		return die_usage(err.msg);
	if (open_db(c, &err) < 0)
		return fail("connect", &err);
	if (zq_check_schema(c->db, &err) < 0)
		return fail("user", &err);
	if (zq_password_hash(pw, hash, &err) < 0)
		return fail("user", &err);
	if (strcmp(argv[1], "add") == 0)
		rc = user_store_create(c->db, name, role, hash, NULL, &err);
	else
		rc = user_store_set_password(c->db, name, hash, &err);
	if (rc < 0)
		return fail(argv[1], &err);
	if (strcmp(argv[1], "add") == 0)
		printf("created user '%s' with role %s\n", name, zq_role_name(role));
	else
		printf("password changed for '%s'; their sessions were ended\n", name);
	if (generated)
		printf("password: %s\n", pw);
	return 0;
}

static int cmd_token(struct cli *c, int argc, char **argv)
{
	char token[ZQ_TOKEN_MAX];
	zq_err err = ZQ_ERR_INIT;
	int64_t expires = ZQ_TIME_NONE, id = 0;
	int role;

	if (argc < 3 || strcmp(argv[1], "create") != 0)
		return die_usage("token: expected 'create NAME --role R'");
	if ((role = parse_role(argc, argv, 3)) < 0)
		return die_usage(role == -2 ? "token create: --role is required"
					    : "token create: role must be admin, operator or viewer");
	if (strlen(argv[2]) < 1 || strlen(argv[2]) > 128)
		return die_usage("token create: NAME must be 1-128 characters");
	for (int i = 3; i + 1 < argc; i++)
		if (strcmp(argv[i], "--expires-days") == 0) {
			long d = strtol(argv[i + 1], NULL, 10);
			if (d < 1 || d > 36500)
				return die_usage("token create: --expires-days must be 1-36500");
			expires = zq_wall_ms() + d * 86400000LL;
		}
	if (open_db(c, &err) < 0)
		return fail("connect", &err);
	if (zq_check_schema(c->db, &err) < 0)
		return fail("token", &err);
	if (token_store_create(c->db, "api", argv[2], 0, role, "zq-db", expires, token, &id, &err) < 0)
		return fail("token create", &err);
	printf("token %lld '%s' (%s) - shown once, store it now:\n%s\n", (long long)id, argv[2],
	       zq_role_name(role), token);
	return 0;
}

static int cmd_calendar(struct cli *c, int argc, char **argv)
{
	zq_err err = ZQ_ERR_INIT;

	if (argc < 2)
		return die_usage("calendar: expected 'import NAME FILE' or 'list'");
	if (open_db(c, &err) < 0)
		return fail("connect", &err);
	return calendar_cmd(c->db, argc, argv, stdout);
}

static int cmd_bi_user(struct cli *c, int argc, char **argv)
{
	return bi_user_cmd(&c->cfg, argc, argv, stdout);
}

static int cmd_setup(struct cli *c, int argc, char **argv)
{
	zq_err err = ZQ_ERR_INIT;

	if (open_db(c, &err) < 0)
		return fail("connect", &err);
	if (zq_check_schema(c->db, &err) < 0)
		return fail(argv[0], &err);
	return setup_cmd(c->db, &c->cfg, argc, argv, stdout);
}

static int cmd_doctor(struct cli *c, int argc, char **argv)
{
	unsigned flags = 0;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			flags |= DOCTOR_JSON;
		else
			return die_usage("doctor: unknown option");
	}
	if (doctor_run(&c->cfg, flags, stdout, &failed) < 0) {
		fprintf(stderr, "zq-db: doctor: cannot write the report\n");
		return 1;
	}
	return failed ? 1 : 0;
}

/* argv[0] of what each command receives is its own name. */
static const struct command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
} commands[] = {
	{"migrate", cmd_migrate},
	{"status", cmd_status},
	{"seed", cmd_seed},
	{"user", cmd_user},
	{"token", cmd_token},
	{"calendar", cmd_calendar},
	{"bi-user", cmd_bi_user},
	{"export", cmd_setup},
	{"import", cmd_setup},
	{"doctor", cmd_doctor},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct cli c;
	int rc;

	taskcfg_json_hooks();  /* cJSON allocates through zq_malloc (aborts on OOM) */
	memset(&c, 0, sizeof(c));
	zq_config_from_args(&c.cfg, &argc, argv);
	zq_log_init("zq-db", c.cfg.log_level);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return die_usage(NULL);
	if (!(cmd = find_command(argv[1])))
		return die_usage("unknown command");
	if (zq_secret_init() < 0) {
		fprintf(stderr, "zq-db: libsodium failed to initialise\n");
		return 1;
	}
	zq_db_library_init();
	rc = cmd->run(&c, argc - 1, argv + 1);
	zq_db_free(c.db);
	zq_db_library_end();
	return rc;
}
