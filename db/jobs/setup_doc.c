/* setup_doc.c - a database as a setup document (setup_doc.h): the
 * document form of each item, the selection, the text and the parse. */
#include "setup_doc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonin.h"
#include "mem.h"
#include "setup_int.h"
#include "setup_yaml.h"
#include "task_def.h"
#include "task_store.h"
#include "timeutil.h"

#define PAGE 500

/* ---- names <-> ids ------------------------------------------------------------------ */

void setup_refs_add(setup_refs *r, int64_t id, const char *name, int type)
{
	r->v = zq_grow(r->v, &r->cap, r->n + 1, sizeof(*r->v));
	r->v[r->n].id = id;
	r->v[r->n].name = zq_strdup(name);
	r->v[r->n].type = type;
	r->v[r->n].in_doc = 0;
	r->n++;
}

setup_ref *setup_refs_by_id(const setup_refs *r, int64_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].id == id)
			return &r->v[i];
	return NULL;
}

setup_ref *setup_refs_by_name(const setup_refs *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0)
			return &r->v[i];
	return NULL;
}

void setup_refs_release(setup_refs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].name);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ---- tasks ---------------------------------------------------------------------------- */

int setup_load_tasks(zq_db *db, zq_task **out, size_t *n, zq_err *err)
{
	task_store_filter f = {-1, -1, NULL, NULL, 1, 0, PAGE};
	task_store_row *rows;
	size_t cap = 0;
	int64_t total;
	int nr, capped, rc;

	*out = NULL;
	*n = 0;
	for (;;) {
		if ((rc = task_store_list(db, &f, &rows, &nr, &total, &capped, err)) < 0)
			return rc;
		for (int i = 0; i < nr; i++) {
			*out = zq_grow(*out, &cap, *n + 1, sizeof(**out));
			(*out)[(*n)++] = rows[i].t;   /* the heap strings move */
			rows[i].t.config = NULL;
			rows[i].t.description = NULL;
		}
		task_store_rows_free(rows, nr);
		if (nr < PAGE)
			return 0;
		f.skip += PAGE;
	}
}

void setup_tasks_free(zq_task *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		zq_task_release(&t[i]);
	free(t);
}

static cJSON *name_or_id(int64_t id, const setup_refs *tasks)
{
	const setup_ref *r = setup_refs_by_id(tasks, id);

	return r ? cJSON_CreateString(r->name) : cJSON_CreateNumber((double)id);
}

/* One node: task_id -> "task": NAME in its place, dependencies -> names. */
static cJSON *node_names(const cJSON *node, const setup_refs *tasks)
{
	cJSON *o = cJSON_CreateObject();

	for (const cJSON *m = node->child; m; m = m->next) {
		if (strcmp(m->string, "task_id") == 0 && cJSON_IsNumber(m)) {
			cJSON_AddItemToObject(o, "task", name_or_id((int64_t)m->valuedouble, tasks));
		} else if (strcmp(m->string, "dependencies") == 0 && cJSON_IsArray(m)) {
			cJSON *deps = cJSON_AddArrayToObject(o, "dependencies");
			for (const cJSON *d = m->child; d; d = d->next)
				cJSON_AddItemToArray(deps, cJSON_IsNumber(d)
					? name_or_id((int64_t)d->valuedouble, tasks)
					: cJSON_Duplicate(d, 1));
		} else {
			cJSON_AddItemToObject(o, m->string, cJSON_Duplicate(m, 1));
		}
	}
	return o;
}

cJSON *setup_wf_names(const cJSON *cfg, const setup_refs *tasks)
{
	cJSON *o = cJSON_CreateObject();

	for (const cJSON *m = cfg ? cfg->child : NULL; m; m = m->next) {
		if (strcmp(m->string, "tasks") == 0 && cJSON_IsArray(m)) {
			cJSON *nodes = cJSON_AddArrayToObject(o, "tasks");
			for (const cJSON *n = m->child; n; n = n->next)
				cJSON_AddItemToArray(nodes, cJSON_IsObject(n) ? node_names(n, tasks)
									    : cJSON_Duplicate(n, 1));
		} else {
			cJSON_AddItemToObject(o, m->string, cJSON_Duplicate(m, 1));
		}
	}
	return o;
}

