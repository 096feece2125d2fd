/* config.c - the configuration file: a table of keys, each with a type, a
 * range and a place in struct zq_config. Unknown keys are errors. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mem.h"

enum key_type { K_STR, K_INT, K_OCT, K_LOGLEVEL, K_BOOL };

struct key {
	const char *name;
	enum key_type type;
	size_t off;
	size_t size;    /* string capacity */
	long min, max;  /* integer range */
};

#define S(n, f) {n, K_STR, offsetof(zq_config, f), sizeof(((zq_config *)0)->f), 0, 0}
#define I(n, f, lo, hi) {n, K_INT, offsetof(zq_config, f), 0, lo, hi}

static const struct key keys[] = {
	S("db.host", db_host),
	I("db.port", db_port, 0, 65535),
	S("db.socket", db_socket),
	S("db.user", db_user),
	S("db.password", db_password),
	S("db.name", db_name),
	I("db.connect_timeout", db_connect_timeout, 1, 300),
	I("db.startup_wait", db_startup_wait, 0, 3600),
	I("db.rw_timeout", db_rw_timeout, 1, 3600),
	S("timezone", timezone),
	{"log.level", K_LOGLEVEL, offsetof(zq_config, log_level), 0, 0, 0},
	I("api.threads", api_threads, 1, 256),
	S("api.listen", api_listen),
	{"api.socket_mode", K_OCT, offsetof(zq_config, api_socket_mode), 0, 0, 0777},
	I("api.max_body", api_max_body, 1024, 64 << 20),
	I("api.token_ttl", api_token_ttl, 60, 365 * 86400),
	I("api.hash_concurrency", api_hash_concurrency, 1, 64),
	I("api.login_max_failures", api_login_max_failures, 1, 1000),
	I("api.login_lockout", api_login_lockout, 1, 86400),
	S("api.trusted_proxies", api_trusted_proxies),
	I("scheduler.threads", sched_threads, 1, 1024),
	I("scheduler.poll_ms", sched_poll_ms, 10, 60000),
	I("scheduler.heartbeat_s", sched_heartbeat_s, 1, 600),
	I("scheduler.lease_s", sched_lease_s, 2, 3600),
	I("scheduler.batch", sched_batch, 1, 10000),
	I("scheduler.shutdown_grace_s", sched_shutdown_grace_s, 0, 3600),
	I("scheduler.kill_grace_s", sched_kill_grace_s, 0, 600),
	I("scheduler.output_tail", sched_output_tail, 1024, 16 << 20),
	I("scheduler.history_days", sched_history_days, 0, 36500),
	I("scheduler.retention_duty", sched_retention_duty, 1, 100),
	I("scheduler.progress_ms", sched_progress_ms, 0, 60000),
	I("scheduler.output_flush_ms", sched_output_flush_ms, 0, 60000),
	S("scheduler.wakeup_dir", sched_wakeup_dir),
	S("scheduler.metrics_listen", sched_metrics_listen),
	{"scheduler.metrics_task_labels", K_BOOL, offsetof(zq_config, sched_metrics_task_labels), 0, 0,
	 1},
	I("scheduler.metrics_task_labels_max", sched_metrics_task_labels_max, 1, 1000),
	S("scheduler.node_name", sched_node_name),
	S("scheduler.run_as", sched_run_as),
	S("scheduler.run_as_allowed", sched_run_as_allowed),
	{"scheduler.allow_root_commands", K_BOOL, offsetof(zq_config, sched_allow_root_commands), 0, 0,
	 1},
	{"alerts.enabled", K_BOOL, offsetof(zq_config, alerts_enabled), 0, 0, 1},
	S("alerts.base_url", alerts_base_url),
	{"alerts.deny_private", K_BOOL, offsetof(zq_config, alerts_deny_private), 0, 0, 1},
	S("alerts.allow", alerts_allow),
	I("alerts.timeout_s", alerts_timeout_s, 1, 300),
	I("alerts.max_attempts", alerts_max_attempts, 1, 1000),
	I("alerts.sweep_ms", alerts_sweep_ms, 100, 600000),
	S("alerts.ca_file", alerts_ca_file),
};

