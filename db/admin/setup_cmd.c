/* setup_cmd.c - zq-db export [--format yaml|json] [--name S] [--type T]
 * [-o FILE] and zq-db import FILE [--dry-run] [--prune] (FILE "-" = stdin).
 * The import prints the plan ("create task sync_daily", "update task x:
 * cron_expression") or every error with its path, and exits 1 on errors:
 * nothing is written then. Versions carry the actor import:FILE. */
#include "setup_cmd.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "netaddr.h"
#include "setup_doc.h"
#include "setup_yaml.h"
#include "task.h"

static int usage(const char *msg)
{
	fprintf(stderr, "zq-db: %s\n"
		"usage: zq-db export [--format yaml|json] [--name S] [--type T] [-o FILE]\n"
		"       zq-db import FILE [--dry-run] [--prune]\n", msg);
	return 2;
}

static int export_cmd(zq_db *db, int argc, char **argv, FILE *out)
{
	setup_filter f = {NULL, -1, 0};
	const char *file = NULL;
	zq_err err = ZQ_ERR_INIT;
	int yaml = 1;
	cJSON *doc;
	char *text;
	FILE *o = out;

	for (int i = 1; i < argc; i += 2) {  /* option, value */
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return usage("export: an option without its value");
		if (strcmp(argv[i], "--format") == 0 && (!strcmp(v, "yaml") || !strcmp(v, "json")))
			yaml = strcmp(v, "yaml") == 0;
		else if (strcmp(argv[i], "--name") == 0)
			f.name = v;
		else if (strcmp(argv[i], "--type") == 0 && (f.type = zq_task_type_parse(v)) >= 0)
			;
		else if (strcmp(argv[i], "-o") == 0)
			file = v;
		else
			return usage("export: unknown option or value");
	}
	if (setup_export(db, &f, &doc, &err) < 0) {
		fprintf(stderr, "zq-db: export: %s\n", err.msg);
		return 1;
	}
	text = setup_doc_text(doc, yaml);
	cJSON_Delete(doc);
	if (file && !(o = fopen(file, "w"))) {
		fprintf(stderr, "zq-db: export: %s: cannot open for writing\n", file);
		free(text);
		return 1;
	}
	fputs(text, o);
	free(text);
	if (file && fclose(o) != 0) {
		fprintf(stderr, "zq-db: export: %s: write failed\n", file);
		return 1;
	}
	return 0;
}

static int read_all(const char *path, zq_buf *b, zq_err *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char chunk[8192];
	size_t n;

	if (!f)
		return zq_errf(err, ZQ_EIO, "%s: cannot open", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (zq_buf_add(b, chunk, n) < 0) {
			zq_errf(err, ZQ_ETOOBIG, "%s: larger than %u bytes", path, SETUP_YAML_MAX);
			break;
		}
	if (f != stdin)
		fclose(f);
	return err->code;
}

static void print_plan(FILE *out, const cJSON *plan, int dry_run)
{
	int n[4] = {0, 0, 0, 0};
	static const char *const acts[] = {"create", "update", "unchanged", "delete"};

	for (const cJSON *p = plan->child; p; p = p->next) {
		const char *a = cJSON_GetObjectItem(p, "action")->valuestring;
		const cJSON *ch = cJSON_GetObjectItem(p, "changes");
		for (int i = 0; i < 4; i++)
			n[i] += strcmp(a, acts[i]) == 0;
		fprintf(out, "%-9s %s %s", a, cJSON_GetObjectItem(p, "kind")->valuestring,
			cJSON_GetObjectItem(p, "name")->valuestring);
		for (const cJSON *c = ch ? ch->child : NULL; c; c = c->next)
			fprintf(out, "%s%s", c == ch->child ? ": " : ", ",
				cJSON_GetObjectItem(c, "path")->valuestring);
		fputc('\n', out);
	}
	fprintf(out, "%s: %d to create, %d to update, %d unchanged, %d to delete\n",
		dry_run ? "dry run (nothing written)" : "applied", n[0], n[1], n[2], n[3]);
}

static void print_errors(const cJSON *errors)
{
	for (const cJSON *e = errors->child; e; e = e->next)
		fprintf(stderr, "%s: %s\n", cJSON_GetObjectItem(e, "path")->valuestring,
			cJSON_GetObjectItem(e, "detail")->valuestring);
	fprintf(stderr, "zq-db: import: %d error%s, nothing written\n",
		cJSON_GetArraySize(errors), cJSON_GetArraySize(errors) == 1 ? "" : "s");
}

static int run_import(zq_db *db, const zq_config *cfg, setup_opts *o, const cJSON *doc,
		      FILE *out)
{
	zq_err err = ZQ_ERR_INIT;
	cJSON *plan = NULL, *errors = NULL;
	netaddr_list *allow = netaddr_list_parse(cfg->alerts_allow, &err);
	int rc;

	if (!allow) {
		fprintf(stderr, "zq-db: import: alerts.allow: %s\n", err.msg);
		return 1;
	}
	o->allow = allow;
	o->deny_private = cfg->alerts_deny_private;
	o->default_tz = cfg->timezone;
	rc = setup_import(db, o, doc, &plan, &errors, &err);
	if (rc == ZQ_EINVAL && errors && errors->child)
		print_errors(errors);
	else if (rc < 0)
		fprintf(stderr, "zq-db: import: %s\n", err.msg);
	else
		print_plan(out, plan, o->dry_run);
	cJSON_Delete(plan);
	cJSON_Delete(errors);
	netaddr_list_free(allow);
	return rc < 0 ? 1 : 0;
}

static int import_cmd(zq_db *db, const zq_config *cfg, int argc, char **argv, FILE *out)
{
	zq_buf b = ZQ_BUF_INIT(SETUP_YAML_MAX);
	zq_err err = ZQ_ERR_INIT;
	const char *file = NULL;
	char actor[140];
	setup_opts o;
	cJSON *doc = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			o.dry_run = 1;
		else if (strcmp(argv[i], "--prune") == 0)
			o.prune = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage("import: unknown option");
		else if (file)
			return usage("import: one FILE");
		else
			file = argv[i];
	}
	if (!file)
		return usage("import: FILE required");
	if (read_all(file, &b, &err) < 0 ||
	    setup_doc_parse(b.data, b.len, -1, &doc, &err) < 0) {
		fprintf(stderr, "%s\nzq-db: import: nothing written\n", err.msg);
		zq_buf_release(&b);
		return 1;
	}
	zq_buf_release(&b);
	snprintf(actor, sizeof(actor), "import:%.120s", strcmp(file, "-") ? file : "stdin");
	o.actor = actor;
	rc = run_import(db, cfg, &o, doc, out);
	cJSON_Delete(doc);
	return rc;
}

int setup_cmd(zq_db *db, const zq_config *cfg, int argc, char **argv, FILE *out)
{
	if (strcmp(argv[0], "export") == 0)
		return export_cmd(db, argc, argv, out);
	return import_cmd(db, cfg, argc, argv, out);
}