cJSON *setup_task_doc(const zq_task *t, const setup_refs *tasks)
{
	cJSON *def = task_def_json(t, 1), *cfg;

	if (def && t->type == ZQ_TASK_WORKFLOW) {
		cfg = setup_wf_names(cJSON_GetObjectItemCaseSensitive(def, "config"), tasks);
		cJSON_ReplaceItemInObjectCaseSensitive(def, "config", cfg);
	}
	return def;
}

/* ---- calendars, channels, rules ------------------------------------------------------ */

static void add_day_or_null(cJSON *o, const char *k, int32_t day)
{
	char s[11];

	if (day == ZQ_CAL_NO_DAY) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	zq_day_format(day, s);
	cJSON_AddStringToObject(o, k, s);
}

static void add_day(cJSON *days, int32_t day, const char *kind)
{
	cJSON *d = cJSON_CreateObject();
	char s[11];

	zq_day_format(day, s);
	cJSON_AddStringToObject(d, "day", s);
	cJSON_AddStringToObject(d, "kind", kind);
	cJSON_AddItemToArray(days, d);
}

cJSON *setup_calendar_doc(const calendar_row *r)
{
	const zq_calendar *cal = &r->cal;
	cJSON *o = cJSON_CreateObject(), *wk, *days;
	size_t h = 0, w = 0;

	cJSON_AddStringToObject(o, "name", cal->name);
	if (r->description)
		cJSON_AddStringToObject(o, "description", r->description);
	else
		cJSON_AddNullToObject(o, "description");
	cJSON_AddStringToObject(o, "timezone", r->timezone);
	wk = cJSON_AddArrayToObject(o, "weekend");
	for (int d = 1; d <= 7; d++)
		if (cal->weekend & (1u << d))
			cJSON_AddItemToArray(wk, cJSON_CreateNumber(d));
	add_day_or_null(o, "covered_from", r->set_from);
	add_day_or_null(o, "covered_until", r->set_until);
	days = cJSON_AddArrayToObject(o, "days");
	while (h < cal->nholidays || w < cal->nworkdays) {
		if (w >= cal->nworkdays || (h < cal->nholidays && cal->holidays[h] < cal->workdays[w]))
			add_day(days, cal->holidays[h++], "holiday");
		else
			add_day(days, cal->workdays[w++], "workday");
	}
	return o;
}

static cJSON *parsed_or_empty(const char *json)
{
	cJSON *v = json ? cJSON_Parse(json) : NULL;

	return cJSON_IsObject(v) ? v : (cJSON_Delete(v), cJSON_CreateObject());
}

cJSON *setup_channel_doc(const alert_channel_row *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "kind", r->kind);
	cJSON_AddBoolToObject(o, "enabled", r->enabled);
	cJSON_AddStringToObject(o, "lang", r->lang);
	cJSON_AddItemToObject(o, "config", parsed_or_empty(r->config));
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

cJSON *setup_rule_doc(const alert_rule_row *r, const setup_refs *channels)
{
	cJSON *o = cJSON_CreateObject(), *ch;
	const char *names[ALERT_RULE_CHANNELS_MAX];
	int n = 0;

	if (r->task_id)
		cJSON_AddStringToObject(o, "task", r->task_name);
	else
		cJSON_AddNullToObject(o, "task");
	cJSON_AddStringToObject(o, "kind", r->kind);
	cJSON_AddBoolToObject(o, "enabled", r->enabled);
	cJSON_AddItemToObject(o, "params", parsed_or_empty(r->params));
	cJSON_AddNumberToObject(o, "repeat_every", (double)r->repeat_every);
	for (int i = 0; i < r->nchannels; i++) {
		const setup_ref *c = setup_refs_by_id(channels, r->channels[i]);
		if (c)
			names[n++] = c->name;
	}
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	ch = cJSON_AddArrayToObject(o, "channels");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(ch, cJSON_CreateString(names[i]));
	return o;
}

/* ---- the selection ---------------------------------------------------------------------- */