#undef S
#undef I

void zq_config_defaults(zq_config *c)
{
	memset(c, 0, sizeof(*c));
	c->db_port = 3306;
	strcpy(c->db_user, "zq");
	strcpy(c->db_name, "zq");
	c->db_connect_timeout = 5;
	c->db_startup_wait = 30;
	c->db_rw_timeout = 60;
	strcpy(c->timezone, "UTC");
	c->log_level = ZQ_LOG_INFO;
	c->api_threads = 8;
	strcpy(c->api_listen, "unix:/run/zq/zq-api.sock");
	c->api_socket_mode = 0660;
	c->api_max_body = 1 << 20;
	c->api_token_ttl = 12 * 3600;
	c->api_hash_concurrency = 2;
	c->api_login_max_failures = 5;
	c->api_login_lockout = 300;
	strcpy(c->api_trusted_proxies, "loopback, unix");
	c->sched_threads = 8;
	c->sched_poll_ms = 1000;
	c->sched_heartbeat_s = 5;
	c->sched_lease_s = 30;
	c->sched_batch = 200;
	c->sched_shutdown_grace_s = 30;
	c->sched_kill_grace_s = 5;
	c->sched_output_tail = 64 << 10;
	c->sched_history_days = 90;
	c->sched_retention_duty = 25;
	c->sched_progress_ms = 250;
	c->sched_output_flush_ms = 1000;
	c->sched_metrics_task_labels_max = 100;
	c->alerts_enabled = 1;
	c->alerts_deny_private = 1;
	c->alerts_timeout_s = 10;
	c->alerts_max_attempts = 10;
	c->alerts_sweep_ms = 2000;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* true/false, yes/no, on/off, 1/0 (any case); -1 for anything else. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int parse_long(const char *v, int base, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, base);
	return (errno || end == v || *end) ? -1 : 0;
}

int zq_config_set(zq_config *c, const char *name, const char *value, zq_err *err)
{
	const struct key *k = find_key(name);
	char *field;
	long n;
	int lvl;

	if (!k)
		return zq_errf(err, ZQ_ECONFIG, "%s: unknown key", name);
	field = (char *)c + k->off;
	switch (k->type) {
	case K_STR:
		if (strlen(value) >= k->size)
			return zq_errf(err, ZQ_ECONFIG, "%s: value longer than %zu characters", name,
				       k->size - 1);
		memcpy(field, value, strlen(value) + 1);
		return 0;
	case K_INT:
	case K_OCT:
		if (parse_long(value, k->type == K_OCT ? 8 : 10, &n) < 0 || n < k->min || n > k->max)
			return zq_errf(err, ZQ_ECONFIG, "%s: must be an integer %ld-%ld%s, got '%s'", name,
				       k->min, k->max, k->type == K_OCT ? " (octal)" : "", value);
		if (k->off == offsetof(zq_config, sched_output_flush_ms) && n > 0 && n < 100)
			return zq_errf(err, ZQ_ECONFIG, "%s: must be 0 or 100-60000, got '%s'", name,
				       value);
		*(int *)(void *)field = (int)n;
		return 0;
	case K_LOGLEVEL:
		if ((lvl = zq_log_level_parse(value)) < 0)
			return zq_errf(err, ZQ_ECONFIG,
				       "%s: must be debug, info, warn or error, got '%s'", name, value);
		*(int *)(void *)field = lvl;
		return 0;
	case K_BOOL:
		if ((lvl = parse_bool(value)) < 0)
			return zq_errf(err, ZQ_ECONFIG, "%s: must be true or false, got '%s'", name, value);
		*(int *)(void *)field = lvl;
		return 0;
	}
	return zq_errf(err, ZQ_EINTERNAL, "%s: bad key type", name);
}

/* Strip matching double quotes; "" inside is not special. */
static int unquote(char **v)
{
	size_t n = strlen(*v);

	if (n && (*v)[0] == '"') {
		if (n < 2 || (*v)[n - 1] != '"')
			return -1;
		(*v)[n - 1] = '\0';
		(*v)++;
	}
	return 0;
}

static int parse_line(zq_config *c, char *line, char *section, size_t secsz, zq_err *err)
{
	char key[2 * ZQ_CFG_STR], *eq, *k, *v, *s = zq_trim(line);

	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		char *e = strchr(s, ']');
		if (!e || e[1])
			return zq_errf(err, ZQ_ECONFIG, "malformed section header '%s'", s);
		*e = '\0';
		if (zq_strlcpy(section, zq_trim(s + 1), secsz) >= secsz)
			return zq_errf(err, ZQ_ECONFIG, "section name too long");
		return 0;
	}
	if (!(eq = strchr(s, '=')))
		return zq_errf(err, ZQ_ECONFIG, "expected 'key = value', got '%.60s'", s);
	*eq = '\0';
	k = zq_trim(s);
	v = zq_trim(eq + 1);
	if (!*k)
		return zq_errf(err, ZQ_ECONFIG, "missing key before '='");
	snprintf(key, sizeof(key), "%s%s%s", section, *section ? "." : "", k);
	if (unquote(&v) < 0)
		return zq_errf(err, ZQ_ECONFIG, "%s: unterminated quoted value", key);
	return zq_config_set(c, key, v, err);
}

static int load_file(zq_config *c, const char *path, zq_err *err)
{
	char line[4096], section[64] = "";
	FILE *f = fopen(path, "r");
	int lineno = 0, rc = 0;

	if (!f)
		return zq_errf(err, ZQ_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = zq_errf(err, ZQ_ECONFIG, "line too long");
		} else {
			rc = parse_line(c, line, section, sizeof(section), err);
		}
		if (rc < 0) {
			zq_err_prefix(err, "%s:%d: ", path, lineno);
			break;
		}
	}
	fclose(f);
	return rc;
}

static int load_env(zq_config *c, zq_err *err)
{
	char env[128];
	const char *v;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t j = 0;
		j += (size_t)snprintf(env, sizeof(env), "ZQ_");
		for (const char *p = keys[i].name; *p && j < sizeof(env) - 1; p++)
			env[j++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
		env[j] = '\0';
		if ((v = getenv(env)) && zq_config_set(c, keys[i].name, v, err) < 0)
			return zq_err_prefix(err, "environment %s: ", env);
	}
	return 0;
}

int zq_config_load(zq_config *c, const char *path, zq_err *err)
{
	int rc;

	zq_config_defaults(c);
	if (path) {
		zq_strlcpy(c->path, path, sizeof(c->path));
		if ((rc = load_file(c, path, err)) < 0)
			return rc;
	}
	return load_env(c, err);
}

void zq_config_from_args(zq_config *c, int *argc, char **argv)
{
	const char *path = getenv("ZQ_CONFIG");
	zq_err err = ZQ_ERR_INIT;
	int i, j;

	for (i = 1; i < *argc; i++) {
		if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0)) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "%s: --config needs a file\n", argv[0]);
				exit(2);
			}
			path = argv[i + 1];
			for (j = i; j + 2 <= *argc; j++)
				argv[j] = argv[j + 2];
			*argc -= 2;
			break;
		}
		if (strncmp(argv[i], "--config=", 9) == 0) {
			path = argv[i] + 9;
			for (j = i; j + 1 <= *argc; j++)
				argv[j] = argv[j + 1];
			*argc -= 1;
			break;
		}
	}
	if (path && !*path)
		path = NULL;
	if (zq_config_load(c, path, &err) < 0) {
		fprintf(stderr, "%s: config: %s\n", argv[0], err.msg);
		exit(2);
	}
}