static int matches(const zq_task *t, const setup_filter *f)
{
	if (f->type >= 0 && t->type != f->type)
		return 0;
	return !f->name || strcasestr(t->name, f->name) != NULL;
}

/* A selected workflow pulls in its nodes, nested ones too. */
static void pull_nodes(const zq_task *t, size_t n, char *sel)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			cJSON *cfg, *nodes;
			if (!sel[i] || t[i].type != ZQ_TASK_WORKFLOW || !(cfg = cJSON_Parse(t[i].config)))
				continue;
			nodes = cJSON_GetObjectItemCaseSensitive(cfg, "tasks");
			for (const cJSON *nd = nodes ? nodes->child : NULL; nd; nd = nd->next) {
				const cJSON *id = cJSON_GetObjectItemCaseSensitive(nd, "task_id");
				for (size_t j = 0; cJSON_IsNumber(id) && j < n; j++)
					if (t[j].id == (int64_t)id->valuedouble && !sel[j])
						sel[j] = changed = 1;
			}
			cJSON_Delete(cfg);
		}
	}
}

static int cmp_by_name(const void *a, const void *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(*(cJSON *const *)a, "name");
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(*(cJSON *const *)b, "name");

	return strcmp(cJSON_GetStringValue(x) ? x->valuestring : "",
		      cJSON_GetStringValue(y) ? y->valuestring : "");
}

static int cmp_rule(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	const char *tx = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "task"));
	const char *ty = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(y, "task"));
	int c = (tx != NULL) - (ty != NULL);

	if (c == 0 && tx)
		c = strcmp(tx, ty);
	if (c == 0)
		c = strcmp(cJSON_GetObjectItemCaseSensitive(x, "kind")->valuestring,
			   cJSON_GetObjectItemCaseSensitive(y, "kind")->valuestring);
	return c;
}

/* Move items (n of them) into arr sorted. */
static void add_sorted(cJSON *arr, cJSON **items, size_t n, int rules)
{
	qsort(items, n, sizeof(*items), rules ? cmp_rule : cmp_by_name);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, items[i]);
	free(items);
}

struct sel {
	zq_task *t;
	size_t n;
	char *on;
	setup_refs tasks, channels;
	int all;
};

static int task_selected(const struct sel *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].id == id)
			return s->on[i];
	return 0;
}

static int cal_used(const struct sel *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->on[i] && s->t[i].calendar_id && strcmp(s->t[i].calendar, name) == 0)
			return 1;
	return s->all;
}

static int export_calendars(zq_db *db, const struct sel *s, cJSON *arr, zq_err *err)
{
	calendar_row *rows = NULL, r;
	cJSON **items;
	size_t k = 0;
	int n = 0, rc;

	if ((rc = calendar_store_list(db, &rows, &n, err)) < 0)
		return rc;
	items = zq_calloc((size_t)n + 1, sizeof(*items));
	for (int i = 0; i < n && rc == 0; i++) {
		if (!cal_used(s, rows[i].cal.name))
			continue;
		if ((rc = calendar_store_get(db, rows[i].cal.id, NULL, 0, &r, err)) == 0)
			items[k++] = setup_calendar_doc(&r);
		calendar_row_release(&r);
	}
	calendar_rows_free(rows, n);
	add_sorted(arr, items, k, 0);
	return rc;
}

/* Rules of the selection (all, the global ones too, without a filter), and
 * the channels they send to (all without a filter). */
static int export_alerts(zq_db *db, struct sel *s, cJSON *chans, cJSON *rules, zq_err *err)
{
	alert_channel_row *ch = NULL;
	alert_rule_row *ru = NULL;
	cJSON **ci, **ri;
	char *used;
	int nc = 0, nr = 0, rc;
	size_t kc = 0, kr = 0;

	if ((rc = alert_store_channels_list(db, &ch, &nc, err)) < 0 ||
	    (rc = alert_store_rules_list(db, 0, 0, &ru, &nr, err)) < 0)
		goto out;
	used = zq_calloc((size_t)nc + 1, 1);
	for (int i = 0; i < nc; i++)
		setup_refs_add(&s->channels, ch[i].id, ch[i].name, 0);
	ri = zq_calloc((size_t)nr + 1, sizeof(*ri));
	for (int i = 0; i < nr; i++) {
		if (!s->all && !(ru[i].task_id && task_selected(s, ru[i].task_id)))
			continue;
		ri[kr++] = setup_rule_doc(&ru[i], &s->channels);
		for (int j = 0; j < nc; j++)
			for (int m = 0; m < ru[i].nchannels; m++)
				used[j] |= ru[i].channels[m] == ch[j].id;
	}
	ci = zq_calloc((size_t)nc + 1, sizeof(*ci));
	for (int i = 0; i < nc; i++)
		if (s->all || used[i])
			ci[kc++] = setup_channel_doc(&ch[i]);
	free(used);
	add_sorted(chans, ci, kc, 0);
	add_sorted(rules, ri, kr, 1);
out:
	alert_channel_rows_free(ch, nc);
	alert_rule_rows_free(ru, nr);
	return rc;
}

static void export_tasks(const struct sel *s, cJSON *arr)
{
	cJSON **items = zq_calloc(s->n + 1, sizeof(*items));
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->on[i] && (items[k] = setup_task_doc(&s->t[i], &s->tasks)))
			k++;
	add_sorted(arr, items, k, 0);
}

int setup_export(zq_db *db, const setup_filter *f, cJSON **doc, zq_err *err)
{
	struct sel s;
	cJSON *d, *cals, *chans, *rules, *tasks;
	int rc;

	memset(&s, 0, sizeof(s));
	*doc = NULL;
	if ((rc = setup_load_tasks(db, &s.t, &s.n, err)) < 0)
		return rc;
	s.all = !f || (!f->name && f->type < 0);
	s.on = zq_calloc(s.n + 1, 1);
	for (size_t i = 0; i < s.n; i++) {
		s.on[i] = (char)(s.all || matches(&s.t[i], f));
		setup_refs_add(&s.tasks, s.t[i].id, s.t[i].name, s.t[i].type);
	}
	pull_nodes(s.t, s.n, s.on);
	d = cJSON_CreateObject();
	cJSON_AddNumberToObject(d, "zq_setup", SETUP_VERSION);
	cals = cJSON_AddArrayToObject(d, "calendars");
	chans = f && f->no_channels ? cJSON_CreateArray()
				    : cJSON_AddArrayToObject(d, "alert_channels");
	rules = cJSON_AddArrayToObject(d, "alert_rules");
	tasks = cJSON_AddArrayToObject(d, "tasks");
	if ((rc = export_calendars(db, &s, cals, err)) == 0 &&
	    (rc = export_alerts(db, &s, chans, rules, err)) == 0)
		export_tasks(&s, tasks);
	if (f && f->no_channels)
		cJSON_Delete(chans);
	if (rc == 0)
		*doc = d;
	else
		cJSON_Delete(d);
	setup_refs_release(&s.tasks);
	setup_refs_release(&s.channels);
	setup_tasks_free(s.t, s.n);
	free(s.on);
	return rc;
}

/* ---- text ----------------------------------------------------------------------------------- */

char *setup_doc_text(const cJSON *doc, int yaml)
{
	char *j, *out;
	size_t n;

	if (yaml)
		return setup_yaml_emit(doc);
	j = cJSON_Print(doc);
	n = strlen(j);
	out = zq_malloc(n + 2);
	memcpy(out, j, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	cJSON_free(j);
	return out;
}

int setup_doc_parse(const char *text, size_t len, int yaml, cJSON **doc, zq_err *err)
{
	size_t i = 0;

	*doc = NULL;
	if (len > SETUP_YAML_MAX)
		return zq_errf(err, ZQ_ETOOBIG, "document: larger than %u bytes", SETUP_YAML_MAX);
	while (yaml < 0 && i < len && strchr(" \t\r\n", text[i]))
		i++;
	if (yaml < 0)
		yaml = !(i < len && text[i] == '{');
	if (yaml)
		return setup_yaml_parse(text, len, doc, err);
	if (jin_parse(text, len, doc, err) < 0)
		return zq_err_prefix(err, "document: ");
	return 0;
}
